"""The HTTP layer of Golden Record: a Falcon WSGI app over the store.

`build_app` wires the middleware — request context, request metrics, authentication, rate
limit, usage recording, idempotency, in that order — the error path and the routes; the
composition root in goldenrecord.py decides what it is given.
"""
import falcon

from goldenrecord.domain_verification import DnsVerifier

from . import errors
from .access import Authentication
from .auditing import Auditing
from .clientip import ClientAddress
from .cursors import Cursors
from .idempotency import Idempotency
from .methods import Router
from .middleware import RequestContext, log_request
from .monitoring import RequestMetrics
from .ratelimit import FixedWindowLimiter, RateLimit, SharedWindowLimiter
from .routes import add_routes
from .usage import Usage, UsageRecorder
from .workos import WorkosLink  # noqa: F401  (re-exported)

__all__ = ["Api", "build_app", "UsageRecorder", "WorkosLink"]


class Api(falcon.App):
    """The Falcon app, plus `routes`: the route table it serves (routes.Routes), from which
    the OpenAPI document and the scope table are made; HEAD and OPTIONS on every route
    (methods.Router)."""

    routes = ()

    def __init__(self, **options):
        options.setdefault("router", Router())
        super().__init__(**options)


def _key_limiter(store, clock, metrics):
    """Per-key windows: replicas on one database count together (in the database); one
    process counts in memory."""
    refused = lambda: metrics.refused("api_key")  # noqa: E731
    if store.engine.replicated:
        return SharedWindowLimiter(clock, store.rate_windows, on_refusal=refused)
    return FixedWindowLimiter(clock, on_refusal=refused)


def build_app(store, config, *, clock, metrics, usage=None, access_log=None, version="0",
              workos=None, sessions=None, extensions=(), write_probe_seconds=None):
    """The WSGI app over `store`, shaped by `config`'s rate_limits, server, webhooks,
    invitations and domains sections. `metrics` (goldenrecord.metrics.Metrics) records requests, rate-limit refusals
    and WorkOS sync runs, and is served at /metrics; /readyz waits `write_probe_seconds`
    for the write lock (None: health.WRITE_PROBE_SECONDS). `usage` is the UsageRecorder given every authenticated request (None: none);
    `access_log` takes each request's log line (default: the logging module); `workos`
    holds the WorkOS webhook secret and client factory (default: not configured);
    `sessions` signs in browsers that send its cookie (the admin dashboard's, default none).
    Each of `extensions` adds routes of its own, called as `install(app, add,
    authentication=..., client_address=..., index=...)` once the API's routes are in (the
    dashboard: this layer does not know it); `index` is the IndexResource at `/`, to list
    them."""
    limits = config.rate_limits
    client_address = ClientAddress(config.server.trusted_proxies)
    tier_limits = limits.by_tier()
    rate_limit = None if tier_limits is None else RateLimit(
        _key_limiter(store, clock, metrics), tier_limits)
    auditing = Auditing(store.audit, client_address)
    authentication = Authentication(
        store.api_keys, client_address, clock, failure_limit=limits.failed_auth_per_ip,
        failures=FixedWindowLimiter(clock, on_refusal=lambda: metrics.refused("failed_auth")),
        sessions=sessions, budget=None if rate_limit is None else rate_limit.budget,
        refusals=auditing)
    middleware = [RequestContext(access_log or log_request, client_address),
                  RequestMetrics(metrics), authentication, auditing]
    if rate_limit is not None:
        middleware.append(rate_limit)
    if usage is not None:
        middleware.append(Usage(usage))
    middleware.append(Idempotency(store.idempotency))
    app = Api(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app, storage_fault=store.storage_fault)
    add = add_routes(app, store, Cursors(store.setting("cursor_secret")),
                     allow_private_targets=config.webhooks.allow_private_targets,
                     version=version, workos=workos, failure=authentication.failure,
                     metrics=metrics, write_probe_seconds=write_probe_seconds,
                     accept_url_template=config.invitations.accept_url_template,
                     verifier=DnsVerifier(config.domains.resolver,
                                          config.domains.timeout_seconds))
    for install in extensions:
        install(app, add, authentication=authentication, client_address=client_address,
                index=add.resource("/"))
    app.routes = add
    return app
