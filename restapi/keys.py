"""/api/v1/keys"""
from goldenrecord.store import records
from goldenrecord.store.apikeys import SCOPES, TIERS

from . import schemas
from .inputs import Body, Choice, DateTime, OpaqueId, Query, StringList, Text, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource
from .responses import created

CREATE = Body(
    name=Text(required=True, max_length=100),
    scopes=StringList(Choice(*SCOPES), required=True, min_items=1, max_items=len(SCOPES)),
    organizationId=Uuid(nullable=True),
    tier=Choice(*TIERS),
    allowedIps=StringList(Text(max_length=50, description="An IPv4 or IPv6 address or CIDR range"),
                          max_items=100),
    expiresAt=DateTime(nullable=True, description="Must be in the future"),
)
LIST = paging_query(organizationId=Uuid())
ROTATE = Query(action=Choice("rotate", required=True))
BY_ID = {"id": OpaqueId()}
_FOUND = ("GR_KEY_NOT_FOUND",)


class _KeyResource(Resource):
    def _serialize(self, key):
        return records.api_key(key, self.store.now())


class KeysResource(_KeyResource):
    @operation("List API keys (metadata only)", scope="api_keys:read", response="ApiKey",
               query=LIST, page=True)
    def on_get(self, req, resp):
        self.list_page(req, resp, "keys", self.store.api_keys.list, self._serialize)

    @operation("Create an API key (the plaintext is in this answer only)",
               scope="api_keys:create", response=schemas.CREATED_KEY, status=201, body=CREATE,
               errors=("GR_ORG_NOT_FOUND",))
    def on_post(self, req, resp):
        caller = req.context.caller
        key, plaintext = self.store.api_keys.create(granted_by=caller.key, scope=caller.scope,
                                                    **req.context.input)
        created(req, resp, {**self._serialize(key), "key": plaintext})


class KeyResource(_KeyResource):
    @operation("Get an API key's metadata", scope="api_keys:read", response="ApiKey",
               path=BY_ID, errors=_FOUND)
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.api_keys.get, self._serialize)

    @operation("Rotate an API key: a new key, the old one expires in 7 days",
               scope="api_keys:create", response=schemas.ROTATED, status=201, path=BY_ID,
               query=ROTATE, body=Body(), body_optional=True, errors=_FOUND)
    def on_post(self, req, resp, id):
        caller = req.context.caller
        req.context.input.pop("action")
        old, new, plaintext = self.store.api_keys.rotate(id, scope=caller.scope,
                                                         granted_by=caller.key)
        created(req, resp, {
            "oldKey": {
                "id": old.id,
                "keyPrefix": old.key_prefix,
                "expiresAt": records.timestamp(old.expires_at),
                "message": "Old key will expire in 7 days",
            },
            "newKey": {**self._serialize(new), "key": plaintext},
        })

    @operation("Revoke an API key at once", scope="api_keys:revoke", response="Deleted",
               path=BY_ID, errors=_FOUND)
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.api_keys.revoke)
