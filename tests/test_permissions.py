"""Custom permissions (issue 19): created, renamed, deleted; the reference's eight read-only."""
import peewee
import pytest

from goldenrecord.store.models import Event
from support import assert_envelope

PERMISSIONS = "/api/v1/permissions"


def _create(client, headers, **fields):
    body = {"slug": "reports:export", "name": "Export reports", **fields}
    return client.simulate_post(PERMISSIONS, json=body, headers=headers)


def _events(store, kind):
    return [e.type for e in Event.select().order_by(peewee.SQL("rowid")) if e.type.startswith(kind)]


@pytest.fixture(autouse=True)
def later(clock):
    """Custom permissions are made after the migrations made the built-in ones."""
    clock.advance(seconds=1)


def test_create_splits_the_slug_and_lists_after_the_built_in_ones(client, admin, store):
    made = assert_envelope(_create(client, admin, description="CSV of any report"), 201)
    assert made["id"].startswith("perm_") and made["id"] not in {f"perm_0{i}" for i in range(1, 9)}
    assert {k: made[k] for k in ("slug", "resource", "action", "name", "description", "isSystem")} == {
        "slug": "reports:export", "resource": "reports", "action": "export",
        "name": "Export reports", "description": "CSV of any report", "isSystem": False}
    listed = client.simulate_get(PERMISSIONS, headers=admin)
    assert [p["id"] for p in assert_envelope(listed, 200)][-1] == made["id"]
    assert listed.json["meta"]["total"] == 9
    assert assert_envelope(client.simulate_get(f"{PERMISSIONS}/{made['id']}", headers=admin), 200) == made
    assert _events(store, "permission.") == ["permission.created"]


def test_the_list_pages_like_every_list(client, admin):
    _create(client, admin)
    first = client.simulate_get(PERMISSIONS, params={"limit": 5}, headers=admin)
    assert first.json["meta"] == {**first.json["meta"], "total": 9, "hasMore": True}
    rest = client.simulate_get(PERMISSIONS, params={"limit": 5, "cursor": first.json["meta"]["nextCursor"]},
                               headers=admin)
    slugs = [p["slug"] for p in first.json["data"] + rest.json["data"]]
    assert slugs[:8] == [f"{r}:{a}" for r in ("organizations", "users")
                         for a in ("read", "create", "update", "delete")]
    assert slugs[8] == "reports:export" and rest.json["meta"]["hasMore"] is False


def test_a_slug_is_taken_once(client, admin):
    _create(client, admin)
    assert_envelope(_create(client, admin, name="Again"), 409, "GR_DUPLICATE_PERMISSION", "slug")
    assert_envelope(_create(client, admin, slug="users:read"), 409, "GR_DUPLICATE_PERMISSION", "slug")


@pytest.mark.parametrize("body, field", [
    ({"slug": "Reports:export"}, "slug"),
    ({"slug": "reports"}, "slug"),
    ({"slug": "reports:export:all"}, "slug"),
    ({"slug": "reports: export"}, "slug"),
    ({"name": ""}, "name"),
    ({"description": 5}, "description"),
    ({"resource": "reports"}, "resource"),
])
def test_bad_input_is_400_naming_the_field(client, admin, body, field):
    assert_envelope(_create(client, admin, **body), 400, "GR_VALIDATION_ERROR", field)
    assert client.simulate_get(PERMISSIONS, headers=admin).json["meta"]["total"] == 8


def test_update_renames_and_keeps_the_slug(client, admin, store):
    made = assert_envelope(_create(client, admin), 201)
    url = f"{PERMISSIONS}/{made['id']}"
    changed = assert_envelope(client.simulate_put(url, json={"name": "Export", "description": None},
                                                  headers=admin), 200)
    assert (changed["name"], changed["description"], changed["slug"]) == ("Export", None, "reports:export")
    assert_envelope(client.simulate_put(url, json={"slug": "reports:print"}, headers=admin), 400,
                    "GR_VALIDATION_ERROR", "slug")
    assert _events(store, "permission.") == ["permission.created", "permission.updated"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_the_reference_permissions_are_read_only(client, admin, method):
    before = assert_envelope(client.simulate_get(f"{PERMISSIONS}/perm_05", headers=admin), 200)
    assert before["isSystem"] is True and before["description"] is None
    result = client.simulate_request(method, f"{PERMISSIONS}/perm_05", headers=admin,
                                     json={"name": "Mine"} if method == "PUT" else None)
    assert_envelope(result, 403, "GR_FORBIDDEN")
    assert assert_envelope(client.simulate_get(f"{PERMISSIONS}/perm_05", headers=admin), 200) == before


def test_delete_takes_it_from_every_role(client, admin, store):
    made = assert_envelope(_create(client, admin), 201)
    role = assert_envelope(client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "reporter", "name": "Reporter", "permissions": ["reports:export", "users:read"]}), 201)
    assert [p["slug"] for p in role["permissions"]] == ["users:read", "reports:export"]
    assert assert_envelope(client.simulate_delete(f"{PERMISSIONS}/{made['id']}", headers=admin), 200) == {
        "id": made["id"], "deleted": True}
    after = assert_envelope(client.simulate_get(f"/api/v1/roles/{role['id']}", headers=admin), 200)
    assert [p["slug"] for p in after["permissions"]] == ["users:read"]
    assert_envelope(client.simulate_get(f"{PERMISSIONS}/{made['id']}", headers=admin), 404, "GR_NOT_FOUND")
    assert _events(store, "permission.") == ["permission.created", "permission.deleted"]


def test_an_organization_scoped_key_cannot_change_permissions(client, admin, make, keys):
    org = make.org()
    scoped = keys.headers("permissions:write", "permissions:read", org=org["id"])
    assert_envelope(_create(client, scoped), 403, "GR_ORG_SCOPE_VIOLATION")
    made = assert_envelope(_create(client, admin), 201)
    url = f"{PERMISSIONS}/{made['id']}"
    assert_envelope(client.simulate_put(url, json={"name": "X"}, headers=scoped), 403,
                    "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_delete(url, headers=scoped), 403, "GR_ORG_SCOPE_VIOLATION")
    assert assert_envelope(client.simulate_get(url, headers=scoped), 200)["name"] == "Export reports"


def test_unknown_ids_are_404(client, admin):
    for method in ("GET", "PUT", "DELETE"):
        result = client.simulate_request(method, f"{PERMISSIONS}/perm_nope", headers=admin,
                                         json={"name": "X"} if method == "PUT" else None)
        assert_envelope(result, 404, "GR_NOT_FOUND")


def test_an_update_that_changes_nothing_emits_nothing(client, admin, store):
    made = assert_envelope(_create(client, admin), 201)
    same = client.simulate_put(f"{PERMISSIONS}/{made['id']}", json={"name": "Export reports"},
                               headers=admin)
    assert assert_envelope(same, 200) == made
    assert _events(store, "permission.") == ["permission.created"]
