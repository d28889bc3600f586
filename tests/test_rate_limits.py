"""Per-key tier limits, per-address limits on failed authentication, bounded memory."""
from datetime import datetime, timezone

import falcon.testing
import pytest

import goldenrecord
from goldenrecord.restapi.ratelimit import FixedWindowLimiter, address_bucket
from support import FakeClock, assert_envelope, race

ROLES = "/api/v1/roles"


@pytest.fixture
def limited(tmp_path, clock):
    config = goldenrecord.load_config(env={}, overrides={
        "database.path": str(tmp_path / "rl.db"), "rate_limits.free": "3",
        "rate_limits.pro": "5", "rate_limits.failed_auth_per_ip": "4"})
    service = goldenrecord.GoldenRecord(config, clock=clock)
    yield service
    service.close()


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
    config = goldenrecord.load_config(env={}, overrides={
        "database.path": str(tmp_path / "t.db"), "rate_limits.free": "50"})
    service = goldenrecord.GoldenRecord(config, clock=clock)
    client = falcon.testing.TestClient(service.app)
    headers = _key(service)
    batches = race(8, lambda i: [client.simulate_get("/api/v1/permissions", headers=headers).status_code
                                 for _ in range(20)])
    codes = [code for batch in batches for code in batch]
    assert codes.count(200) == 50 and codes.count(429) == 110
    service.close()


def test_failed_authentication_is_limited_per_address(client, limited):
    good = _key(limited)
    wrong = {"Authorization": "Bearer gr_live_" + "z" * 43}
    for _ in range(4):
        assert_envelope(client.simulate_get(ROLES, headers=wrong, remote_addr="198.51.100.9"), 401,
                        "GR_INVALID_API_KEY")
    blocked = client.simulate_get(ROLES, headers=wrong, remote_addr="198.51.100.9")
    assert_envelope(blocked, 429, "GR_RATE_LIMITED")
    assert "Retry-After" in blocked.headers
    # a right guess from the blocked address learns nothing either
    assert_envelope(client.simulate_get(ROLES, headers=good, remote_addr="198.51.100.9"), 429,
                    "GR_RATE_LIMITED")
    assert_envelope(client.simulate_get(ROLES, headers=good, remote_addr="198.51.100.10"), 200)


def test_failed_authentication_block_lifts_next_window(client, limited, clock):
    wrong = {"Authorization": "Bearer gr_live_" + "z" * 43}
    for _ in range(5):
        client.simulate_get(ROLES, headers=wrong, remote_addr="203.0.113.1")
    clock.advance(minutes=1)
    assert_envelope(client.simulate_get(ROLES, headers=_key(limited), remote_addr="203.0.113.1"), 200)


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
    config = goldenrecord.load_config(env={}, overrides={
        "database.path": str(tmp_path / "off.db"), "rate_limits.free": "1",
        "rate_limits.enabled": "false", "analytics.enabled": "false"})
    service = goldenrecord.GoldenRecord(config, clock=clock)
    client = falcon.testing.TestClient(service.app)
    headers = _key(service)
    results = [client.simulate_get(ROLES, headers=headers) for _ in range(3)]
    assert [r.status_code for r in results] == [200] * 3
    assert "X-RateLimit-Limit" not in results[0].headers
    service.close()
    from goldenrecord.store.models import RequestLog

    reopened = goldenrecord.GoldenRecord(config, clock=clock)
    assert RequestLog.select().count() == 0
    reopened.close()
