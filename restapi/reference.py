"""The published contract: /api/v1/openapi.json and the /docs page that renders it.

Both are public, like /healthz: a client needs the contract before it has a key. The
page is one HTML file shipped in the package; its script fetches the document and
builds the reference from it, so the page never shows anything the document does not.
"""
import json
from importlib import resources

from . import openapi
from .operations import operation


class OpenApiResource:
    public = True

    def __init__(self, routes, version):
        self._routes = routes
        self._version = version
        self._text = None

    @operation("This OpenAPI 3.1 document", name="getOpenApiDocument", scope=None,
               response={"type": "object"}, envelope=False, description=(
                   "Every operation, its input rules and answers, made from the same "
                   "declarations the server checks requests with. Needs no key."))
    def on_get(self, req, resp):
        if self._text is None:  # built on first use, once every route is added
            self._text = json.dumps(openapi.build(self._routes, version=self._version))
        resp.content_type = "application/json"
        resp.text = self._text


class DocsResource:
    public = True

    def __init__(self):
        self._page = resources.files(__package__).joinpath("docs.html").read_text("utf-8")

    @operation("The API reference, rendered from the OpenAPI document", name="getDocs",
               scope=None, response={"type": "string"}, media_type="text/html", description=(
                   "A page that reads this document and shows it for a person: Markdown "
                   "descriptions, field rules in words. Needs no key."))
    def on_get(self, req, resp):
        resp.content_type = "text/html; charset=utf-8"
        resp.set_header("Content-Security-Policy",
                        "default-src 'none'; script-src 'self' 'unsafe-inline'; "
                        "style-src 'unsafe-inline'; connect-src 'self'")
        resp.text = self._page
