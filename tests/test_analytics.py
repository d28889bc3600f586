"""Usage analytics equal to the requests actually sent, scoped like everything else."""
import pytest

import apps
from support import assert_envelope

ANALYTICS = "/api/v1/analytics"


@pytest.fixture
def traffic(client, keys, make, service, clock):
    """A known mix of requests: 3 org reads, 1 missing org, 2 forbidden, 1 list, by two keys."""
    org = make.org()
    reader = keys.headers("organizations:read")
    for _ in range(3):
        client.simulate_get(f"/api/v1/organizations/{org['id']}", headers=reader)
    client.simulate_get("/api/v1/organizations/00000000-0000-4000-8000-000000000000", headers=reader)
    clock.advance(hours=1)
    for _ in range(2):
        client.simulate_get("/api/v1/users", headers=reader)
    client.simulate_get("/api/v1/organizations", headers=reader)
    client.simulate_get("/api/v1/users", headers={"Authorization": "Bearer gr_live_" + "q" * 43})
    service.usage.flush()
    return org


def _report(client, headers, **params):
    result = client.simulate_get(ANALYTICS, params=params, headers=headers)
    return assert_envelope(result, 200), result.json["meta"]


def test_numbers_equal_the_requests_sent(client, keys, traffic):
    viewer = keys.headers("api_keys:read")
    data, meta = _report(client, viewer, startDate="2026-01-15T00:00:00Z", endDate="2026-01-16T00:00:00Z")
    # the `make` factory's 2 admin requests (create, verify) are in the log too
    summary = data["summary"]
    assert summary["totalRequests"] == 2 + 7
    assert summary["failedRequests"] == 3  # one 404, two 403
    assert summary["successfulRequests"] == 6
    assert summary["successRate"] == round(100 * 6 / 9, 1)
    assert summary["avgResponseTimeMs"] >= 0
    endpoints = {(e["endpoint"], e["method"]): e["count"] for e in data["byEndpoint"]}
    assert endpoints == {
        ("/api/v1/organizations/{id}", "GET"): 4,
        ("/api/v1/users", "GET"): 2,
        ("/api/v1/organizations", "GET"): 1,
        ("/api/v1/organizations", "POST"): 1,
        ("/api/v1/organizations/{id}/verify", "POST"): 1,
    }
    assert data["byEndpoint"][0]["endpoint"] == "/api/v1/organizations/{id}"
    assert data["byDay"] == [{"date": "2026-01-15", "count": 9}]
    assert "byHour" not in data
    assert meta == {"startDate": "2026-01-15T00:00:00Z", "endDate": "2026-01-16T00:00:00Z",
                    "groupBy": "day"}


def test_by_hour(client, keys, traffic):
    data, _ = _report(client, keys.headers("api_keys:read"), groupBy="hour")
    assert data["byHour"] == [{"hour": "2026-01-15T10:00:00Z", "count": 6},
                              {"hour": "2026-01-15T11:00:00Z", "count": 3}]


def test_endpoint_filter(client, keys, traffic):
    data, _ = _report(client, keys.headers("api_keys:read"), endpoint="/api/v1/users")
    assert data["summary"]["totalRequests"] == 2
    assert [e["endpoint"] for e in data["byEndpoint"]] == ["/api/v1/users"]


def test_date_range(client, keys, traffic):
    data, _ = _report(client, keys.headers("api_keys:read"), startDate="2026-01-15T11:00:00Z")
    assert data["summary"]["totalRequests"] == 3
    empty, _ = _report(client, keys.headers("api_keys:read"), startDate="2025-01-01",
                       endDate="2025-02-01")
    assert empty["summary"] == {"totalRequests": 0, "successfulRequests": 0, "failedRequests": 0,
                                "avgResponseTimeMs": 0, "avgResponseTimeMsExact": 0,
                                "successRate": 0.0}
    assert empty["byEndpoint"] == [] and empty["byDay"] == []


@pytest.mark.parametrize("params, field", [
    ({"startDate": "yesterday"}, "startDate"),
    ({"endDate": "2026-13-01"}, "endDate"),
    ({"startDate": "2026-02-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"}, "startDate"),
    ({"groupBy": "week"}, "groupBy"),
    ({"colour": "red"}, "colour"),
])
def test_bad_parameters(client, admin, params, field):
    assert_envelope(client.simulate_get(ANALYTICS, params=params, headers=admin), 400,
                    "GR_VALIDATION_ERROR", field)


def test_org_scoped_key_sees_only_its_organizations_requests(client, keys, make, service):
    a, b = make.org(), make.org()
    key_a = keys.headers("*:*", org=a["id"])
    key_b = keys.headers("*:*", org=b["id"])
    for _ in range(3):
        client.simulate_get(f"/api/v1/organizations/{a['id']}", headers=key_a)
    client.simulate_get(f"/api/v1/organizations/{b['id']}", headers=key_b)
    service.usage.flush()
    data, _ = _report(client, key_a)
    assert data["summary"]["totalRequests"] == 3  # this very request is not flushed yet
    data_b, _ = _report(client, key_b)
    assert data_b["summary"]["totalRequests"] == 1


def test_old_rows_are_pruned_after_retention(client, keys, traffic, service, clock, store):
    from goldenrecord.store.models import RequestLog

    assert RequestLog.select().count() == 9
    clock.advance(days=91)
    client.simulate_get("/api/v1/roles", headers=keys.headers("roles:read"))
    service.usage.flush()
    assert RequestLog.select().count() == 1


def test_flushed_on_close(config, clock):
    import falcon.testing

    from goldenrecord.store.models import RequestLog

    with apps.service(config, clock=clock) as service:
        _, key = service.store.api_keys.create(name="k", scopes=["*:*"])
        client = falcon.testing.TestClient(service.app)
        for _ in range(4):
            client.simulate_get("/api/v1/roles", headers={"Authorization": f"Bearer {key}"})
    with apps.service(config, clock=clock):
        assert RequestLog.select().count() == 4


def _log(store, moment, durations, key_id="key_a", org=None):
    """Request rows with known durations, as the usage recorder writes them."""
    store.analytics.record([(moment, key_id, org, "GET", "/api/v1/users", 200, ms)
                            for ms in durations], {})


def test_latency_percentiles_by_nearest_rank(client, keys, store):
    from datetime import datetime, timezone
    moment = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
    _log(store, moment, [float(ms) for ms in range(1, 101)])  # 1 … 100 ms
    data, _ = _report(client, keys.headers("api_keys:read"),
                      startDate="2025-06-01T00:00:00Z", endDate="2025-06-02T00:00:00Z")
    assert data["latencyPercentiles"] == {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}
    _log(store, moment, [1000.0])  # one slow request moves the tail, not the median
    data, _ = _report(client, keys.headers("api_keys:read"),
                      startDate="2025-06-01T00:00:00Z", endDate="2025-06-02T00:00:00Z")
    assert data["latencyPercentiles"]["p50"] == 51.0
    assert data["latencyPercentiles"]["p99"] == 100.0


def test_no_requests_no_percentiles_and_no_keys(client, keys):
    data, _ = _report(client, keys.headers("api_keys:read"),
                      startDate="2020-01-01T00:00:00Z", endDate="2020-01-02T00:00:00Z")
    assert data["latencyPercentiles"] == {"p50": 0.0, "p90": 0.0, "p95": 0.0, "p99": 0.0}
    assert data["byKey"] == []


def test_busiest_keys_first_with_their_names(client, keys, traffic, store):
    viewer = keys.headers("api_keys:read")
    data, _ = _report(client, viewer, startDate="2026-01-15T00:00:00Z",
                      endDate="2026-01-16T00:00:00Z")
    [reader, admin] = data["byKey"]  # traffic: 7 by the reader, 2 by the `make` admin
    assert (reader["count"], admin["count"]) == (7, 2)
    assert reader["keyPrefix"].startswith("gr_live_") and reader["name"]
    assert store.api_keys.get(reader["apiKeyId"]).key_prefix == reader["keyPrefix"]


def test_busiest_keys_of_an_org_scoped_caller_are_its_own(client, keys, make, store):
    from datetime import datetime, timezone
    org = make.org()
    moment = datetime(2025, 7, 1, 12, tzinfo=timezone.utc)
    _log(store, moment, [5.0] * 3, key_id="key_theirs", org=org["id"])
    _log(store, moment, [5.0] * 9, key_id="key_others", org=None)
    scoped = keys.headers("api_keys:read", org=org["id"])
    data, _ = _report(client, scoped, startDate="2025-07-01T00:00:00Z",
                      endDate="2025-07-02T00:00:00Z")
    assert data["byKey"] == [{"apiKeyId": "key_theirs", "name": None, "keyPrefix": None,
                              "count": 3}]
def test_a_date_only_end_covers_its_whole_day(client, keys, traffic):
    """The fixture's requests are all on 2026-01-15; the reference's ranges are inclusive."""
    viewer = keys.headers("api_keys:read")
    same_day, meta = _report(client, viewer, startDate="2026-01-15", endDate="2026-01-15")
    assert same_day["summary"]["totalRequests"] == 9
    assert meta["startDate"] == "2026-01-15T00:00:00Z"
    assert meta["endDate"] == "2026-01-15T23:59:59Z"
    ending, _ = _report(client, viewer, startDate="2026-01-14", endDate="2026-01-15")
    assert ending["summary"]["totalRequests"] == 9
    before, _ = _report(client, viewer, startDate="2026-01-14", endDate="2026-01-14")
    assert before["summary"]["totalRequests"] == 0
    # a date-time end still means that instant: the fixture's first requests are at 10:00
    instant, _ = _report(client, viewer, startDate="2026-01-15", endDate="2026-01-15T10:30:00Z")
    assert instant["summary"]["totalRequests"] == 6


def test_a_date_only_end_on_the_last_day_of_year_9999_does_not_overflow(client, admin):
    data, meta = _report(client, admin, startDate="9999-12-31", endDate="9999-12-31")
    assert data["summary"]["totalRequests"] == 0
    assert meta["endDate"] == "9999-12-31T23:59:59Z"


def test_averages_are_whole_milliseconds_with_the_exact_figure_beside(client, keys, service, store):
    """Durations 1, 2 and 4 ms average 2.333...: `2` as the reference's integer, the rest exact."""
    from datetime import timedelta

    now = store.now()
    key, _ = store.api_keys.create(name="logged", scopes=["users:read"])
    rows = [(now - timedelta(seconds=i), key.id, None, "GET", "/api/v1/users", 200, ms)
            for i, ms in enumerate((1, 2, 4))]
    store.analytics.record(rows, {})
    data, _ = _report(client, keys.headers("api_keys:read"), endpoint="/api/v1/users")
    summary, endpoint = data["summary"], data["byEndpoint"][0]
    assert summary["avgResponseTimeMs"] == 2 and type(summary["avgResponseTimeMs"]) is int
    assert summary["avgResponseTimeMsExact"] == 2.333
    assert endpoint["avgMs"] == 2 and type(endpoint["avgMs"]) is int
    assert endpoint["avgMsExact"] == 2.333
    store.analytics.record([(now, key.id, None, "GET", "/api/v1/users", 200, 3)], {})
    data, _ = _report(client, keys.headers("api_keys:read"), endpoint="/api/v1/users")
    assert data["summary"]["avgResponseTimeMs"] == 3  # 2.5 rounds up, not to even
