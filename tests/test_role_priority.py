"""Role priority (issue 23): roles listed in priority order, set by PUT /roles/priority."""
from support import assert_envelope

V1 = "/api/v1"


def make_role(client, admin, slug, **fields):
    return assert_envelope(client.simulate_post(f"{V1}/roles", headers=admin, json={
        "slug": slug, "name": slug.title(), **fields}), 201)


def slugs(client, headers, **params):
    return [r["slug"] for r in assert_envelope(client.simulate_get(
        f"{V1}/roles", headers=headers, params={"limit": 100, **params}), 200)]


def reorder(client, headers, roles, status=200, code=None, **more):
    return assert_envelope(client.simulate_put(f"{V1}/roles/priority", headers=headers,
                                               json={"roles": roles, **more}), status, code)


def test_admin_ranks_above_member_and_new_roles_go_last(client, admin, make, clock):
    org = make.org()
    make_role(client, admin, "billing")
    clock.advance(seconds=1)
    make_role(client, admin, "support", organizationId=org["id"])
    clock.advance(seconds=1)
    make_role(client, admin, "auditor")
    assert slugs(client, admin) == ["admin", "member", "billing", "auditor"]
    assert slugs(client, admin, organizationId=org["id"]) == [
        "admin", "member", "billing", "support", "auditor"]
    roles = assert_envelope(client.simulate_get(f"{V1}/roles", headers=admin), 200)
    assert [r["priority"] for r in roles] == sorted(r["priority"] for r in roles)


def test_the_environment_order_moves_organization_roles_with_their_neighbour(client, admin,
                                                                             make):
    org = make.org()
    make_role(client, admin, "billing")
    make_role(client, admin, "support", organizationId=org["id"])  # below billing
    order = reorder(client, admin, ["billing", "admin", "member"])
    assert [r["slug"] for r in order] == ["billing", "admin", "member"]
    assert slugs(client, admin) == ["billing", "admin", "member"]
    # support followed billing, and still does
    assert slugs(client, admin, organizationId=org["id"]) == [
        "billing", "support", "admin", "member"]


def test_an_organizations_order_is_its_own(client, admin, make, keys):
    acme, other = make.org(), make.org()
    make_role(client, admin, "ops", organizationId=acme["id"])
    make_role(client, admin, "theirs", organizationId=other["id"])
    acme_key = keys.headers("roles:read", "roles:write", org=acme["id"])
    order = reorder(client, acme_key, ["ops", "admin", "member"], organizationId=acme["id"])
    assert [r["slug"] for r in order] == ["ops", "admin", "member"]
    assert slugs(client, acme_key) == ["ops", "admin", "member"]
    assert slugs(client, admin, organizationId=other["id"]) == ["admin", "member", "theirs"]
    assert slugs(client, admin) == ["admin", "member"]


def test_an_organization_cannot_reorder_what_every_organization_shares(client, admin, make,
                                                                         keys):
    org = make.org()
    key = keys.headers("roles:write", org=org["id"])
    body = reorder(client, key, ["member", "admin"], 400, "GR_VALIDATION_ERROR",
                   organizationId=org["id"])
    assert body["field"] == "roles"
    body = reorder(client, key, ["member", "admin"], 403, "GR_ORG_SCOPE_VIOLATION")
    assert body["field"] == "organizationId"
    reorder(client, key, ["admin", "member"], 403, "GR_ORG_SCOPE_VIOLATION",
            organizationId=make.org()["id"])
    assert slugs(client, admin) == ["admin", "member"]


def test_the_order_must_name_every_role_once(client, admin, make):
    make_role(client, admin, "billing")
    for roles in (["admin", "member"], ["admin", "member", "billing", "billing"],
                  ["admin", "member", "billing", "nope"], []):
        body = reorder(client, admin, roles, 400, "GR_VALIDATION_ERROR")
        assert body["field"] == "roles"
    scoped = make_role(client, admin, "scoped", organizationId=make.org()["id"])
    body = reorder(client, admin, ["admin", "member", "billing", scoped["slug"]], 400,
                   "GR_VALIDATION_ERROR")  # another organization's role is not in this order
    reorder(client, admin, ["admin"], 404, "GR_ORG_NOT_FOUND",
            organizationId="00000000-0000-4000-8000-000000000000")


def test_each_moved_role_fires_role_updated(client, admin):
    billing = make_role(client, admin, "billing")
    before = assert_envelope(client.simulate_get(f"{V1}/events", headers=admin,
                                                 params={"limit": 100}), 200)
    reorder(client, admin, ["admin", "billing", "member"])
    after = assert_envelope(client.simulate_get(f"{V1}/events", headers=admin,
                                                params={"limit": 100}), 200)[len(before):]
    moved = {e["data"]["slug"]: e["data"]["priority"] for e in after}
    assert [e["event"] for e in after] == ["role.updated", "role.updated"]
    assert moved == {"billing": 2000, "member": 3000}
    reorder(client, admin, ["admin", "billing", "member"])  # the same order: nothing moves
    again = assert_envelope(client.simulate_get(f"{V1}/events", headers=admin,
                                                params={"limit": 100}), 200)
    assert len(again) == len(before) + 2
    assert billing["priority"] == 3000


def test_pages_follow_the_priority_order(client, admin):
    for n in range(5):
        make_role(client, admin, f"r{n}")
    reorder(client, admin, ["r4", "admin", "r3", "member", "r2", "r1", "r0"])
    seen, cursor = [], None
    while True:
        result = client.simulate_get(f"{V1}/roles", headers=admin, params={
            "limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += [r["slug"] for r in assert_envelope(result, 200)]
        assert result.json["meta"]["total"] == 7
        cursor = result.json["meta"]["nextCursor"]
        if cursor is None:
            break
    assert seen == ["r4", "admin", "r3", "member", "r2", "r1", "r0"]
