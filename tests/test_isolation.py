"""Organization-scoped keys see and touch only their own organization."""
import pytest

from support import assert_envelope

ALL = ["*:*"]


@pytest.fixture
def two(make, keys):
    """Org A and org B, each with a member; one user shared by both; keys for each."""
    a, b = make.org(), make.org()
    ua, ub, shared = make.user(), make.user(), make.user()
    ma = make.membership(a, ua)
    mb = make.membership(b, ub)
    kb = make.key(organizationId=b["id"])
    make.membership(a, shared)
    make.membership(b, shared)
    return {
        "a": a["id"], "b": b["id"], "ua": ua["id"], "ub": ub["id"], "shared": shared["id"],
        "ma": ma["id"], "mb": mb["id"], "kb": kb["id"],
        "key_a": keys.headers(*ALL, org=a["id"]),
        "key_b": keys.headers(*ALL, org=b["id"]),
    }


# Requests org A's key makes against org B's data: each must be refused, changing nothing.
FOREIGN = [
    ("GET", "/api/v1/organizations/{b}", None),
    ("PUT", "/api/v1/organizations/{b}", {"name": "Taken"}),
    ("DELETE", "/api/v1/organizations/{b}", None),
    ("POST", "/api/v1/organizations/{b}/verify", None),
    ("GET", "/api/v1/users/{ub}", None),
    ("PUT", "/api/v1/users/{ub}", {"firstName": "Taken"}),
    ("DELETE", "/api/v1/users/{ub}", None),
    ("DELETE", "/api/v1/users/{shared}", None),
    ("GET", "/api/v1/users?organizationId={b}", None),
    ("GET", "/api/v1/memberships?organizationId={b}", None),
    ("GET", "/api/v1/memberships/{mb}", None),
    ("PUT", "/api/v1/memberships/{mb}", {"isOwner": True}),
    ("DELETE", "/api/v1/memberships/{mb}", None),
    ("POST", "/api/v1/memberships", {"organizationId": "{b}", "userId": "{ua}"}),
    ("POST", "/api/v1/organizations", {"name": "Mine", "slug": "mine"}),
    ("GET", "/api/v1/keys/{kb}", None),
    ("DELETE", "/api/v1/keys/{kb}", None),
    ("POST", "/api/v1/keys/{kb}?action=rotate", None),
    ("GET", "/api/v1/keys?organizationId={b}", None),
    ("POST", "/api/workos/sync-users", None),  # acts on every organization
]


def _fill(value, two):
    if isinstance(value, str):
        return value.format(**two)
    if isinstance(value, dict):
        return {k: _fill(v, two) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method, path, body", FOREIGN, ids=[f"{m} {p}" for m, p, _ in FOREIGN])
def test_foreign_access_is_refused(client, admin, two, method, path, body):
    before = _snapshot(client, admin)
    path, _, query = _fill(path, two).partition("?")
    kwargs = {"headers": two["key_a"], "query_string": query}
    if body is not None:
        kwargs["json"] = _fill(body, two)
    assert_envelope(client.simulate_request(method, path, **kwargs), 403, "GR_ORG_SCOPE_VIOLATION")
    assert _snapshot(client, admin) == before


def _snapshot(client, admin):
    lists = ["/api/v1/organizations?includeStaging=true", "/api/v1/users", "/api/v1/memberships",
             "/api/v1/keys"]
    pages = [client.simulate_get(p.split("?")[0], query_string=p.partition("?")[2],
                                 headers=admin).json["data"] for p in lists]
    # lastUsedAt is written in the background whenever it likes: not part of the data
    return [[{k: v for k, v in item.items() if k != "lastUsedAt"} for item in page] for page in pages]


def test_lists_show_only_own_organization(client, two):
    orgs = assert_envelope(client.simulate_get("/api/v1/organizations", headers=two["key_a"]), 200)
    assert [o["id"] for o in orgs] == [two["a"]]
    users = assert_envelope(client.simulate_get("/api/v1/users", headers=two["key_a"]), 200)
    assert {u["id"] for u in users} == {two["ua"], two["shared"]}
    members = assert_envelope(client.simulate_get("/api/v1/memberships", headers=two["key_a"]), 200)
    assert {m["organizationId"] for m in members} == {two["a"]}
    assert len(members) == 2


def test_own_organization_is_reachable(client, two):
    key = two["key_a"]
    assert_envelope(client.simulate_get(f"/api/v1/organizations/{two['a']}", headers=key), 200)
    assert_envelope(client.simulate_get(f"/api/v1/users/{two['shared']}", headers=key), 200)
    assert_envelope(client.simulate_get(f"/api/v1/memberships/{two['ma']}", headers=key), 200)
    filtered = client.simulate_get("/api/v1/users", params={"organizationId": two["a"]}, headers=key)
    assert len(assert_envelope(filtered, 200)) == 2
    by_user = client.simulate_get("/api/v1/memberships", params={"userId": two["shared"]}, headers=key)
    assert [m["organizationId"] for m in assert_envelope(by_user, 200)] == [two["a"]]


def test_user_created_by_scoped_key_joins_its_organization(client, two):
    created = client.simulate_post("/api/v1/users", json={"email": "new@a.example"}, headers=two["key_a"])
    user = assert_envelope(created, 201)
    assert_envelope(client.simulate_get(f"/api/v1/users/{user['id']}", headers=two["key_a"]), 200)
    assert_envelope(client.simulate_get(f"/api/v1/users/{user['id']}", headers=two["key_b"]), 403,
                    "GR_ORG_SCOPE_VIOLATION")
    members = client.simulate_get("/api/v1/memberships", params={"userId": user["id"]},
                                  headers=two["key_a"]).json["data"]
    assert [(m["organizationId"], m["role"]["slug"]) for m in members] == [(two["a"], "member")]


def test_scoped_key_may_delete_a_user_only_it_has(client, two, admin):
    assert_envelope(client.simulate_delete(f"/api/v1/users/{two['ua']}", headers=two["key_a"]), 200)
    assert_envelope(client.simulate_get(f"/api/v1/users/{two['ua']}", headers=admin), 404,
                    "GR_USER_NOT_FOUND")


def test_scoped_key_may_add_a_user_to_its_own_organization(client, two):
    body = {"organizationId": two["a"], "userId": two["ub"]}
    assert_envelope(client.simulate_post("/api/v1/memberships", json=body, headers=two["key_a"]), 201)
    assert_envelope(client.simulate_get(f"/api/v1/users/{two['ub']}", headers=two["key_a"]), 200)


def test_missing_ids_are_still_404_for_scoped_keys(client, two):
    missing = "00000000-0000-4000-8000-000000000000"
    assert_envelope(client.simulate_get(f"/api/v1/users/{missing}", headers=two["key_a"]), 404,
                    "GR_USER_NOT_FOUND")
    assert_envelope(client.simulate_get(f"/api/v1/organizations/{missing}", headers=two["key_a"]),
                    404, "GR_ORG_NOT_FOUND")


def test_roles_and_permissions_are_global(client, two):
    assert len(assert_envelope(client.simulate_get("/api/v1/roles", headers=two["key_a"]), 200)) == 2
    assert len(assert_envelope(client.simulate_get("/api/v1/permissions", headers=two["key_a"]), 200)) == 8


def test_deleting_an_organization_revokes_its_keys(client, two, admin):
    assert_envelope(client.simulate_delete(f"/api/v1/organizations/{two['a']}", headers=admin), 200)
    assert_envelope(client.simulate_get("/api/v1/roles", headers=two["key_a"]), 401,
                    "GR_INVALID_API_KEY")
