"""scim2-tester (PyPI), a SCIM conformance checker written elsewhere, against a real
`goldenrecord serve` (issue 23): ALL its checks (discovery, create, read, attributes,
replace, delete, PATCH add/replace/remove, for Users and Groups), none failing.

It fills userName with free text and compares what it sent with what it gets back, so it
holds the service to what ServiceProviderConfig and /Schemas declare. No check may be
skipped either: a check that starts skipping (a feature no longer found) shows here.
"""
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from process import ServerProcess, new_key

FAILED = {Status.ERROR, Status.CRITICAL, Status.DEVIATION}


@pytest.fixture
def server(tmp_path):
    proc = ServerProcess(tmp_path / "scim.db", key=new_key())
    yield proc
    proc.stop()


def _idp_token(server):
    org = server.api("POST", "/api/v1/organizations", json={"name": "Acme", "slug": "acme"})
    assert org.status_code == 201, org.text
    # the enterprise tier: the checker sends a few hundred requests in a second
    key = server.api("POST", "/api/v1/keys", json={
        "name": "idp", "scopes": ["scim:write"], "organizationId": org.json()["data"]["id"],
        "tier": "enterprise"})
    assert key.status_code == 201, key.text
    return key.json()["data"]["key"]


@pytest.mark.slow
def test_scim2_tester_finds_no_failure_in_any_check(server):
    http = httpx2.Client(base_url=f"{server.url}/scim/v2", timeout=30,
                         headers={"Authorization": f"Bearer {_idp_token(server)}"})
    with http:
        results = check_server(SyncSCIMClient(http))
    failures = [f"{r.status.name} {r.title} ({r.resource_type}): {r.reason}"
                for r in results if r.status in FAILED]
    assert failures == [], "\n".join(failures)  # pytest prints every one
    skipped = [f"{r.title} ({r.resource_type}): {r.reason}" for r in results
               if r.status == Status.SKIPPED]
    assert skipped == [], "\n".join(skipped)
    succeeded = [r for r in results if r.status == Status.SUCCESS]
    tags = set().union(*(r.tags for r in succeeded))
    # every family of checks ran and passed, for both resource types
    assert {"discovery", "crud:create", "crud:read", "crud:read:attributes", "crud:update",
            "crud:delete", "patch:add", "patch:remove", "patch:replace"} <= tags
    assert {r.resource_type for r in succeeded if "crud:create" in r.tags} >= {"User", "Group"}
    assert len(succeeded) == len(results) >= 60
