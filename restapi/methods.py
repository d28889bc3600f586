"""HEAD and OPTIONS for every route, answered the same way everywhere.

Falcon routes only the methods a resource defines, so `HEAD` on a GET route was 405 and
the `Allow` header of `OPTIONS` (without OPTIONS) differed from the 405's (with it). This
router gives every route that answers GET a HEAD that is its GET (Falcon drops the body of
a HEAD answer and keeps its headers, `Content-Length` included), and an OPTIONS whose
`Allow` is the same list a 405 names.
"""
import falcon
import falcon.inspect
from falcon.routing import CompiledRouter


class Router(CompiledRouter):
    def map_http_methods(self, resource, **kwargs):
        method_map = super().map_http_methods(resource, **kwargs)
        if "GET" in method_map and "HEAD" not in method_map:
            method_map["HEAD"] = method_map["GET"]
        if "OPTIONS" not in method_map:
            # Falcon's 405 lists every method of the map that is not a meta method
            # (WEBSOCKET), OPTIONS included once it is in the map: the same list as here
            method_map["OPTIONS"] = _options(", ".join(sorted({*method_map, "OPTIONS"})))
        return method_map


# falcon.inspect (the route listing tests read) knows only its own router classes; this one
# keeps the compiled router's tree.
falcon.inspect.register_router(Router)(falcon.inspect.inspect_compiled_router)


def _options(allowed):
    def on_options(req, resp, **params):
        resp.status = falcon.HTTP_200
        resp.set_header("Allow", allowed)
        resp.set_header("Content-Length", "0")
    return on_options
