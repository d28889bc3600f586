"""Golden Record's metrics: one Prometheus registry per instance, and what is recorded on it.

The composition root builds one `Metrics` per GoldenRecord — never prometheus_client's
process-wide default registry, since tests and embedding hosts run many instances in one
process — and hands each part the method it records with: the HTTP middleware `request`,
the rate limiters `refused`, the webhook sender `delivered`, the WorkOS sync `synced`.
Queue depth and database size are read from the store when scraped, so the write paths
keep nothing up to date for them.

Every label has a bounded set of values, whatever clients send: a route is its path
template (`/api/v1/organizations/{id}`), never a path with ids in it, and a path that
matched no route is the one value `unmatched`; a method outside HTTP's usual ones is `OTHER`.
"""
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge,
                               Histogram, generate_latest)

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"
# Seconds. A read answered from memory takes about 1 ms, a list page about 10 ms, a WorkOS
# sync many seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0, 30.0)
# The sender's outcome (`status` of the delivery row it writes) as the metric names it.
DELIVERY_OUTCOMES = {"succeeded": "succeeded", "pending": "retrying", "failed": "failed"}


class Metrics:
    """The registry of one Golden Record instance and its instruments.

    `queue_depth()` and `database_bytes()` are called at each scrape, on the scraping
    thread.
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, *, queue_depth, database_bytes):
        self.registry = registry = CollectorRegistry()
        self._requests = Counter(
            "goldenrecord_http_requests", "HTTP requests answered, by method, route template "
            "and status", ("method", "route", "status"), registry=registry)
        self._latency = Histogram(
            "goldenrecord_http_request_duration_seconds", "Time from a request's arrival to "
            "its answer, by method and route template", ("method", "route"),
            buckets=LATENCY_BUCKETS, registry=registry)
        self._refusals = Counter(
            "goldenrecord_rate_limit_refusals", "Requests refused with 429, by the limit: "
            "api_key (the key's tier) or failed_auth (failed authentications per client "
            "address)", ("limit",), registry=registry)
        self._deliveries = Counter(
            "goldenrecord_webhook_deliveries", "Webhook delivery attempts, by outcome: "
            "succeeded, retrying (failed; another attempt is scheduled) or failed (given up, "
            "or 410 Gone)", ("outcome",), registry=registry)
        self._syncs = Counter(
            "goldenrecord_workos_sync_runs", "WorkOS bulk user syncs this process ran, by "
            "outcome: succeeded or failed", ("outcome",), registry=registry)
        Gauge("goldenrecord_webhook_queue_depth", "Deliveries pending to active subscriptions",
              registry=registry).set_function(queue_depth)
        Gauge("goldenrecord_database_bytes", "Size of the database's pages (the main file's "
              "size once the WAL is checkpointed)", registry=registry).set_function(database_bytes)
        # (method, route, status) -> the two children a request records on; labels() costs
        # more than the increments themselves, and this is on every request's path
        self._by_request = {}

    def request(self, method, route, status, seconds):
        """Count one answered request; `route` is its path template, None when no route
        matched."""
        children = self._by_request.get((method, route, status))
        if children is None:
            children = self._request_children(method, route, status)
        children[0].inc()
        children[1].observe(seconds)

    def _request_children(self, method, route, status):
        shown = (method if method in METHODS else OTHER_METHOD, route or UNMATCHED)
        children = (self._requests.labels(*shown, str(status)), self._latency.labels(*shown))
        if method in METHODS:  # any other method is counted, but not kept apart
            self._by_request[(method, route, status)] = children
        return children

    def refused(self, limit):
        """Count one 429 from the rate limit named `limit` (api_key or failed_auth)."""
        self._refusals.labels(limit).inc()

    def delivered(self, status):
        """Count one written webhook attempt whose delivery is now `status`."""
        self._deliveries.labels(DELIVERY_OUTCOMES[status]).inc()

    def synced(self, outcome):
        """Count one WorkOS sync run that ended with `outcome` (succeeded or failed)."""
        self._syncs.labels(outcome).inc()

    def exposition(self):
        """Everything recorded, in the Prometheus text format (bytes of `content_type`)."""
        return generate_latest(self.registry)
