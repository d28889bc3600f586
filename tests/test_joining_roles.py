"""Where joining organizations (issue 22) meets custom roles (issue 19): invitations and
domain join policies give only roles available in their organization, the member they make
is one the authorization check knows, and a role they would still give cannot be deleted;
bulk creates preview taken external ids like taken slugs."""
import pytest

from support import assert_envelope
from test_domains import claim, dns, verified  # noqa: F401 (dns: the loopback DNS fixture)

V1 = "/api/v1"


@pytest.fixture(autouse=True)
def later(clock):
    """Custom roles are made after the migrations made the built-in ones."""
    clock.advance(seconds=1)


def _role(client, admin, slug, **fields):
    return assert_envelope(client.simulate_post(f"{V1}/roles", headers=admin, json={
        "slug": slug, "name": slug.title(), "permissions": ["users:delete"], **fields}), 201)


def _check(client, admin, user_id, org_id):
    return assert_envelope(client.simulate_post(f"{V1}/authorization/check", headers=admin, json={
        "userId": user_id, "organizationId": org_id, "permission": "users:delete"}), 200)


def test_an_invitation_gives_only_a_role_of_its_organization(client, admin, make):
    mine, other = make.org(), make.org()
    auditor = _role(client, admin, "auditor", organizationId=mine["id"])
    refused = client.simulate_post(f"{V1}/invitations", headers=admin, json={
        "email": "jo@example.com", "organizationId": other["id"], "roleId": auditor["id"]})
    assert_envelope(refused, 400, "GR_VALIDATION_ERROR", "roleId")
    listed = client.simulate_get(f"{V1}/invitations", headers=admin)
    assert assert_envelope(listed, 200) == []
    invitation = make.invitation(mine, "jo@example.com", roleId=auditor["id"])
    membership = assert_envelope(client.simulate_post(
        f"{V1}/invitations/accept", headers=admin, json={"token": invitation["token"]}), 201)
    assert (membership["roleId"], membership["status"]) == (auditor["id"], "active")
    answer = _check(client, admin, membership["userId"], mine["id"])
    assert answer["authorized"] is True and answer["role"]["slug"] == "auditor"


def test_a_join_policy_gives_only_a_role_of_its_organization(client, admin, make, dns):  # noqa: F811
    mine, other = make.org(), make.org()
    auditor = _role(client, admin, "auditor", organizationId=mine["id"])
    assert_envelope(claim(client, admin, other, "other.example", joinPolicy="auto",
                          roleId=auditor["id"]), 400, "GR_VALIDATION_ERROR", "roleId")
    theirs = assert_envelope(claim(client, admin, other, "other.example"), 201)
    changed = client.simulate_put(f"{V1}/organizations/{other['id']}/domains/{theirs['id']}",
                                  headers=admin, json={"joinPolicy": "auto", "roleId": auditor["id"]})
    assert_envelope(changed, 400, "GR_VALIDATION_ERROR", "roleId")
    verified(client, admin, dns, mine, "mine.example", joinPolicy="auto", roleId=auditor["id"])
    joined = make.user(email="new@mine.example")
    answer = _check(client, admin, joined["id"], mine["id"])
    assert answer["authorized"] is True and answer["role"]["id"] == auditor["id"]


def test_a_role_an_open_invitation_or_an_auto_policy_would_give_is_not_deleted(
        client, admin, make):
    org = make.org()
    auditor = _role(client, admin, "auditor")
    invitation = make.invitation(org, "jo@example.com", roleId=auditor["id"])
    done = make.invitation(org, "bo@example.com", roleId=auditor["id"])
    client.simulate_post(f"{V1}/invitations/{done['id']}/revoke", headers=admin)
    domain = assert_envelope(claim(client, admin, org, "acme.example", joinPolicy="auto",
                                   roleId=auditor["id"]), 201)
    role_path = f"{V1}/roles/{auditor['id']}"
    error = assert_envelope(client.simulate_delete(role_path, headers=admin), 409, "GR_ROLE_IN_USE")
    assert error["details"] == {"invitations": 1, "domains": 1}
    assert "1 open invitation, 1 auto-join domain" in error["message"]

    client.simulate_post(f"{V1}/invitations/{invitation['id']}/revoke", headers=admin)
    domain_path = f"{V1}/organizations/{org['id']}/domains/{domain['id']}"
    client.simulate_put(domain_path, headers=admin, json={"joinPolicy": "none"})
    assert assert_envelope(client.simulate_delete(role_path, headers=admin), 200)["deleted"] is True
    # what was done with the role, or keeps it unused, loses it
    for path in (f"{V1}/invitations/{invitation['id']}", f"{V1}/invitations/{done['id']}",
                 domain_path):
        assert assert_envelope(client.simulate_get(path, headers=admin), 200)["roleId"] is None
    on = client.simulate_put(domain_path, headers=admin, json={"joinPolicy": "auto"})
    assert assert_envelope(on, 200)["roleId"] == "role_member"


@pytest.mark.parametrize("path, record", [
    ("/users/bulk", lambda n: {"email": f"u{n}@example.com"}),
    ("/organizations/bulk", lambda n: {"name": f"Org {n}", "slug": f"bulk-{n}"}),
])
def test_a_bulk_preview_names_every_external_id_taken(client, admin, make, path, record):
    make.user(externalId="crm-1")
    make.org(externalId="crm-1")
    error = assert_envelope(client.simulate_post(f"{V1}{path}", headers=admin, json={
        "dryRun": True, "records": [{**record(0), "externalId": "crm-2"},
                                    {**record(1), "externalId": "crm-1"},
                                    {**record(2), "externalId": "crm-2"},
                                    {**record(3)}]}), 400, "GR_VALIDATION_ERROR", "records")
    assert [(r["index"], r["field"]) for r in error["details"]["rows"]] == [
        (1, "externalId"), (2, "externalId")]
    written = client.simulate_post(f"{V1}{path}", headers=admin, json={
        "records": [{**record(4), "externalId": "crm-3"}, {**record(5), "externalId": "crm-1"}]})
    error = assert_envelope(written, 400, "GR_VALIDATION_ERROR", "records")
    assert [(r["index"], r["field"]) for r in error["details"]["rows"]] == [(1, "externalId")]
