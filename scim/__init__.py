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
from .groups import ScimGroup, ScimGroups
from .search import SearchEverything
from .users import ScimUser, ScimUsers

PREFIX = "/scim/v2"


def install(app, add, *, store, **_):
    """Add the SCIM routes to `app` (through `add`), over `store`."""
    app.add_middleware(ErrorFormat(PREFIX))
    handler = falcon.media.JSONHandler()
    app.req_options.media_handlers[MEDIA_TYPE] = handler
    app.resp_options.media_handlers[MEDIA_TYPE] = handler
    add(f"{PREFIX}/ServiceProviderConfig", ServiceProviderConfig())
    resource_types, schemas = ResourceTypes(), Schemas()
    add(f"{PREFIX}/ResourceTypes", resource_types)
    add(f"{PREFIX}/ResourceTypes/{{id}}", resource_types, suffix="item")
    add(f"{PREFIX}/Schemas", schemas)
    add(f"{PREFIX}/Schemas/{{id}}", schemas, suffix="item")
    add(f"{PREFIX}/Users", ScimUsers(store))
    add(f"{PREFIX}/Users/{{id}}", ScimUser(store))
    add(f"{PREFIX}/Groups", ScimGroups(store))
    add(f"{PREFIX}/Groups/{{id}}", ScimGroup(store))
    add(f"{PREFIX}/.search", SearchEverything(store))
