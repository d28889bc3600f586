"""GET /metrics: the Prometheus text of one instance, read back with prometheus_client's own
parser, and each series moved by what it counts; the scope a scraper's key needs."""
import dataclasses
import os

import falcon.testing
import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

import apps
import goldenrecord
from fake_workos import API_KEY, FakeWorkOS, workos_user
from support import Receiver, assert_envelope

ORGS = "/api/v1/organizations"
UNKNOWN_ORG = "/api/v1/organizations/00000000-0000-4000-8000-00000000000{}"
REQUESTS = "goldenrecord_http_requests_total"
LATENCY = "goldenrecord_http_request_duration_seconds"


def scrape(client, headers):
    """{(sample name, sorted labels): value} of one scrape, parsed as Prometheus would."""
    result = client.simulate_get("/metrics", headers=headers)
    assert result.status_code == 200, result.text
    assert result.headers["Content-Type"].startswith("text/plain; version=")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(result.text)
            for sample in family.samples}


def value(samples, name, **labels):
    """A sample's value; a labelled series not yet recorded reads as 0, as PromQL would."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def scraper(keys):
    """A scraper's narrow key: metrics:read and nothing else."""
    return keys.headers("metrics:read", tier="enterprise")


def test_a_request_is_counted_by_route_template_and_timed(client, admin, scraper):
    before = scrape(client, scraper)
    for n in (1, 2):
        assert_envelope(client.simulate_get(UNKNOWN_ORG.format(n), headers=admin), 404)
    after = scrape(client, scraper)
    route = {"method": "GET", "route": "/api/v1/organizations/{id}"}
    assert value(after, REQUESTS, status="404", **route) == value(before, REQUESTS, status="404",
                                                                  **route) + 2
    assert value(after, LATENCY + "_count", **route) == value(before, LATENCY + "_count", **route) + 2
    assert value(after, LATENCY + "_sum", **route) > value(before, LATENCY + "_sum", **route)
    assert value(after, LATENCY + "_bucket", le="+Inf", **route) == 2
    assert value(after, REQUESTS, method="GET", route="/metrics", status="200") == 1  # the first scrape


@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # wsgiref's lint, on purpose
def test_labels_stay_bounded_whatever_the_client_sends(client, admin, scraper):
    """Ids, unknown paths and made-up methods never become label values of their own."""
    created = assert_envelope(client.simulate_post(ORGS, json={"name": "A", "slug": "a"},
                                                   headers=admin), 201)
    client.simulate_get(f"{ORGS}/{created['id']}", headers=admin)
    for path in ("/nowhere/1", "/nowhere/2", f"/{created['id']}"):
        assert_envelope(client.simulate_get(path, headers=admin), 404, "GR_NOT_FOUND")
    client.simulate_request("BREW", "/healthz")
    samples = scrape(client, scraper)
    assert value(samples, REQUESTS, method="GET", route="unmatched", status="404") == 3
    assert value(samples, REQUESTS, method="OTHER", route="/healthz", status="400") == 1
    labels = {v for (_, pairs) in samples for _, v in pairs}
    assert not any(created["id"] in label or "nowhere" in label or "BREW" in label
                   for label in labels)


def test_each_instance_has_a_registry_of_its_own(tmp_path, client, admin, scraper):
    client.simulate_get(ORGS, headers=admin)
    assert value(scrape(client, scraper), REQUESTS, method="GET", route=ORGS, status="200") == 1
    # (one database per process at a time: the first instance is not used past this point)
    with apps.service(apps.config_for(tmp_path / "other.db")) as other:
        _, key = other.store.api_keys.create(name="s", scopes=["metrics:read"])
        samples = scrape(falcon.testing.TestClient(other.app), {"Authorization": f"Bearer {key}"})
    assert value(samples, REQUESTS, method="GET", route=ORGS, status="200") == 0
    assert prometheus_client.REGISTRY.get_sample_value(
        REQUESTS, {"method": "GET", "route": ORGS, "status": "200"}) is None


@pytest.mark.sqlite_only
def test_database_size_is_the_file_size(client, store, scraper):
    samples = scrape(client, scraper)
    store.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    size = value(samples, "goldenrecord_database_bytes")
    assert size > 0 and size == os.path.getsize(store.path)


# ------------------------------------------------------------------------- rate limits

def test_rate_limit_refusals_are_counted_by_the_limit_that_refused(tmp_path, clock):
    config = apps.config_for(tmp_path / "rl.db", **{"rate_limits.free": "1",
                                                    "rate_limits.failed_auth_per_ip": "2"})
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        _, scraper = service.store.api_keys.create(name="s", scopes=["metrics:read"],
                                                   tier="enterprise")
        scraper = {"Authorization": f"Bearer {scraper}"}
        _, key = service.store.api_keys.create(name="k", scopes=["*:*"])
        for status in (200, 429, 429):
            assert client.simulate_get(ORGS, headers={"Authorization": f"Bearer {key}"}
                                       ).status_code == status
        wrong = {"Authorization": "Bearer gr_live_" + "x" * 43}
        for status in (401, 401, 429):
            assert client.simulate_get(ORGS, headers=wrong).status_code == status
        samples = scrape(client, scraper)
    refusals = "goldenrecord_rate_limit_refusals_total"
    assert value(samples, refusals, limit="api_key") == 2
    assert value(samples, refusals, limit="failed_auth") == 1
    assert value(samples, REQUESTS, method="GET", route=ORGS, status="429") == 3


# ------------------------------------------------------------------------- webhooks

@pytest.fixture
def receivers():
    good, failing = Receiver(), Receiver(respond=lambda n, headers, body: 500)
    yield good, failing
    good.close()
    failing.close()


def test_webhook_outcomes_and_queue_depth(tmp_path, clock, receivers):
    config = apps.config_for(tmp_path / "wh.db", **{"webhooks.allow_private_targets": "true"})
    service = goldenrecord.GoldenRecord(config, clock=clock)  # never started: stepped below
    try:
        client = falcon.testing.TestClient(service.app)
        _, admin = service.store.api_keys.create(name="a", scopes=["*:*"])
        admin = {"Authorization": f"Bearer {admin}"}
        for receiver in receivers:
            assert_envelope(client.simulate_post("/api/v1/webhooks", headers=admin, json={
                "name": "h", "url": receiver.url, "events": ["organization.created"]}), 201)
        assert_envelope(client.simulate_post(ORGS, json={"name": "A", "slug": "a"},
                                             headers=admin), 201)
        depth = "goldenrecord_webhook_queue_depth"
        assert value(scrape(client, admin), depth) == 2
        assert sorted(o["status"] for o in service.webhooks.deliver_due()) == ["pending",
                                                                              "succeeded"]
        samples = scrape(client, admin)
    finally:
        service.close()
    deliveries = "goldenrecord_webhook_deliveries_total"
    assert value(samples, deliveries, outcome="succeeded") == 1
    assert value(samples, deliveries, outcome="retrying") == 1  # the 500 waits for its retry
    assert value(samples, deliveries, outcome="failed") == 0
    assert value(samples, depth) == 1


# ------------------------------------------------------------------------- WorkOS

@pytest.fixture
def workos():
    server = FakeWorkOS([workos_user(n) for n in range(1, 4)])
    yield server
    server.close()


def test_workos_sync_runs_are_counted_by_outcome(config, clock, workos):
    config = dataclasses.replace(config, workos=dataclasses.replace(
        config.workos, api_key=API_KEY, base_url=workos.url))
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        _, admin = service.store.api_keys.create(name="a", scopes=["*:*"])
        admin = {"Authorization": f"Bearer {admin}"}
        assert_envelope(client.simulate_post("/api/workos/sync-users", headers=admin), 200)
        workos.fail(500, times=10, headers={"Retry-After": "0"})
        assert_envelope(client.simulate_post("/api/workos/sync-users", headers=admin), 502,
                        "GR_WORKOS_ERROR")
        samples = scrape(client, admin)
    runs = "goldenrecord_workos_sync_runs_total"
    assert value(samples, runs, outcome="succeeded") == 1
    assert value(samples, runs, outcome="failed") == 1


# ------------------------------------------------------------------------- access

def test_metrics_need_a_key_with_their_scope(client, keys):
    assert_envelope(client.simulate_get("/metrics"), 401, "GR_UNAUTHORIZED")
    error = assert_envelope(client.simulate_get("/metrics", headers=keys.headers("users:read")),
                            403, "GR_FORBIDDEN")
    assert "metrics:read" in error["message"]


def test_a_scraper_key_reads_metrics_and_nothing_else(client, scraper):
    assert_envelope(client.simulate_get(ORGS, headers=scraper), 403, "GR_FORBIDDEN")
    assert_envelope(client.simulate_get("/api/v1/users", headers=scraper), 403, "GR_FORBIDDEN")


def test_organization_scoped_keys_cannot_read_metrics_of_every_organization(client, keys, make):
    org = make.org()
    result = client.simulate_get("/metrics", headers=keys.headers("metrics:read", org=org["id"]))
    assert_envelope(result, 403, "GR_ORG_SCOPE_VIOLATION")


def test_metrics_read_is_a_scope_keys_can_be_created_with(client, admin):
    created = assert_envelope(client.simulate_post("/api/v1/keys", headers=admin, json={
        "name": "prometheus", "scopes": ["metrics:read"]}), 201)
    scrape(client, {"Authorization": f"Bearer {created['key']}"})
