"""The HTTP layer of Golden Record: a Falcon WSGI app over the store.

`build_app` wires middleware (request context, then authentication), the error path
and the routes; the composition root in goldenrecord.py decides what it is given.
"""
import falcon

from . import errors
from .access import Authentication
from .clientip import ClientAddress
from .cursors import Cursors
from .middleware import RequestContext
from .routes import add_routes


def build_app(store, *, trusted_proxies=(), clock):
    app = falcon.App(
        middleware=[
            RequestContext(),
            Authentication(store.api_keys, ClientAddress(trusted_proxies), clock),
        ],
    )
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    add_routes(app, store, Cursors(store.setting("cursor_secret")))
    return app
