"""Every endpoint enforces the spec's scope table: denied without it, allowed with it."""
import pytest

from support import assert_envelope

SCOPES = [
    "organizations:read", "organizations:create", "organizations:update", "organizations:delete",
    "users:read", "users:create", "users:update", "users:delete", "roles:read",
    "permissions:read", "api_keys:read", "api_keys:create", "api_keys:revoke",
    "webhooks:read", "webhooks:write",
]


@pytest.fixture
def world(make):
    org = make.org()
    user = make.user()
    membership = make.membership(org, user)
    key = make.key(scopes=["api_keys:revoke"])  # within what a revoking key holds
    return {"org": org["id"], "user": user["id"], "membership": membership["id"], "key": key["id"]}


def _unique():
    _unique.n += 1
    return _unique.n


_unique.n = 0

# (scope, method, path template, body factory, success status)
ENDPOINTS = [
    ("organizations:read", "GET", "/api/v1/organizations", None, 200),
    ("organizations:read", "GET", "/api/v1/organizations/{org}", None, 200),
    ("organizations:create", "POST", "/api/v1/organizations",
     lambda w: {"name": "New", "slug": f"new-{_unique()}"}, 201),
    ("organizations:update", "PUT", "/api/v1/organizations/{org}", lambda w: {"name": "Renamed"}, 200),
    ("organizations:update", "POST", "/api/v1/organizations/{org}/verify", None, 200),
    ("organizations:delete", "DELETE", "/api/v1/organizations/{org}", None, 200),
    ("users:read", "GET", "/api/v1/users", None, 200),
    ("users:read", "GET", "/api/v1/users/{user}", None, 200),
    ("users:create", "POST", "/api/v1/users", lambda w: {"email": f"n{_unique()}@example.com"}, 201),
    ("users:update", "PUT", "/api/v1/users/{user}", lambda w: {"firstName": "Jo"}, 200),
    ("users:delete", "DELETE", "/api/v1/users/{user}", None, 200),
    ("users:read", "GET", "/api/v1/memberships", None, 200),
    ("users:read", "GET", "/api/v1/memberships/{membership}", None, 200),
    ("users:create", "POST", "/api/v1/memberships",
     lambda w: {"organizationId": w["org"], "userId": w["extra_user"]}, 201),
    ("users:update", "PUT", "/api/v1/memberships/{membership}", lambda w: {"isOwner": True}, 200),
    ("users:delete", "DELETE", "/api/v1/memberships/{membership}", None, 200),
    ("roles:read", "GET", "/api/v1/roles", None, 200),
    ("permissions:read", "GET", "/api/v1/permissions", None, 200),
    ("api_keys:read", "GET", "/api/v1/keys", None, 200),
    ("api_keys:read", "GET", "/api/v1/keys/{key}", None, 200),
    ("api_keys:create", "POST", "/api/v1/keys", lambda w: {"name": "n", "scopes": ["api_keys:create"]}, 201),
    # only a global *:* key rotates another key, so the caller rotates itself ({me})
    ("api_keys:create", "POST", "/api/v1/keys/{me}?action=rotate", None, 201),
    ("api_keys:revoke", "DELETE", "/api/v1/keys/{key}", None, 200),
    ("api_keys:read", "GET", "/api/v1/analytics", None, 200),
]


def _caller(keys, *scopes):
    """Headers of a new key holding `scopes`, and that key's id (paths may name it as {me})."""
    headers = keys.headers(*scopes)
    return headers, keys.store.api_keys.find(headers["Authorization"].split()[1]).id


def _call(client, caller, method, path, body, world):
    headers, me = caller
    path, _, query = path.format(me=me, **world).partition("?")
    kwargs = {"headers": headers, "query_string": query}
    if body is not None:
        kwargs["json"] = body(world)
    return client.simulate_request(method, path, **kwargs)


@pytest.mark.parametrize("scope, method, path, body, status", ENDPOINTS,
                         ids=[f"{m} {p}" for _, m, p, _, _ in ENDPOINTS])
def test_scope_denied_then_allowed(client, keys, make, world, scope, method, path, body, status):
    world["extra_user"] = make.user()["id"]
    others = [s for s in SCOPES if s != scope]
    denied = _call(client, _caller(keys, *others), method, path, body, world)
    error = assert_envelope(denied, 403, "GR_FORBIDDEN")
    assert scope in error["message"]
    allowed = _call(client, _caller(keys, scope), method, path, body, world)
    assert_envelope(allowed, status)
    full = _call(client, _caller(keys, "*:*"), "GET", "/api/v1/roles", None, world)
    assert_envelope(full, 200)


def test_scope_denied_changes_nothing(client, keys, world, admin):
    result = client.simulate_put(f"/api/v1/organizations/{world['org']}", json={"name": "X"},
                                 headers=keys.headers("organizations:read"))
    assert_envelope(result, 403, "GR_FORBIDDEN")
    org = client.simulate_get(f"/api/v1/organizations/{world['org']}", headers=admin).json["data"]
    assert org["name"] != "X"
