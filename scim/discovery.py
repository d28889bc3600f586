"""/ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4): what this service
declares it does. A conformance checker tests exactly the features declared here, so each
`supported` is true only where the resources implement it (sort and bulk: no)."""
from goldenrecord.restapi.operations import operation

from .errors import ERRORS_AS, MEDIA_TYPE
from .responses import base_url, list_response, organization_of, send
from .users import MAX_COUNT, SCOPE, USER_SCHEMA

CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
_DETAILS = dict(scope=SCOPE, envelope=False, media_type=MEDIA_TYPE, errors_as=ERRORS_AS,
                response={"type": "object", "description": "A SCIM discovery document"})


def _attribute(name, type_="string", *, required=False, multi=False, mutability="readWrite",
               returned="default", uniqueness="none", case_exact=False, sub=None):
    attribute = {"name": name, "type": type_, "multiValued": multi, "description": name,
                 "required": required, "caseExact": case_exact, "mutability": mutability,
                 "returned": returned, "uniqueness": uniqueness}
    if sub is not None:
        attribute["subAttributes"] = sub
    return attribute


USER_ATTRIBUTES = [
    _attribute("userName", required=True, uniqueness="server"),
    _attribute("name", "complex", sub=[_attribute("givenName"), _attribute("familyName"),
                                       _attribute("formatted", mutability="readOnly")]),
    _attribute("displayName", mutability="readOnly"),
    _attribute("emails", "complex", multi=True, mutability="readOnly", sub=[
        _attribute("value", mutability="readOnly"), _attribute("type", mutability="readOnly"),
        _attribute("primary", "boolean", mutability="readOnly")]),
    _attribute("active", "boolean"),
    _attribute("externalId", case_exact=True),
]


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
    return [{"schemas": [RESOURCE_TYPE_SCHEMA], "id": "User", "name": "User",
             "endpoint": "/Users", "description": "A member of the organization",
             "schema": USER_SCHEMA,
             "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"}}]


def schemas(base):
    return [{"schemas": [SCHEMA_SCHEMA], "id": USER_SCHEMA, "name": "User",
             "description": "A member of the organization", "attributes": USER_ATTRIBUTES,
             "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{USER_SCHEMA}"}}]


class ServiceProviderConfig:
    @operation("SCIM service provider configuration", name="scimServiceProviderConfig",
               description="What this SCIM service supports (RFC 7644 §5).", **_DETAILS)
    def on_get(self, req, resp):
        organization_of(req)
        send(req, resp, service_provider_config(base_url(req)))


class _Listing:
    """A discovery list: `documents(base)` as a ListResponse."""

    documents = staticmethod(lambda base: [])

    def respond(self, req, resp):
        organization_of(req)
        found = self.documents(base_url(req))
        send(req, resp, list_response(found, len(found), 1))


class ResourceTypes(_Listing):
    documents = staticmethod(resource_types)

    @operation("SCIM resource types", name="scimResourceTypes",
               description="The resource types served (RFC 7644 §6).", **_DETAILS)
    def on_get(self, req, resp):
        self.respond(req, resp)


class Schemas(_Listing):
    documents = staticmethod(schemas)

    @operation("SCIM schemas", name="scimSchemas",
               description="The schemas of the resources served (RFC 7644 §7).", **_DETAILS)
    def on_get(self, req, resp):
        self.respond(req, resp)
