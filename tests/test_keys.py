"""The keys API: metadata only, one-time plaintext, rotation, revocation, no escalation."""
from datetime import timedelta

import pytest

from support import assert_envelope

KEYS = "/api/v1/keys"


def _create(client, headers, **body):
    body = {"name": "k", "scopes": ["users:read"], **body}
    return client.simulate_post(KEYS, json=body, headers=headers)


def _bearer(plaintext):
    return {"Authorization": f"Bearer {plaintext}"}


def test_create_returns_the_key_once(client, admin, clock):
    body = {"name": "Production API Key", "scopes": ["organizations:read", "users:read"],
            "tier": "pro", "allowedIps": ["192.168.1.0/24", "10.0.0.1"],
            "expiresAt": "2026-12-31T23:59:59Z"}
    key = assert_envelope(client.simulate_post(KEYS, json=body, headers=admin), 201)
    assert key["key"].startswith("gr_live_") and key["keyPrefix"] == key["key"][:16]
    assert key["scopes"] == ["organizations:read", "users:read"]
    assert (key["tier"], key["allowedIps"], key["expiresAt"]) == (
        "pro", ["192.168.1.0/24", "10.0.0.1"], "2026-12-31T23:59:59Z")
    assert key["isActive"] is True and key["organizationId"] is None and key["lastUsedAt"] is None
    shown = assert_envelope(client.simulate_get(f"{KEYS}/{key['id']}", headers=admin), 200)
    assert "key" not in shown and shown == {k: v for k, v in key.items() if k != "key"}
    listed = assert_envelope(client.simulate_get(KEYS, headers=admin), 200)
    assert all("key" not in item and "keyHash" not in item for item in listed)
    assert key["key"] not in client.simulate_get(KEYS, headers=admin).text
    assert_envelope(client.simulate_get("/api/v1/users", headers=_bearer(key["key"]),
                                        remote_addr="10.0.0.1"), 200)


def test_defaults(client, admin):
    key = assert_envelope(_create(client, admin), 201)
    assert (key["tier"], key["allowedIps"], key["expiresAt"]) == ("free", [], None)


@pytest.mark.parametrize("body, field", [
    ({"scopes": ["users:read"]}, "name"),
    ({"name": "k"}, "scopes"),
    ({"name": "k", "scopes": []}, "scopes"),
    ({"name": "k", "scopes": ["users:write"]}, "scopes"),
    ({"name": "k", "scopes": "users:read"}, "scopes"),
    ({"name": "k", "scopes": ["users:read"], "tier": "gold"}, "tier"),
    ({"name": "k", "scopes": ["users:read"], "allowedIps": ["300.0.0.1"]}, "allowedIps"),
    ({"name": "k", "scopes": ["users:read"], "allowedIps": ["10.0.0.0/33"]}, "allowedIps"),
    ({"name": "k", "scopes": ["users:read"], "allowedIps": "10.0.0.1"}, "allowedIps"),
    ({"name": "k", "scopes": ["users:read"], "expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt"),
    ({"name": "k", "scopes": ["users:read"], "expiresAt": "tomorrow"}, "expiresAt"),
    ({"name": "k", "scopes": ["users:read"], "organizationId": "nope"}, "organizationId"),
    ({"name": "k", "scopes": ["users:read"], "key": "gr_live_" + "x" * 40}, "key"),
])
def test_create_validation(client, admin, body, field):
    assert_envelope(client.simulate_post(KEYS, json=body, headers=admin), 400, "GR_VALIDATION_ERROR", field)
    assert client.simulate_get(KEYS, headers=admin).json["meta"]["total"] == 1  # only the admin key


def test_unknown_organization_is_404(client, admin):
    result = _create(client, admin, organizationId="00000000-0000-4000-8000-000000000000")
    assert_envelope(result, 404, "GR_ORG_NOT_FOUND", "organizationId")


@pytest.mark.parametrize("granter, requested, allowed", [
    (["api_keys:create", "users:read"], ["users:read"], True),
    (["api_keys:create", "users:read"], ["users:read", "api_keys:create"], True),
    (["api_keys:create", "users:read"], ["organizations:read"], False),
    (["api_keys:create", "users:read"], ["users:read", "users:delete"], False),
    (["api_keys:create", "users:read"], ["*:*"], False),
    (["*:*"], ["*:*"], True),
    (["*:*"], ["webhooks:write"], True),
])
def test_no_scope_escalation(client, keys, granter, requested, allowed):
    result = _create(client, keys.headers(*granter), scopes=requested)
    if allowed:
        assert_envelope(result, 201)
    else:
        error = assert_envelope(result, 403, "GR_FORBIDDEN")
        assert "cannot grant" in error["message"]


def test_org_scoped_key_creates_only_its_own_organizations_keys(client, keys, make):
    a, b = make.org(), make.org()
    scoped = keys.headers("*:*", org=a["id"])
    own = assert_envelope(_create(client, scoped), 201)
    assert own["organizationId"] == a["id"]
    explicit = assert_envelope(_create(client, scoped, organizationId=a["id"]), 201)
    assert explicit["organizationId"] == a["id"]
    assert_envelope(_create(client, scoped, organizationId=b["id"]), 403, "GR_FORBIDDEN")


def test_org_scoped_key_sees_only_its_organizations_keys(client, keys, make, admin):
    a, b = make.org(), make.org()
    scoped_a = keys.headers("*:*", org=a["id"])
    key_b = assert_envelope(_create(client, admin, organizationId=b["id"]), 201)
    listed = assert_envelope(client.simulate_get(KEYS, headers=scoped_a), 200)
    assert {k["organizationId"] for k in listed} == {a["id"]}
    for method in ("GET", "DELETE"):
        assert_envelope(client.simulate_request(method, f"{KEYS}/{key_b['id']}", headers=scoped_a),
                        403, "GR_ORG_SCOPE_VIOLATION")
    rotate = client.simulate_post(f"{KEYS}/{key_b['id']}", params={"action": "rotate"}, headers=scoped_a)
    assert_envelope(rotate, 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_get(KEYS, params={"organizationId": b["id"]}, headers=scoped_a), 403,
                    "GR_ORG_SCOPE_VIOLATION")
    admin_filtered = client.simulate_get(KEYS, params={"organizationId": b["id"]}, headers=admin)
    assert [k["id"] for k in assert_envelope(admin_filtered, 200)] == [key_b["id"]]


def test_rotation_keeps_settings_and_grace_period(client, admin, clock):
    old = assert_envelope(_create(client, admin, scopes=["users:read", "roles:read"], tier="pro",
                                  allowedIps=["127.0.0.1"]), 201)
    result = client.simulate_post(f"{KEYS}/{old['id']}", params={"action": "rotate"}, headers=admin)
    rotated = assert_envelope(result, 201)
    assert rotated["oldKey"] == {"id": old["id"], "keyPrefix": old["keyPrefix"],
                                 "expiresAt": "2026-01-22T10:30:00Z",
                                 "message": "Old key will expire in 7 days"}
    new = rotated["newKey"]
    assert new["key"] != old["key"] and new["id"] != old["id"] and new["isActive"] is True
    for field in ("name", "scopes", "tier", "allowedIps", "organizationId", "expiresAt"):
        assert new[field] == old[field], field
    for plaintext in (old["key"], new["key"]):
        assert_envelope(client.simulate_get("/api/v1/roles", headers=_bearer(plaintext)), 200)
    clock.advance(days=7)
    assert_envelope(client.simulate_get("/api/v1/roles", headers=_bearer(old["key"])), 401,
                    "GR_INVALID_API_KEY")
    assert_envelope(client.simulate_get("/api/v1/roles", headers=_bearer(new["key"])), 200)


def test_rotation_keeps_a_sooner_expiry(client, admin, clock):
    soon = (clock() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = assert_envelope(_create(client, admin, expiresAt=soon), 201)
    rotated = client.simulate_post(f"{KEYS}/{old['id']}", params={"action": "rotate"}, headers=admin)
    data = assert_envelope(rotated, 201)
    assert data["oldKey"]["expiresAt"] == soon and data["newKey"]["expiresAt"] == soon


def test_rotation_cannot_escalate(client, keys, admin):
    target = assert_envelope(_create(client, admin, scopes=["users:delete"]), 201)
    weaker = keys.headers("api_keys:create", "users:read")
    result = client.simulate_post(f"{KEYS}/{target['id']}", params={"action": "rotate"}, headers=weaker)
    assert_envelope(result, 403, "GR_FORBIDDEN")
    assert client.simulate_get(f"{KEYS}/{target['id']}", headers=admin).json["data"]["expiresAt"] is None


def test_a_key_may_rotate_itself(client, keys):
    headers = keys.headers("api_keys:create", "api_keys:read")
    me = client.simulate_get(KEYS, headers=headers).json["data"][0]
    result = client.simulate_post(f"{KEYS}/{me['id']}", params={"action": "rotate"}, headers=headers)
    assert_envelope(result, 201)


@pytest.mark.parametrize("query, field", [("", "action"), ("action=spin", "action"),
                                          ("action=rotate&x=1", "x")])
def test_unknown_action_is_400(client, admin, query, field):
    key = assert_envelope(_create(client, admin), 201)
    result = client.simulate_post(f"{KEYS}/{key['id']}", query_string=query, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", field)


def test_revocation_takes_effect_on_the_next_request(client, admin):
    key = assert_envelope(_create(client, admin), 201)
    assert_envelope(client.simulate_get("/api/v1/users", headers=_bearer(key["key"])), 200)
    revoked = client.simulate_delete(f"{KEYS}/{key['id']}", headers=admin)
    assert assert_envelope(revoked, 200) == {"id": key["id"], "deleted": True}
    assert_envelope(client.simulate_get("/api/v1/users", headers=_bearer(key["key"])), 401,
                    "GR_INVALID_API_KEY")
    shown = assert_envelope(client.simulate_get(f"{KEYS}/{key['id']}", headers=admin), 200)
    assert shown["isActive"] is False
    assert_envelope(client.simulate_delete(f"{KEYS}/{key['id']}", headers=admin), 404, "GR_KEY_NOT_FOUND")
    rotate = client.simulate_post(f"{KEYS}/{key['id']}", params={"action": "rotate"}, headers=admin)
    assert_envelope(rotate, 404, "GR_KEY_NOT_FOUND")


def test_missing_key_is_404(client, admin):
    assert_envelope(client.simulate_get(f"{KEYS}/key_nope", headers=admin), 404, "GR_KEY_NOT_FOUND")


def test_expired_key_shows_inactive(client, admin, clock):
    soon = (clock() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = assert_envelope(_create(client, admin, expiresAt=soon), 201)
    clock.advance(hours=2)
    assert client.simulate_get(f"{KEYS}/{key['id']}", headers=admin).json["data"]["isActive"] is False


def test_last_used_is_coalesced_to_one_write_a_minute(client, admin, service, clock):
    key = assert_envelope(_create(client, admin), 201)
    headers = _bearer(key["key"])

    def last_used():
        service.usage.flush()
        return client.simulate_get(f"{KEYS}/{key['id']}", headers=admin).json["data"]["lastUsedAt"]

    assert last_used() is None
    client.simulate_get("/api/v1/users", headers=headers)
    assert last_used() == "2026-01-15T10:30:00Z"
    clock.advance(seconds=30)
    client.simulate_get("/api/v1/users", headers=headers)
    assert last_used() == "2026-01-15T10:30:00Z"
    clock.advance(seconds=31)
    client.simulate_get("/api/v1/users", headers=headers)
    assert last_used() == "2026-01-15T10:31:01Z"


# ------------------------------------------------------------ bounded grants

@pytest.mark.parametrize("granter_tier, requested, allowed", [
    ("basic", "free", True),
    ("basic", "basic", True),
    ("basic", "pro", False),
    ("pro", "enterprise", False),
])
def test_a_key_grants_no_tier_above_its_own(client, keys, granter_tier, requested, allowed):
    granter = keys.headers("api_keys:create", "users:read", tier=granter_tier)
    result = _create(client, granter, tier=requested)
    if allowed:
        assert assert_envelope(result, 201)["tier"] == requested
    else:
        error = assert_envelope(result, 403, "GR_FORBIDDEN", "tier")
        assert granter_tier in error["message"]


def test_tier_bounds_org_scoped_full_access_keys_but_not_global_ones(client, keys, make):
    scoped = keys.headers("*:*", org=make.org()["id"])  # tier free
    assert_envelope(_create(client, scoped, tier="basic"), 403, "GR_FORBIDDEN", "tier")
    admin_free = keys.headers("*:*")
    assert assert_envelope(_create(client, admin_free, tier="enterprise"), 201)["tier"] == "enterprise"


FENCE = ["10.0.0.0/8", "2001:db8::/32"]


@pytest.mark.parametrize("requested, outcome", [
    (None, FENCE),  # not given: the granter's own ranges
    (["10.1.0.0/16", "10.2.3.4", "2001:db8:1::/48"], ["10.1.0.0/16", "10.2.3.4", "2001:db8:1::/48"]),
    (["10.0.0.0/8"], ["10.0.0.0/8"]),
    ([], "403"),  # would allow every address
    (["10.0.0.0/7"], "403"),  # wider than the granter's range
    (["192.168.1.1"], "403"),
    (["10.0.0.1", "192.168.1.1"], "403"),
    (["::ffff:10.0.0.1"], "403"),  # an IPv6 spelling is not inside an IPv4 range
    (["2001:db9::1"], "403"),
])
@pytest.mark.parametrize("granter_scopes", [["api_keys:create", "users:read"], ["*:*"]])
def test_a_key_grants_no_address_outside_its_own(client, keys, granter_scopes, requested, outcome):
    granter = keys.headers(*granter_scopes, allowed_ips=FENCE)
    body = {} if requested is None else {"allowedIps": requested}
    result = client.simulate_post(KEYS, json={"name": "k", "scopes": ["users:read"], **body},
                                  headers=granter, remote_addr="10.9.9.9")
    if outcome == "403":
        assert_envelope(result, 403, "GR_FORBIDDEN", "allowedIps")
    else:
        assert assert_envelope(result, 201)["allowedIps"] == outcome


def test_an_unconfined_key_grants_any_addresses(client, keys):
    granter = keys.headers("api_keys:create", "users:read")
    assert assert_envelope(_create(client, granter, allowedIps=[]), 201)["allowedIps"] == []
    assert assert_envelope(_create(client, granter), 201)["allowedIps"] == []


@pytest.mark.parametrize("requested, outcome", [
    ("absent", "2026-02-14T10:30:00Z"),  # not given: the granter's own expiry
    ("2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z"),
    ("2026-02-14T10:30:00Z", "2026-02-14T10:30:00Z"),
    ("2026-02-14T10:30:01Z", "403"),
    (None, "403"),  # never expires: outlives the granter
])
@pytest.mark.parametrize("granter_scopes", [["api_keys:create", "users:read"], ["*:*"]])
def test_a_key_grants_no_later_expiry_than_its_own(client, keys, clock, granter_scopes,
                                                   requested, outcome):
    granter = keys.headers(*granter_scopes, expires_at=clock() + timedelta(days=30))
    body = {} if requested == "absent" else {"expiresAt": requested}
    result = _create(client, granter, **body)
    if outcome == "403":
        error = assert_envelope(result, 403, "GR_FORBIDDEN", "expiresAt")
        assert "2026-02-14T10:30:00Z" in error["message"]
    else:
        assert assert_envelope(result, 201)["expiresAt"] == outcome


def test_a_refused_grant_creates_nothing(client, keys, admin, clock):
    granter = keys.headers("api_keys:create", "users:read", tier="basic", allowed_ips=["127.0.0.1"],
                           expires_at=clock() + timedelta(days=1))
    before = client.simulate_get(KEYS, headers=admin).json["meta"]["total"]
    for body in ({"tier": "pro"}, {"allowedIps": []}, {"expiresAt": None}):
        assert_envelope(_create(client, granter, **body), 403, "GR_FORBIDDEN")
    assert client.simulate_get(KEYS, headers=admin).json["meta"]["total"] == before


# ------------------------------------------------------------ rotating and revoking others

def _rotate(client, key_id, headers):
    return client.simulate_post(f"{KEYS}/{key_id}", params={"action": "rotate"}, headers=headers)


@pytest.mark.parametrize("rotator", [
    pytest.param(dict(scopes=["api_keys:create", "users:read", "users:delete"]), id="holds every scope"),
    pytest.param(dict(scopes=["*:*"], org=True), id="org-scoped *:*"),
])
def test_only_a_global_full_access_key_rotates_another_key(client, keys, make, admin, rotator):
    org = make.org()["id"] if rotator.get("org") else None
    target = assert_envelope(_create(client, admin, scopes=["users:read"], organizationId=org), 201)
    result = _rotate(client, target["id"], keys.headers(*rotator["scopes"], org=org))
    error = assert_envelope(result, 403, "GR_FORBIDDEN", "id")
    assert "*:*" in error["message"]
    assert client.simulate_get(f"{KEYS}/{target['id']}", headers=admin).json["data"]["expiresAt"] is None
    assert_envelope(_rotate(client, target["id"], admin), 201)


def test_an_org_scoped_key_may_still_rotate_itself(client, keys, make):
    headers = keys.headers("*:*", org=make.org()["id"])
    me = client.simulate_get(KEYS, headers=headers).json["data"][0]
    assert_envelope(_rotate(client, me["id"], headers), 201)


def test_a_confined_admin_cannot_rotate_an_unconfined_key(client, keys, admin):
    """Rotation hands out a new plaintext of the whole key: the same bounds as creating."""
    target = assert_envelope(_create(client, admin), 201)
    fenced = keys.headers("*:*", allowed_ips=["127.0.0.1"])
    assert_envelope(_rotate(client, target["id"], fenced), 403, "GR_FORBIDDEN", "allowedIps")
    inside = assert_envelope(_create(client, admin, allowedIps=["127.0.0.1"]), 201)
    assert_envelope(_rotate(client, inside["id"], fenced), 201)


@pytest.mark.parametrize("revoker, target, allowed", [
    (["api_keys:revoke"], ["api_keys:revoke"], True),
    (["api_keys:revoke", "users:read"], ["users:read"], True),
    (["api_keys:revoke"], ["users:read"], False),
    (["api_keys:revoke", "users:read"], ["users:read", "users:delete"], False),
    (["api_keys:revoke", "users:read"], ["*:*"], False),
    (["*:*"], ["*:*"], True),
])
def test_a_key_revokes_only_keys_within_its_scopes(client, keys, admin, revoker, target, allowed):
    victim = assert_envelope(_create(client, admin, scopes=target), 201)
    result = client.simulate_delete(f"{KEYS}/{victim['id']}", headers=keys.headers(*revoker))
    if allowed:
        assert_envelope(result, 200)
    else:
        error = assert_envelope(result, 403, "GR_FORBIDDEN", "id")
        assert "cannot revoke" in error["message"]
    shown = client.simulate_get(f"{KEYS}/{victim['id']}", headers=admin).json["data"]
    assert shown["isActive"] is not allowed
