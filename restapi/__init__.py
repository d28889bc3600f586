"""The HTTP layer of Golden Record: a Falcon WSGI app over the store.

`build_app` wires the middleware — request context, authentication, rate limit, usage
recording, idempotency, in that order — the error path and the routes; the composition root in
goldenrecord.py decides what it is given.
"""
import falcon

from goldenrecord import admin_ui

from . import errors
from .access import Authentication
from .clientip import ClientAddress
from .cursors import Cursors
from .idempotency import Idempotency
from .middleware import RequestContext
from .ratelimit import FixedWindowLimiter, RateLimit
from .routes import add_routes
from .usage import Usage, UsageRecorder
from .workos import WorkosLink  # noqa: F401  (re-exported)

__all__ = ["Api", "build_app", "UsageRecorder", "WorkosLink"]


class Api(falcon.App):
    """The Falcon app, plus `routes`: the route table it serves (routes.Routes), from which
    the OpenAPI document and the scope table are made."""

    routes = ()


def build_app(store, *, clock, usage, tier_limits, failed_auth_per_ip, trusted_proxies=(),
              allow_private_targets=False, access_log=None, version="0", workos=None):
    """The WSGI app. `tier_limits` maps tier name to requests per minute (None: no rate
    limiting); `usage` is the UsageRecorder given every authenticated request (None: none);
    `access_log` takes each request's log line (default: the logging module); `workos`
    holds the WorkOS webhook secret and client factory (default: not configured)."""
    client_address = ClientAddress(trusted_proxies)
    sessions = admin_ui.sessions_for(store, clock)
    authentication = Authentication(store.api_keys, client_address, clock,
                                    failures=FixedWindowLimiter(clock),
                                    failure_limit=failed_auth_per_ip, sessions=sessions)
    middleware = [RequestContext(access_log) if access_log else RequestContext(), authentication]
    if tier_limits is not None:
        middleware.append(RateLimit(FixedWindowLimiter(clock), tier_limits))
    if usage is not None:
        middleware.append(Usage(usage))
    middleware.append(Idempotency(store.idempotency))
    app = Api(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    add = add_routes(app, store, Cursors(store.setting("cursor_secret")),
                     allow_private_targets=allow_private_targets, version=version,
                     workos=workos)
    admin_ui.install(app, add, authentication=authentication, sessions=sessions,
                     client_address=client_address, clock=clock)
    app.routes = add
    return app
