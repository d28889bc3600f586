"""The permission check and a member's effective permissions (issue 19), and the memory
they answer from: never staler than a statement would be."""
import sqlite3

import pytest

from support import assert_envelope, traced_statements

CHECK = "/api/v1/authorization/check"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def member(client, admin, make):
    """An active user, active organization and active membership holding the Member role
    (organizations:read only)."""
    org, user = make.org(), make.user()
    membership = make.membership(org, user)
    return {"org": org["id"], "user": user["id"], "membership": membership["id"]}


def _check(client, headers, member, permission="organizations:read", **fields):
    body = {"userId": member["user"], "organizationId": member["org"], "permission": permission,
            **fields}
    return client.simulate_post(CHECK, json=body, headers=headers)


def _authorized(client, headers, member, permission="organizations:read"):
    return assert_envelope(_check(client, headers, member, permission), 200)["authorized"]


def _effective(client, headers, member):
    result = client.simulate_get(f"/api/v1/users/{member['user']}/permissions",
                                 params={"organizationId": member["org"]}, headers=headers)
    return assert_envelope(result, 200)


def test_the_role_decides(client, admin, member):
    answer = assert_envelope(_check(client, admin, member), 200)
    assert answer == {"authorized": True,
                      "role": {"id": "role_member", "name": "Member", "slug": "member"}}
    denied = assert_envelope(_check(client, admin, member, "users:delete"), 200)
    assert denied == {"authorized": False, "role": answer["role"]}
    assert _effective(client, admin, member) == ["organizations:read"]


def test_owners_have_their_role_and_nothing_more(client, admin, member):
    client.simulate_put(f"/api/v1/memberships/{member['membership']}", json={"isOwner": True},
                        headers=admin)
    assert _authorized(client, admin, member, "users:delete") is False
    assert _authorized(client, admin, member, "organizations:read") is True


def test_a_user_who_is_not_a_member_is_refused(client, admin, make, member):
    outsider = {**member, "user": make.user()["id"]}
    assert assert_envelope(_check(client, admin, outsider), 200) == {"authorized": False, "role": None}
    assert _effective(client, admin, outsider) == []


@pytest.mark.parametrize("deactivate", [
    lambda c, h, m: c.simulate_post(f"/api/v1/memberships/{m['membership']}/deactivate", headers=h),
    lambda c, h, m: c.simulate_put(f"/api/v1/users/{m['user']}", json={"isActive": False}, headers=h),
    lambda c, h, m: c.simulate_put(f"/api/v1/organizations/{m['org']}", json={"isActive": False},
                                   headers=h),
], ids=["membership", "user", "organization"])
def test_anything_inactive_grants_nothing(client, admin, member, deactivate):
    assert _authorized(client, admin, member) is True  # and now kept in memory
    assert_envelope(deactivate(client, admin, member), 200)
    answer = assert_envelope(_check(client, admin, member), 200)
    assert answer["authorized"] is False and answer["role"]["slug"] == "member"
    assert _effective(client, admin, member) == []


def test_reactivating_grants_again(client, admin, member):
    url = f"/api/v1/memberships/{member['membership']}"
    client.simulate_post(f"{url}/deactivate", headers=admin)
    assert _authorized(client, admin, member) is False
    client.simulate_post(f"{url}/reactivate", headers=admin)
    assert _authorized(client, admin, member) is True


@pytest.mark.parametrize("field, value, code", [
    ("userId", MISSING, "GR_USER_NOT_FOUND"),
    ("organizationId", MISSING, "GR_ORG_NOT_FOUND"),
    ("permission", "reports:export", "GR_NOT_FOUND"),
])
def test_unknown_user_organization_or_permission_is_404(client, admin, member, field, value, code):
    body = {"userId": member["user"], "organizationId": member["org"],
            "permission": "organizations:read", field: value}
    assert_envelope(client.simulate_post(CHECK, json=body, headers=admin), 404, code, field)


@pytest.mark.parametrize("body, field", [
    ({"permission": "Users:Read"}, "permission"),
    ({"permission": "perm_05"}, "permission"),
    ({"userId": "u1"}, "userId"),
    ({"organizationId": None}, "organizationId"),
    ({"role": "admin"}, "role"),
])
def test_bad_input_is_400_naming_the_field(client, admin, member, body, field):
    assert_envelope(_check(client, admin, member, **body), 400, "GR_VALIDATION_ERROR", field)


def test_the_effective_list_needs_its_organization(client, admin, member):
    result = client.simulate_get(f"/api/v1/users/{member['user']}/permissions", headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "organizationId")
    result = client.simulate_get(f"/api/v1/users/{MISSING}/permissions",
                                 params={"organizationId": member["org"]}, headers=admin)
    assert_envelope(result, 404, "GR_USER_NOT_FOUND")


def test_a_custom_organization_role_with_a_custom_permission(client, admin, member, clock):
    clock.advance(seconds=1)
    assert_envelope(client.simulate_post("/api/v1/permissions", headers=admin, json={
        "slug": "reports:export", "name": "Export reports"}), 201)
    role = assert_envelope(client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "reporter", "name": "Reporter", "organizationId": member["org"],
        "permissions": ["users:read", "reports:export"]}), 201)
    assert _authorized(client, admin, member, "reports:export") is False
    client.simulate_put(f"/api/v1/memberships/{member['membership']}", json={"roleId": role["id"]},
                        headers=admin)
    answer = assert_envelope(_check(client, admin, member, "reports:export"), 200)
    assert answer == {"authorized": True,
                      "role": {"id": role["id"], "name": "Reporter", "slug": "reporter"}}
    assert _authorized(client, admin, member, "organizations:read") is False
    assert _effective(client, admin, member) == ["users:read", "reports:export"]


def test_an_organization_scoped_key_checks_in_its_organization_only(client, admin, make, keys, member):
    own = keys.headers("authorization:check", org=member["org"])
    assert _authorized(client, own, member) is True
    assert _effective(client, own, member) == ["organizations:read"]
    other = make.org()
    elsewhere = {**member, "org": other["id"]}
    assert_envelope(_check(client, own, elsewhere), 403, "GR_ORG_SCOPE_VIOLATION")
    result = client.simulate_get(f"/api/v1/users/{member['user']}/permissions",
                                 params={"organizationId": other["id"]}, headers=own)
    assert_envelope(result, 403, "GR_ORG_SCOPE_VIOLATION")
    # refused before anything is looked up: a missing organization is no different
    assert_envelope(_check(client, own, {**member, "org": MISSING}), 403, "GR_ORG_SCOPE_VIOLATION")


def test_a_repeated_check_runs_no_statement(client, admin, member, store):
    first = _check(client, admin, member)
    with traced_statements(store) as statements:
        again = _check(client, admin, member)
    assert statements == []
    assert assert_envelope(again, 200) == assert_envelope(first, 200)


@pytest.mark.parametrize("change, expected", [
    ("grant", True), ("revoke", False), ("reassign", False), ("delete-permission", None)])
def test_changes_through_the_api_are_seen_by_the_next_check(client, admin, member, clock, change,
                                                           expected):
    clock.advance(seconds=1)
    permission = assert_envelope(client.simulate_post("/api/v1/permissions", headers=admin, json={
        "slug": "reports:export", "name": "Export"}), 201)
    role = assert_envelope(client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "reporter", "name": "Reporter", "permissions": [] if change == "grant" else ["reports:export"]}), 201)
    client.simulate_put(f"/api/v1/memberships/{member['membership']}", json={"roleId": role["id"]},
                        headers=admin)
    assert _authorized(client, admin, member, "reports:export") is (change != "grant")
    if change == "grant":
        client.simulate_post(f"/api/v1/roles/{role['id']}/permissions",
                             json={"permission": "reports:export"}, headers=admin)
    elif change == "revoke":
        client.simulate_delete(f"/api/v1/roles/{role['id']}/permissions/{permission['id']}", headers=admin)
    elif change == "reassign":
        client.simulate_put(f"/api/v1/memberships/{member['membership']}", json={"roleId": "role_admin"},
                            headers=admin)
    else:
        client.simulate_delete(f"/api/v1/permissions/{permission['id']}", headers=admin)
        assert_envelope(_check(client, admin, member, "reports:export"), 404, "GR_NOT_FOUND", "permission")
        return
    assert _authorized(client, admin, member, "reports:export") is expected


def test_a_change_made_elsewhere_is_seen_at_the_next_poll(client, admin, member, store):
    assert _authorized(client, admin, member) is True
    connection = sqlite3.connect(store.path)
    connection.execute("DELETE FROM role_permission WHERE role_id = 'role_member'")
    connection.commit()
    connection.close()
    store.changes.watch.poll()  # what the watch's thread does every POLL_SECONDS
    assert _authorized(client, admin, member) is False
    assert _effective(client, admin, member) == []
