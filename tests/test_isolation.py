"""Organization-scoped keys see and touch only their own organization."""
import ast
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from goldenrecord.restapi.access import Caller
from support import ROOT, assert_envelope, source_files

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
    # taking another organization's user in, or changing what that organization trusts
    ("POST", "/api/v1/memberships", {"organizationId": "{a}", "userId": "{ub}"}),
    ("PUT", "/api/v1/users/{shared}", {"email": "taken@attacker.example"}),
    ("PUT", "/api/v1/users/{shared}", {"isActive": False}),
    ("PUT", "/api/v1/users/{shared}", {"firstName": "Taken", "email": "taken@attacker.example"}),
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


def test_scoped_key_may_add_a_user_of_no_other_organization(client, two, make):
    loner = make.user()
    body = {"organizationId": two["a"], "userId": loner["id"]}
    assert_envelope(client.simulate_post("/api/v1/memberships", json=body, headers=two["key_a"]), 201)
    assert_envelope(client.simulate_get(f"/api/v1/users/{loner['id']}", headers=two["key_a"]), 200)


def test_another_organizations_user_stays_out_of_reach(client, two, admin):
    """The takeover the rule stops: join B's user to A, then read and rewrite them."""
    body = {"organizationId": two["a"], "userId": two["ub"]}
    refused = client.simulate_post("/api/v1/memberships", json=body, headers=two["key_a"])
    error = assert_envelope(refused, 403, "GR_ORG_SCOPE_VIOLATION", "userId")
    assert "global API key" in error["message"] and "invitation" in error["message"]
    assert_envelope(client.simulate_get(f"/api/v1/users/{two['ub']}", headers=two["key_a"]), 403,
                    "GR_ORG_SCOPE_VIOLATION")
    change = {"email": "taken@attacker.example"}
    assert_envelope(client.simulate_put(f"/api/v1/users/{two['ub']}", json=change,
                                        headers=two["key_a"]), 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_post("/api/v1/memberships", json=body, headers=admin), 201)


def test_two_organizations_cannot_both_claim_a_free_user(client, two, make):
    """Both keys check "no other organization" and insert in one write transaction each,
    so whichever comes second sees the first's membership."""
    for _ in range(10):
        user = make.user()
        barrier = threading.Barrier(2)

        def claim(org, key):
            barrier.wait()
            body = {"organizationId": two[org], "userId": user["id"]}
            return client.simulate_post("/api/v1/memberships", json=body,
                                        headers=two[key]).status_code

        with ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(claim, ("a", "b"), ("key_a", "key_b")))
        assert statuses == [201, 403]


# (body, the field refused or None); "{email}" is the shared user's current email, "{EMAIL}"
# the same in capitals
SHARED_USER_CHANGES = [
    pytest.param({"email": "taken@attacker.example"}, "email", id="new email"),
    pytest.param({"email": "{EMAIL}"}, "email", id="email respelt"),  # a new stored value
    pytest.param({"isActive": False}, "isActive", id="deactivate"),
    pytest.param({"firstName": "Jo", "lastName": "Doe", "metadata": {"team": "a"}}, None,
                 id="names and metadata"),
    pytest.param({"email": "{email}", "isActive": True, "firstName": "Jo"}, None,
                 id="same email and isActive"),
]


@pytest.mark.parametrize("body, refused", SHARED_USER_CHANGES)
def test_scoped_key_cannot_change_a_shared_users_identity(client, two, admin, body, refused):
    path = f"/api/v1/users/{two['shared']}"
    before = client.simulate_get(path, headers=admin).json["data"]
    email = {"email": before["email"], "EMAIL": before["email"].upper()}
    body = {k: v.format(**email) if isinstance(v, str) else v for k, v in body.items()}
    result = client.simulate_put(path, json=body, headers=two["key_a"])
    after = client.simulate_get(path, headers=admin).json["data"]
    if refused:
        error = assert_envelope(result, 403, "GR_ORG_SCOPE_VIOLATION", refused)
        assert "other organizations" in error["message"]
        assert after == before
    else:
        assert_envelope(result, 200)
        assert {k: after[k] for k in body} == body


def test_scoped_key_may_change_identity_of_a_user_only_it_has(client, two):
    path = f"/api/v1/users/{two['ua']}"
    body = {"email": "renamed@a.example", "isActive": False}
    changed = assert_envelope(client.simulate_put(path, json=body, headers=two["key_a"]), 200)
    assert (changed["email"], changed["isActive"]) == ("renamed@a.example", False)


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


def test_organization_scope_has_one_name():
    """`scope` means an API scope (`@operation(scope=...)`, a key's `scopes`); the
    organization a caller is confined to is `org_scope`, in the store and on the caller."""
    in_store = [f"{path.relative_to(ROOT)}:{node.lineno}"
                for path in source_files("store")
                for node in ast.walk(ast.parse(path.read_text(), str(path)))
                if isinstance(node, ast.arg) and node.arg == "scope"]
    assert in_store == []
    assert hasattr(Caller, "org_scope") and not hasattr(Caller, "scope")
