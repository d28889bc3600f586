"""Custom roles (issue 19): environment and organization roles, their permissions, and who
may see and change them."""
import peewee
import pytest

from goldenrecord.store.models import Event
from support import assert_envelope

ROLES = "/api/v1/roles"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def later(clock):
    """Custom rows are made after the migrations made the built-in ones."""
    clock.advance(seconds=1)


def _create(client, headers, **fields):
    body = {"slug": "auditor", "name": "Auditor", **fields}
    return client.simulate_post(ROLES, json=body, headers=headers)


def _slugs(client, headers, **params):
    result = client.simulate_get(ROLES, params=params, headers=headers)
    return [r["slug"] for r in assert_envelope(result, 200)]


def _events(store):
    return [(e.type, e.organization_ids) for e in Event.select().order_by(peewee.SQL("rowid"))
            if e.type.startswith("role.")]


def test_an_environment_role_is_available_everywhere(client, admin, make, store):
    role = assert_envelope(_create(client, admin, description="Reads",
                                   permissions=["perm_05", "organizations:read"]), 201)
    assert role["id"].startswith("role_") and role["isSystem"] is False
    assert role["organizationId"] is None and role["description"] == "Reads"
    assert [p["slug"] for p in role["permissions"]] == ["organizations:read", "users:read"]
    org = make.org()
    assert _slugs(client, admin) == ["admin", "member", "auditor"]
    assert _slugs(client, admin, organizationId=org["id"]) == ["admin", "member", "auditor"]
    assert assert_envelope(client.simulate_get(f"{ROLES}/{role['id']}", headers=admin), 200) == role
    assert _events(store) == [("role.created", ["*"])]


def test_an_organization_role_is_available_there_only(client, admin, make, store):
    org, other = make.org(), make.org()
    role = assert_envelope(_create(client, admin, organizationId=org["id"]), 201)
    assert role["organizationId"] == org["id"] and role["permissions"] == []
    assert _slugs(client, admin, organizationId=org["id"]) == ["admin", "member", "auditor"]
    assert _slugs(client, admin, organizationId=other["id"]) == ["admin", "member"]
    assert _slugs(client, admin) == ["admin", "member"]
    assert _events(store) == [("role.created", [org["id"]])]
    # a membership of that organization may hold it; one of another may not
    user = make.user()
    held = make.membership(org, user, roleId=role["id"])
    assert held["role"] == {"id": role["id"], "name": "Auditor", "slug": "auditor"}
    refused = client.simulate_post("/api/v1/memberships", headers=admin, json={
        "organizationId": other["id"], "userId": user["id"], "roleId": role["id"]})
    assert_envelope(refused, 400, "GR_VALIDATION_ERROR", "roleId")


def test_listing_an_unknown_organization_is_404(client, admin):
    assert_envelope(client.simulate_get(ROLES, params={"organizationId": MISSING}, headers=admin),
                    404, "GR_ORG_NOT_FOUND", "organizationId")
    assert_envelope(_create(client, admin, organizationId=MISSING), 404, "GR_ORG_NOT_FOUND",
                    "organizationId")


def test_slugs_are_unique_in_the_whole_environment(client, admin, make):
    """The decision of issue 19 (docs/api.md): one slug names one role everywhere, so an
    organization role cannot take a system or environment role's slug, nor another
    organization's."""
    org, other = make.org(), make.org()
    assert_envelope(_create(client, admin, slug="admin"), 409, "GR_DUPLICATE_ROLE", "slug")
    assert_envelope(_create(client, admin, slug="member", organizationId=org["id"]), 409,
                    "GR_DUPLICATE_ROLE", "slug")
    assert_envelope(_create(client, admin), 201)
    assert_envelope(_create(client, admin, organizationId=org["id"]), 409, "GR_DUPLICATE_ROLE", "slug")
    assert_envelope(_create(client, admin, slug="lead", organizationId=org["id"]), 201)
    assert_envelope(_create(client, admin, slug="lead", organizationId=other["id"]), 409,
                    "GR_DUPLICATE_ROLE", "slug")
    assert_envelope(_create(client, admin, slug="lead"), 409, "GR_DUPLICATE_ROLE", "slug")


@pytest.mark.parametrize("body, status, code, field", [
    ({"slug": "Auditor"}, 400, "GR_VALIDATION_ERROR", "slug"),
    ({"name": ""}, 400, "GR_VALIDATION_ERROR", "name"),
    ({"permissions": "users:read"}, 400, "GR_VALIDATION_ERROR", "permissions"),
    ({"permissions": ["users read"]}, 400, "GR_VALIDATION_ERROR", "permissions"),
    ({"organizationId": "acme"}, 400, "GR_VALIDATION_ERROR", "organizationId"),
    ({"isSystem": True}, 400, "GR_VALIDATION_ERROR", "isSystem"),
    ({"permissions": ["users:read", "reports:nope"]}, 404, "GR_NOT_FOUND", "permissions"),
    ({"permissions": ["perm_nope"]}, 404, "GR_NOT_FOUND", "permissions"),
])
def test_bad_input_changes_nothing(client, admin, store, body, status, code, field):
    assert_envelope(_create(client, admin, **body), status, code, field)
    assert _slugs(client, admin) == ["admin", "member"] and _events(store) == []


def test_update_replaces_name_description_and_permissions(client, admin, store):
    role = assert_envelope(_create(client, admin, permissions=["users:read"]), 201)
    url = f"{ROLES}/{role['id']}"
    changed = assert_envelope(client.simulate_put(url, headers=admin, json={
        "name": "Auditors", "description": "All reads", "permissions": ["organizations:read", "perm_05"]}), 200)
    assert (changed["name"], changed["description"], changed["slug"]) == ("Auditors", "All reads", "auditor")
    assert [p["slug"] for p in changed["permissions"]] == ["organizations:read", "users:read"]
    emptied = assert_envelope(client.simulate_put(url, json={"permissions": []}, headers=admin), 200)
    assert emptied["permissions"] == [] and emptied["name"] == "Auditors"
    assert_envelope(client.simulate_put(url, json={"slug": "x"}, headers=admin), 400,
                    "GR_VALIDATION_ERROR", "slug")
    assert [t for t, _ in _events(store)] == ["role.created", "role.updated", "role.updated"]


def test_grant_and_revoke_one_permission(client, admin, store):
    role = assert_envelope(_create(client, admin), 201)
    grant = f"{ROLES}/{role['id']}/permissions"
    granted = assert_envelope(client.simulate_post(grant, json={"permission": "users:read"},
                                                   headers=admin), 200)
    assert [p["id"] for p in granted["permissions"]] == ["perm_05"]
    again = client.simulate_post(grant, json={"permission": "perm_05"}, headers=admin)
    assert assert_envelope(again, 200) == granted  # already granted: nothing changes
    assert_envelope(client.simulate_post(grant, json={"permission": "users:nope"}, headers=admin),
                    404, "GR_NOT_FOUND", "permission")
    revoked = assert_envelope(client.simulate_delete(f"{grant}/perm_05", headers=admin), 200)
    assert revoked["permissions"] == []
    assert assert_envelope(client.simulate_delete(f"{grant}/perm_05", headers=admin), 200) == revoked
    assert_envelope(client.simulate_delete(f"{grant}/perm_nope", headers=admin), 404, "GR_NOT_FOUND")
    assert [t for t, _ in _events(store)] == ["role.created", "role.updated", "role.updated"]


@pytest.mark.parametrize("method, path, body", [
    ("PUT", "", {"name": "Boss"}),
    ("DELETE", "", None),
    ("POST", "/permissions", {"permission": "users:read"}),
    ("DELETE", "/permissions/perm_01", None),
])
def test_system_roles_are_read_only(client, admin, method, path, body):
    before = assert_envelope(client.simulate_get(f"{ROLES}/role_member", headers=admin), 200)
    result = client.simulate_request(method, f"{ROLES}/role_member{path}", json=body, headers=admin)
    assert_envelope(result, 403, "GR_FORBIDDEN")
    assert assert_envelope(client.simulate_get(f"{ROLES}/role_member", headers=admin), 200) == before


def test_a_held_role_cannot_be_deleted(client, admin, make, store):
    role = assert_envelope(_create(client, admin), 201)
    org = make.org()
    members = [make.membership(org, make.user(), roleId=role["id"]) for _ in range(2)]
    url = f"{ROLES}/{role['id']}"
    refused = client.simulate_delete(url, headers=admin)
    error = assert_envelope(refused, 409, "GR_ROLE_IN_USE")
    assert error["details"] == {"memberships": 2} and "2 memberships" in error["message"]
    for member in members:
        client.simulate_put(f"/api/v1/memberships/{member['id']}", json={"roleId": "role_member"},
                            headers=admin)
    assert assert_envelope(client.simulate_delete(url, headers=admin), 200) == {
        "id": role["id"], "deleted": True}
    assert_envelope(client.simulate_get(url, headers=admin), 404, "GR_NOT_FOUND")
    assert [t for t, _ in _events(store)] == ["role.created", "role.deleted"]


def test_deleting_an_organization_deletes_its_roles(client, admin, make):
    org = make.org()
    role = assert_envelope(_create(client, admin, organizationId=org["id"]), 201)
    make.membership(org, make.user(), roleId=role["id"])
    assert_envelope(client.simulate_delete(f"/api/v1/organizations/{org['id']}", headers=admin), 200)
    assert_envelope(client.simulate_get(f"{ROLES}/{role['id']}", headers=admin), 404, "GR_NOT_FOUND")
    assert_envelope(_create(client, admin), 201)  # its slug is free again


def test_an_organization_scoped_key_works_in_its_organization_only(client, admin, make, keys):
    org, other = make.org(), make.org()
    scoped = keys.headers("roles:read", "roles:write", org=org["id"])
    # creates in its own organization only, and says so when it gives none
    assert_envelope(_create(client, scoped), 403, "GR_ORG_SCOPE_VIOLATION", "organizationId")
    assert_envelope(_create(client, scoped, organizationId=other["id"]), 403, "GR_ORG_SCOPE_VIOLATION")
    own = assert_envelope(_create(client, scoped, organizationId=org["id"]), 201)
    theirs = assert_envelope(_create(client, admin, slug="theirs", organizationId=other["id"]), 201)
    everywhere = assert_envelope(_create(client, admin, slug="everywhere"), 201)
    # sees the roles available in its organization, by list and by id
    available = {"admin", "member", "auditor", "everywhere"}
    assert set(_slugs(client, scoped)) == available
    assert set(_slugs(client, scoped, organizationId=org["id"])) == available
    assert_envelope(client.simulate_get(ROLES, params={"organizationId": other["id"]}, headers=scoped),
                    403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_get(f"{ROLES}/{everywhere['id']}", headers=scoped), 200)
    assert_envelope(client.simulate_get(f"{ROLES}/{theirs['id']}", headers=scoped), 403,
                    "GR_ORG_SCOPE_VIOLATION")
    # changes its own organization's roles only: not another's, not the environment's
    for role in (theirs, everywhere):
        url = f"{ROLES}/{role['id']}"
        assert_envelope(client.simulate_put(url, json={"name": "Mine"}, headers=scoped), 403,
                        "GR_ORG_SCOPE_VIOLATION")
        assert_envelope(client.simulate_post(f"{url}/permissions", json={"permission": "users:read"},
                                             headers=scoped), 403, "GR_ORG_SCOPE_VIOLATION")
        assert_envelope(client.simulate_delete(url, headers=scoped), 403, "GR_ORG_SCOPE_VIOLATION")
    assert assert_envelope(client.simulate_get(f"{ROLES}/{everywhere['id']}", headers=admin), 200) == everywhere
    changed = client.simulate_put(f"{ROLES}/{own['id']}", json={"permissions": ["users:read"]},
                                  headers=scoped)
    assert [p["slug"] for p in assert_envelope(changed, 200)["permissions"]] == ["users:read"]
    assert_envelope(client.simulate_delete(f"{ROLES}/{own['id']}", headers=scoped), 200)


def test_the_list_pages_with_system_roles_first(client, admin, clock):
    for n in range(3):
        clock.advance(seconds=1)
        assert_envelope(_create(client, admin, slug=f"custom-{n}"), 201)
    first = client.simulate_get(ROLES, params={"limit": 2}, headers=admin)
    rest = client.simulate_get(ROLES, params={"limit": 10, "cursor": first.json["meta"]["nextCursor"]},
                               headers=admin)
    assert first.json["meta"]["total"] == 5 and first.json["meta"]["hasMore"] is True
    assert [r["slug"] for r in first.json["data"] + rest.json["data"]] == [
        "admin", "member", "custom-0", "custom-1", "custom-2"]


def test_an_update_that_changes_nothing_emits_nothing(client, admin, store):
    role = assert_envelope(_create(client, admin, description="Reads",
                                   permissions=["users:read", "organizations:read"]), 201)
    same = client.simulate_put(f"{ROLES}/{role['id']}", headers=admin, json={
        "name": "Auditor", "description": "Reads", "permissions": ["perm_01", "perm_05"]})
    assert assert_envelope(same, 200) == role
    assert [t for t, _ in _events(store)] == ["role.created"]
