from support import assert_envelope

SPEC_PERMISSIONS = [
    ("perm_01", "Read Organizations", "organizations:read", "organizations", "read"),
    ("perm_02", "Create Organizations", "organizations:create", "organizations", "create"),
    ("perm_03", "Update Organizations", "organizations:update", "organizations", "update"),
    ("perm_04", "Delete Organizations", "organizations:delete", "organizations", "delete"),
    ("perm_05", "Read Users", "users:read", "users", "read"),
    ("perm_06", "Create Users", "users:create", "users", "create"),
    ("perm_07", "Update Users", "users:update", "users", "update"),
    ("perm_08", "Delete Users", "users:delete", "users", "delete"),
]


def test_permissions_are_the_spec_eight(client, admin):
    result = client.simulate_get("/api/v1/permissions", headers=admin)
    data = assert_envelope(result, 200)
    assert [(p["id"], p["name"], p["slug"], p["resource"], p["action"]) for p in data] == SPEC_PERMISSIONS
    assert result.json["meta"]["total"] == 8


def test_system_roles_with_permissions(client, admin):
    roles = assert_envelope(client.simulate_get("/api/v1/roles", headers=admin), 200)
    by_slug = {r["slug"]: r for r in roles}
    assert set(by_slug) == {"admin", "member"}
    assert by_slug["admin"]["name"] == "Admin" and by_slug["admin"]["isSystem"] is True
    assert [p["slug"] for p in by_slug["admin"]["permissions"]] == [p[2] for p in SPEC_PERMISSIONS]
    assert [p["slug"] for p in by_slug["member"]["permissions"]] == ["organizations:read"]
    assert by_slug["member"]["description"] == "Basic member access"
    # the reference's fields, (issue 19) where the role is available: null, everywhere, and
    # (issue 23) its rank: Admin above Member
    assert set(by_slug["member"]) == {"id", "name", "slug", "description", "isSystem",
                                      "permissions", "organizationId", "priority", "createdAt"}
    assert by_slug["member"]["organizationId"] is None
    assert by_slug["admin"]["priority"] < by_slug["member"]["priority"]


def test_roles_paginate(client, admin):
    first = client.simulate_get("/api/v1/roles", params={"limit": 1}, headers=admin)
    assert first.json["meta"]["hasMore"] is True
    second = client.simulate_get("/api/v1/roles", params={"limit": 1, "cursor": first.json["meta"]["nextCursor"]},
                                 headers=admin)
    assert [r["slug"] for r in first.json["data"] + second.json["data"]] == ["admin", "member"]
    assert second.json["data"][0]["permissions"][0]["slug"] == "organizations:read"
