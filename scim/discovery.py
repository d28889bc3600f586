"""/ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4): what this service
declares it does. A conformance checker tests exactly the features declared here, so each
`supported` is true only where the resources implement it (sort and bulk: no)."""
from goldenrecord.restapi.errors import ApiError
from goldenrecord.restapi.inputs import Text
from goldenrecord.restapi.operations import operation

from .errors import ERRORS_AS, MEDIA_TYPE
from .resource import MAX_COUNT, SCOPE
from .responses import base_url, list_response, organization_of, send
from .groups import GROUP_SCHEMA
from .user_form import USER_SCHEMA

CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
_DETAILS = dict(scope=SCOPE, envelope=False, media_type=MEDIA_TYPE, errors_as=ERRORS_AS,
                response={"type": "object", "description": "A SCIM discovery document"})
_BY_ID = {"id": Text(max_length=200, description="The id (a schema's is its URN)")}


def _attribute(name, type_="string", *, required=False, multi=False, mutability="readWrite",
               returned="default", uniqueness="none", case_exact=False, sub=None,
               description=None, **more):
    attribute = {"name": name, "type": type_, "multiValued": multi,
                 "description": description or name, "required": required,
                 "caseExact": case_exact, "mutability": mutability, "returned": returned,
                 "uniqueness": uniqueness, **more}
    if sub is not None:
        attribute["subAttributes"] = sub
    return attribute


# What is declared is what is enforced: `emails` is required because a user needs an email
# (unless userName is one), `active` because a membership is active or not (an omitted
# `active` is taken as true; removing it has no meaning).
USER_ATTRIBUTES = [
    _attribute("userName", required=True, uniqueness="server",
               description="The IdP's name for the user, unique in the organization "
                           "(compared without case)"),
    _attribute("name", "complex", sub=[_attribute("givenName"), _attribute("familyName")]),
    _attribute("displayName", mutability="readOnly"),
    _attribute("emails", "complex", multi=True, required=True,
               description="The user's email is the primary one, else the work one, else "
                           "the first; may be left out when userName is an email", sub=[
        _attribute("value", required=True), _attribute("display"),
        _attribute("type", canonicalValues=["work", "home", "other"]),
        _attribute("primary", "boolean")]),
    _attribute("active", "boolean", required=True,
               description="The membership is active (left out when creating: true)"),
    _attribute("externalId", case_exact=True),
]


GROUP_ATTRIBUTES = [
    _attribute("displayName", required=True, uniqueness="server"),
    _attribute("members", "complex", multi=True, sub=[
        _attribute("value", mutability="immutable", case_exact=True),
        _attribute("$ref", "reference", mutability="immutable", referenceTypes=["User"])]),
    _attribute("externalId", case_exact=True),
]
# (name, endpoint, schema, description, attributes) of each resource type served
RESOURCES = (
    ("User", "/Users", USER_SCHEMA, "A member of the organization", USER_ATTRIBUTES),
    ("Group", "/Groups", GROUP_SCHEMA, "A group of the organization's members",
     GROUP_ATTRIBUTES),
)


def service_provider_config(base):
    return {
        "schemas": [CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": True,
            "description": "An organization-scoped Golden Record API key with scope scim:write"}],
        "meta": {"resourceType": "ServiceProviderConfig",
                 "location": f"{base}/ServiceProviderConfig"},
    }


def resource_types(base):
    return [{"schemas": [RESOURCE_TYPE_SCHEMA], "id": name, "name": name, "endpoint": endpoint,
             "description": description, "schema": schema,
             "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/{name}"}}
            for name, endpoint, schema, description, _ in RESOURCES]


def schemas(base):
    return [{"schemas": [SCHEMA_SCHEMA], "id": schema, "name": name, "description": description,
             "attributes": attributes,
             "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{schema}"}}
            for name, _, schema, description, attributes in RESOURCES]


class ServiceProviderConfig:
    @operation("SCIM service provider configuration", name="scimServiceProviderConfig",
               description="What this SCIM service supports (RFC 7644 §5).", **_DETAILS)
    def on_get(self, req, resp):
        organization_of(req)
        send(req, resp, service_provider_config(base_url(req)))


class _Listing:
    """A discovery list: `documents(base)` as a ListResponse, and each by its id."""

    documents = staticmethod(lambda base: [])

    def respond(self, req, resp):
        organization_of(req)
        found = self.documents(base_url(req))
        send(req, resp, list_response(found, len(found), 1))

    def respond_one(self, req, resp, id):
        organization_of(req)
        for document in self.documents(base_url(req)):
            if document["id"] == id:
                send(req, resp, document)
                return
        raise ApiError("GR_NOT_FOUND", f"No such {self.noun}: '{id}'")


class ResourceTypes(_Listing):
    documents = staticmethod(resource_types)
    noun = "resource type"

    @operation("SCIM resource types", name="scimResourceTypes",
               description="The resource types served (RFC 7644 §6).", **_DETAILS)
    def on_get(self, req, resp):
        self.respond(req, resp)

    @operation("A SCIM resource type", name="scimResourceType", path=_BY_ID,
               errors=("GR_NOT_FOUND",), description="One resource type by its id (`User`, "
               "`Group`).", **_DETAILS)
    def on_get_item(self, req, resp, id):
        self.respond_one(req, resp, id)


class Schemas(_Listing):
    documents = staticmethod(schemas)
    noun = "schema"

    @operation("SCIM schemas", name="scimSchemas",
               description="The schemas of the resources served (RFC 7644 §7).", **_DETAILS)
    def on_get(self, req, resp):
        self.respond(req, resp)

    @operation("A SCIM schema", name="scimSchema", path=_BY_ID, errors=("GR_NOT_FOUND",),
               description="One schema by its URN.", **_DETAILS)
    def on_get_item(self, req, resp, id):
        self.respond_one(req, resp, id)
