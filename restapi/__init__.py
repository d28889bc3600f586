"""The HTTP layer of Golden Record: a Falcon WSGI app over the store.

`build_app` wires the middleware — request context, authentication, rate limit, usage
recording, idempotency, in that order — the error path and the routes; the composition root in
goldenrecord.py decides what it is given.
"""
import falcon

from . import errors
from .access import Authentication
from .clientip import ClientAddress
from .cursors import Cursors
from .idempotency import Idempotency
from .middleware import RequestContext, log_request
from .ratelimit import FixedWindowLimiter, RateLimit
from .routes import add_routes
from .usage import Usage, UsageRecorder
from .workos import WorkosLink  # noqa: F401  (re-exported)

__all__ = ["Api", "build_app", "UsageRecorder", "WorkosLink"]


class Api(falcon.App):
    """The Falcon app, plus `routes`: the route table it serves (routes.Routes), from which
    the OpenAPI document and the scope table are made."""

    routes = ()


def build_app(store, config, *, clock, usage=None, access_log=None, version="0", workos=None,
              sessions=None, extensions=()):
    """The WSGI app over `store`, shaped by `config`'s rate_limits, server and webhooks
    sections. `usage` is the UsageRecorder given every authenticated request (None: none);
    `access_log` takes each request's log line (default: the logging module); `workos`
    holds the WorkOS webhook secret and client factory (default: not configured);
    `sessions` signs in browsers that send its cookie (the admin dashboard's, default none).
    Each of `extensions` adds routes of its own, called as `install(app, add,
    authentication=..., client_address=..., index=...)` once the API's routes are in (the
    dashboard: this layer does not know it); `index` is the IndexResource at `/`, to list
    them."""
    limits = config.rate_limits
    client_address = ClientAddress(config.server.trusted_proxies)
    authentication = Authentication(store.api_keys, client_address, clock,
                                    failures=FixedWindowLimiter(clock),
                                    failure_limit=limits.failed_auth_per_ip, sessions=sessions)
    middleware = [RequestContext(access_log or log_request, client_address), authentication]
    tier_limits = limits.by_tier()
    if tier_limits is not None:
        middleware.append(RateLimit(FixedWindowLimiter(clock), tier_limits))
    if usage is not None:
        middleware.append(Usage(usage))
    middleware.append(Idempotency(store.idempotency))
    app = Api(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    add = add_routes(app, store, Cursors(store.setting("cursor_secret")),
                     allow_private_targets=config.webhooks.allow_private_targets,
                     version=version, workos=workos, failure=authentication.failure)
    for install in extensions:
        install(app, add, authentication=authentication, client_address=client_address,
                index=add.resource("/"))
    app.routes = add
    return app
