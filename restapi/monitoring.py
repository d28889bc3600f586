"""What the service tells its operators: /metrics, and the middleware that counts requests.

The numbers are kept by goldenrecord.metrics (one registry per instance); this module is
only their HTTP side. /metrics needs its own scope, `metrics:read`, so that a scraper's
key can read them and nothing else, and a global key: the figures cover every organization.
"""
import time

from .operations import operation

METRICS_SCOPE = "metrics:read"


class RequestMetrics:
    """Middleware: one count and one latency observation per answered request, by route
    template. Listed right after RequestContext, so its time covers the whole request."""

    def __init__(self, metrics):
        self._record = metrics.request

    def process_response(self, req, resp, resource, req_succeeded):
        self._record(req.method, req.uri_template, resp.status_code,
                     time.perf_counter() - req.context.started)


class MetricsResource:
    def __init__(self, metrics):
        self._metrics = metrics

    @operation("Counters, latencies and gauges in the Prometheus text format",
               name="getMetrics", scope=METRICS_SCOPE, every_organization=True, response={"type": "string"},
               media_type="text/plain",
               description="The exposition format Prometheus scrapes: requests by method, "
                           "route template and status; a latency histogram; rate-limit "
                           "refusals; webhook delivery outcomes and queue depth; WorkOS sync "
                           "runs; database size. Errors still come in the JSON envelope.")
    def on_get(self, req, resp):
        resp.content_type = self._metrics.content_type
        resp.data = self._metrics.exposition()
