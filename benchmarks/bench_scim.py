"""A SCIM provisioning run, as an identity provider makes it (issue 23).

    python benchmarks/bench_scim.py [--users 10000] [--groups 100] [--threads 8]

Against a real `goldenrecord serve` (rate limits off), with an organization-scoped
`scim:write` key, `--threads` IdP connections:
  users   for each user, what Okta and Entra ID send: GET /Users?filter=userName eq "…"
          (not found), then POST /Users
  groups  POST /Groups, then one PATCH adding its share of the users (users / groups each)
Every answer must be 2xx. Target (issue 23): >= 300 SCIM operations/s over the whole run.
"""
import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

_local = threading.local()


def session(token):
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
        _local.session.headers.update({"Authorization": f"Bearer {token}",
                                       "Content-Type": "application/scim+json"})
    return _local.session


def checked(response):
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.url}: "
                           f"{response.status_code} {response.text[:200]}")
    return response


def provision_user(base, token, i):
    """Look the user up by userName, then create them: two operations."""
    http = session(token)
    email = f"person{i:06d}@acme.example"
    found = checked(http.get(f"{base}/Users", params={"filter": f'userName eq "{email}"'}))
    assert found.json()["totalResults"] == 0
    created = checked(http.post(f"{base}/Users", json={
        "schemas": [USER], "userName": email, "externalId": f"idp-{i}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"}, "active": True}))
    return created.json()["id"]


def provision_group(base, token, n, members):
    """Create the group, then add its members in one PATCH: two operations."""
    http = session(token)
    group = checked(http.post(f"{base}/Groups", json={"schemas": [GROUP],
                                                      "displayName": f"Team {n:03d}"}))
    checked(http.patch(f"{base}/Groups/{group.json()['id']}", json={
        "schemas": [PATCH], "Operations": [{"op": "add", "path": "members",
                                            "value": [{"value": m} for m in members]}]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    work = Path(common.temp_dir())
    admin, _ = common.seed(work / "scim.db", organizations=0, users=0)
    server = common.goldenrecord_server(work / "scim.db", UNLIMITED)
    try:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {admin}"
        org = checked(api.post(f"{server.url}/api/v1/organizations",
                               json={"name": "Acme", "slug": "acme"})).json()["data"]
        token = checked(api.post(f"{server.url}/api/v1/keys", json={
            "name": "idp", "scopes": ["scim:write"], "organizationId": org["id"],
            "tier": "enterprise"})).json()["data"]["key"]
        base = f"{server.url}/scim/v2"
        cpu0, started = server.cpu_seconds(), time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            ids = list(pool.map(lambda i: provision_user(base, token, i), range(args.users)))
            users_done = time.perf_counter()
            share = max(1, len(ids) // max(args.groups, 1))
            list(pool.map(lambda n: provision_group(base, token, n, ids[n * share:(n + 1) * share]),
                          range(args.groups)))
        elapsed = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu0
        operations = 2 * args.users + 2 * args.groups
        listed = checked(session(token).get(f"{base}/Users", params={"count": 1})).json()
        assert listed["totalResults"] == args.users
    finally:
        server.stop()
    rate = operations / elapsed
    common.publish("scim", "\n".join([
        f"SCIM provisioning run: {args.users} users, {args.groups} groups, "
        f"{args.threads} connections (figures taken on a shared machine, under load)",
        f"users: {2 * args.users} operations in {users_done - started:.1f} s",
        f"all:   {operations} operations in {elapsed:.1f} s = {rate:.0f} operations/s "
        f"(target >= 300: {'met' if rate >= 300 else 'NOT met'})",
        f"server CPU: {cpu:.1f} s, {1e6 * cpu / operations:.0f} us per operation",
    ]))


if __name__ == "__main__":
    main()
