"""Per-key tier limits, per-address limits on failed authentication, bounded memory."""
from datetime import datetime, timedelta, timezone

import falcon.testing
import pytest

import apps
from goldenrecord.restapi.ratelimit import FixedWindowLimiter, address_bucket
from support import FakeClock, assert_envelope, race

ROLES = "/api/v1/roles"


@pytest.fixture
def limited(tmp_path, clock):
    config = apps.config_for(tmp_path / "rl.db", **{
        "rate_limits.free": "3", "rate_limits.pro": "5", "rate_limits.failed_auth_per_ip": "4"})
    with apps.service(config, clock=clock) as service:
        yield service


@pytest.fixture
def client(limited):
    return falcon.testing.TestClient(limited.app)


def _key(service, tier="free", **options):
    _, plaintext = service.store.api_keys.create(name="k", scopes=["*:*"], tier=tier, **options)
    return {"Authorization": f"Bearer {plaintext}"}


def test_tier_limit_with_headers_then_429_then_reset(client, limited, clock):
    headers = _key(limited)
    reset = str(int(clock().timestamp()) // 60 * 60 + 60)
    for remaining in ("2", "1", "0"):
        result = client.simulate_get(ROLES, headers=headers)
        assert_envelope(result, 200)
        assert result.headers["X-RateLimit-Limit"] == "3"
        assert result.headers["X-RateLimit-Remaining"] == remaining
        assert result.headers["X-RateLimit-Reset"] == reset
    clock.advance(seconds=15)
    refused = client.simulate_get(ROLES, headers=headers)
    error = assert_envelope(refused, 429, "GR_RATE_LIMITED")
    assert refused.headers["Retry-After"] == "45"
    assert error["message"] == "Rate limit exceeded. Try again in 45 seconds."
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    clock.advance(seconds=45)
    again = client.simulate_get(ROLES, headers=headers)
    assert_envelope(again, 200)
    assert again.headers["X-RateLimit-Remaining"] == "2"


def test_headers_on_error_responses_too(client, limited):
    result = client.simulate_get("/api/v1/users/00000000-0000-4000-8000-000000000000",
                                 headers=_key(limited))
    assert_envelope(result, 404, "GR_USER_NOT_FOUND")
    assert result.headers["X-RateLimit-Limit"] == "3"


def test_no_rate_headers_without_a_key(client):
    assert "X-RateLimit-Limit" not in client.simulate_get("/healthz").headers


def test_each_key_and_tier_has_its_own_budget(client, limited):
    free, pro = _key(limited), _key(limited, tier="pro")
    for _ in range(3):
        client.simulate_get(ROLES, headers=free)
    assert_envelope(client.simulate_get(ROLES, headers=free), 429, "GR_RATE_LIMITED")
    codes = [client.simulate_get(ROLES, headers=pro).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_rate_limit_comes_before_scope(client, limited):
    _, plaintext = limited.store.api_keys.create(name="k", scopes=["users:read"])
    headers = {"Authorization": f"Bearer {plaintext}"}
    for _ in range(3):
        assert_envelope(client.simulate_get(ROLES, headers=headers), 403, "GR_FORBIDDEN")
    assert_envelope(client.simulate_get(ROLES, headers=headers), 429, "GR_RATE_LIMITED")


def test_exact_under_threads(tmp_path, clock):
    config = apps.config_for(tmp_path / "t.db", **{"rate_limits.free": "50"})
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        headers = _key(service)
        batches = race(8, lambda i: [client.simulate_get("/api/v1/permissions",
                                                         headers=headers).status_code
                                     for _ in range(20)])
    codes = [code for batch in batches for code in batch]
    assert codes.count(200) == 50 and codes.count(429) == 110


WRONG = {"Authorization": "Bearer gr_live_" + "z" * 43}


def test_failed_authentication_is_limited_per_address(client, limited):
    for _ in range(4):
        assert_envelope(client.simulate_get(ROLES, headers=WRONG, remote_addr="198.51.100.9"), 401,
                        "GR_INVALID_API_KEY")
    blocked = client.simulate_get(ROLES, headers=WRONG, remote_addr="198.51.100.9")
    assert_envelope(blocked, 429, "GR_RATE_LIMITED")
    assert blocked.headers["Retry-After"] == "60"  # the clock stands at the start of a minute
    assert "X-RateLimit-Limit" not in blocked.headers  # no key, no key budget to show
    assert_envelope(client.simulate_get(ROLES, headers=WRONG, remote_addr="198.51.100.10"), 401,
                    "GR_INVALID_API_KEY")


def test_a_valid_key_is_never_refused_for_others_failures_from_its_address(client, limited):
    """Behind a proxy every client shares one address: failures must not lock out the rest."""
    good = _key(limited)
    for _ in range(10):
        client.simulate_get(ROLES, headers=WRONG, remote_addr="10.0.0.1")
    assert_envelope(client.simulate_get(ROLES, headers=WRONG, remote_addr="10.0.0.1"), 429,
                    "GR_RATE_LIMITED")
    assert_envelope(client.simulate_get(ROLES, headers=good, remote_addr="10.0.0.1"), 200)
    # and the failures still pile up against the address, not the valid key's budget
    assert_envelope(client.simulate_get(ROLES, headers=WRONG, remote_addr="10.0.0.1"), 429,
                    "GR_RATE_LIMITED")


@pytest.mark.parametrize("why", ["revoked", "expired"])
def test_revoked_and_expired_keys_are_failures_and_throttled(client, limited, clock, why):
    key, plaintext = limited.store.api_keys.create(name="old", scopes=["*:*"],
                                                   expires_at=clock() + timedelta(seconds=5))
    if why == "revoked":
        limited.store.api_keys.revoke(key.id)
    else:
        clock.advance(seconds=6)
    stale = {"Authorization": f"Bearer {plaintext}"}
    codes = [client.simulate_get(ROLES, headers=stale).status_code for _ in range(5)]
    assert codes == [401] * 4 + [429]


def test_failed_authentication_block_lifts_next_window(client, limited, clock):
    for _ in range(5):
        client.simulate_get(ROLES, headers=WRONG, remote_addr="203.0.113.1")
    clock.advance(minutes=1)
    assert_envelope(client.simulate_get(ROLES, headers=WRONG, remote_addr="203.0.113.1"), 401,
                    "GR_INVALID_API_KEY")


def test_ipv6_addresses_share_their_64():
    assert address_bucket("2001:db8:1:2::1") == address_bucket("2001:db8:1:2:ffff::9")
    assert address_bucket("2001:db8:1:3::1") != address_bucket("2001:db8:1:2::1")
    assert address_bucket("::ffff:192.0.2.1") == address_bucket("192.0.2.1") == "192.0.2.1"


def test_limiter_memory_is_bounded():
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    limiter = FixedWindowLimiter(clock, max_buckets=100)
    for i in range(1000):
        limiter.hit(f"bucket-{i}", 5)
    assert len(limiter._counts) == 100
    clock.advance(minutes=1)
    limiter.hit("fresh", 5)
    assert len(limiter._counts) == 1


def test_rate_limited_requests_are_counted_in_analytics(client, limited):
    headers = _key(limited)
    for _ in range(5):
        client.simulate_get(ROLES, headers=headers)
    limited.usage.flush()
    summary = client.simulate_get("/api/v1/analytics", headers=_key(limited, tier="pro")).json["data"]["summary"]
    assert (summary["totalRequests"], summary["failedRequests"]) == (5, 2)


def test_limits_and_analytics_can_be_turned_off(tmp_path, clock):
    config = apps.config_for(tmp_path / "off.db", **{
        "rate_limits.free": "1", "rate_limits.enabled": "false", "analytics.enabled": "false"})
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        headers = _key(service)
        results = [client.simulate_get(ROLES, headers=headers) for _ in range(3)]
    assert [r.status_code for r in results] == [200] * 3
    assert "X-RateLimit-Limit" not in results[0].headers
    from goldenrecord.store.models import RequestLog

    with apps.service(config, clock=clock):
        assert RequestLog.select().count() == 0


def test_a_scope_refusal_carries_the_key_budget(client, limited):
    _, plaintext = limited.store.api_keys.create(name="k", scopes=["users:read"])
    result = client.simulate_get(ROLES, headers={"Authorization": f"Bearer {plaintext}"})
    assert_envelope(result, 403, "GR_FORBIDDEN")
    assert (result.headers["X-RateLimit-Limit"], result.headers["X-RateLimit-Remaining"]) == ("3", "2")


def test_an_address_refusal_carries_the_key_budget_without_spending_it(client, limited):
    """The key is known, so its budget is shown; a stranger's address must not spend it."""
    headers = _key(limited, allowed_ips=["203.0.113.50"])
    assert client.simulate_get(ROLES, headers=headers, remote_addr="203.0.113.50").status_code == 200
    for _ in range(5):
        refused = client.simulate_get(ROLES, headers=headers, remote_addr="198.51.100.7")
        assert_envelope(refused, 403, "GR_IP_NOT_ALLOWED")
        assert refused.headers["X-RateLimit-Limit"] == "3"
        assert refused.headers["X-RateLimit-Remaining"] == "2"
        assert refused.headers["X-RateLimit-Reset"].isdigit()
    owner = client.simulate_get(ROLES, headers=headers, remote_addr="203.0.113.50")
    assert_envelope(owner, 200)
    assert owner.headers["X-RateLimit-Remaining"] == "1"


def test_a_revoked_key_has_no_budget_to_show(client, limited):
    key, plaintext = limited.store.api_keys.create(name="k", scopes=["*:*"])
    limited.store.api_keys.revoke(key.id)
    result = client.simulate_get(ROLES, headers={"Authorization": f"Bearer {plaintext}"})
    assert_envelope(result, 401, "GR_INVALID_API_KEY")
    assert "X-RateLimit-Limit" not in result.headers
