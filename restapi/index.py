"""GET /: where a newcomer lands. Programs get the envelope with links to what they may
read without a key; a browser is sent on to the page a person wants (the dashboard).

The API adds its own links; an extension adds its own (the dashboard adds `admin` and
takes the browsers), so this layer names nothing it does not serve itself.
"""
import falcon

from . import schemas
from .operations import operation
from .responses import ok

NAME = "Golden Record"
_PATH = schemas.STRING
INDEX = schemas.closed(
    name={"type": "string", "const": NAME, "description": "Always `Golden Record`"},
    version=schemas.described(schemas.STRING, "The server's version"),
    links={"type": "object", "additionalProperties": schemas.STRING,
           "required": ["docs", "openapi", "health", "ready"],
           "properties": {"docs": schemas.described(_PATH, "The API reference page"),
                          "openapi": schemas.described(_PATH, "The OpenAPI document"),
                          "health": schemas.described(_PATH, "The health check"),
                          "ready": schemas.described(_PATH, "The readiness check")},
           "description": "name -> path; `admin` while the dashboard is installed"})
BROWSER_TYPES = ("application/json", "text/html")  # a tie (*/*, no Accept) goes to JSON


class IndexResource:
    public = True

    def __init__(self, version, links):
        self._version = version
        self._links = dict(links)
        self._browser_home = None

    def link(self, name, path, *, browsers=False):
        """List `path` as `name`; with `browsers`, a client preferring HTML is sent there."""
        self._links[name] = path
        if browsers:
            self._browser_home = path

    @operation("Index: the service's name, version and links to what needs no key",
               name="getIndex", scope=None, response=INDEX, description=(
                   "Where a newcomer lands: what this is, its version, and where the "
                   "reference and the health check are. Needs no key."),
               redirect="a browser (an Accept preferring text/html) is sent to the "
                        "dashboard, with the same body")
    def on_get(self, req, resp):
        ok(req, resp, {"name": NAME, "version": self._version, "links": self._links})
        if self._browser_home and req.client_prefers(BROWSER_TYPES) == "text/html":
            resp.status = falcon.HTTP_303
            resp.location = self._browser_home
