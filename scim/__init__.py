"""SCIM 2.0 (RFC 7643, 7644) at /scim/v2/: an organization's identity provider (Okta,
Entra ID, ...) provisions its members with the bearer token of an organization-scoped
API key holding `scim:write`.

Installed as an extension of the API (restapi.build_app's `extensions`): its routes go
through the API's route recorder, so the scope table, the OpenAPI document and the scope
tests cover them, and its requests pass the API's middleware (authentication, rate
limits, the audit context). Only its errors look different: SCIM's format (errors.py).
"""
import falcon

from .discovery import ResourceTypes, Schemas, ServiceProviderConfig
from .errors import MEDIA_TYPE, ErrorFormat
from .users import ScimUser, ScimUsers

PREFIX = "/scim/v2"


def install(app, add, *, store, **_):
    """Add the SCIM routes to `app` (through `add`), over `store`."""
    app.add_middleware(ErrorFormat(PREFIX))
    handler = falcon.media.JSONHandler()
    app.req_options.media_handlers[MEDIA_TYPE] = handler
    app.resp_options.media_handlers[MEDIA_TYPE] = handler
    add(f"{PREFIX}/ServiceProviderConfig", ServiceProviderConfig())
    add(f"{PREFIX}/ResourceTypes", ResourceTypes())
    add(f"{PREFIX}/Schemas", Schemas())
    add(f"{PREFIX}/Users", ScimUsers(store))
    add(f"{PREFIX}/Users/{{id}}", ScimUser(store))
