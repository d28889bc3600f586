"""/api/v1/keys"""
from goldenrecord.store import records
from goldenrecord.store.apikeys import SCOPES, TIERS

from . import schemas
from .inputs import Body, Choice, DateTime, OpaqueId, Query, StringList, Text, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource
from .responses import created, deleted

CREATE = Body(
    name=Text(required=True, max_length=100, description="What the key is for",
              example="CRM sync"),
    scopes=StringList(Choice(*SCOPES), required=True, min_items=1, max_items=len(SCOPES),
                      description="What the key may do", example=["organizations:read"]),
    organizationId=Uuid(nullable=True, default=None, description=(
        "Confine the key to this organization; null: every organization")),
    tier=Choice(*TIERS, default="free", description="Its rate-limit tier", example="pro"),
    allowedIps=StringList(Text(max_length=50, description="An IPv4 or IPv6 address or CIDR range"),
                          max_items=100, example=["203.0.113.0/24"], description=(
                              "Addresses it may be used from; not given: the creating key's")),
    expiresAt=DateTime(nullable=True, description=(
        "When it stops working, in the future; not given: when the creating key does")),
)
LIST = paging_query(organizationId=Uuid(description="Only keys confined to this organization"))
ROTATE = Query(action=Choice("rotate", required=True, description="Always `rotate`"))
BY_ID = {"id": OpaqueId(description="The key's id (not the key itself)")}
_FOUND = ("GR_KEY_NOT_FOUND",)
GRANT_BOUNDS = (
    "A key grants no more than it holds (403 `GR_FORBIDDEN` naming the field): `scopes` within "
    "its own, its own organization, `tier` at most its own, `allowedIps` each inside one of its "
    "own ranges (not given: its own; an empty list is refused when it has some), `expiresAt` "
    "no later than its own (not given: its own; `null` is refused when it expires). A global "
    "`*:*` key is bound only by its own allowedIps and expiry.")


class _KeyResource(Resource):
    def _serialize(self, key):
        return records.api_key(key, self.store.now())


class KeysResource(_KeyResource):
    @operation("List API keys (metadata only)", name="listKeys", scope="api_keys:read",
               response="ApiKey", query=LIST, page=True, description=(
                   "Keys' metadata, oldest first, a page at a time: never a key itself, which "
                   "is stored only as a hash."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "keys", self.store.api_keys.list, self._serialize)

    @operation("Create an API key (the plaintext is in this answer only)", name="createKey",
               scope="api_keys:create", response=schemas.CREATED_KEY, status=201, body=CREATE,
               errors=("GR_ORG_NOT_FOUND",), description=GRANT_BOUNDS)
    def on_post(self, req, resp):
        caller = req.context.caller
        key, plaintext = self.store.api_keys.create(
            granted_by=caller.key, org_scope=caller.org_scope, **req.context.input)
        created(req, resp, {**self._serialize(key), "key": plaintext})


class KeyResource(_KeyResource):
    @operation("Get an API key's metadata", name="getKey", scope="api_keys:read",
               response="ApiKey", path=BY_ID, errors=_FOUND,
               description="One key's metadata by id; never the key itself.")
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.api_keys.get, self._serialize)

    @operation("Rotate an API key: a new key, the old one expires in 7 days", name="rotateKey",
               scope="api_keys:create", response=schemas.ROTATED, status=201, path=BY_ID,
               query=ROTATE, body=Body(), body_optional=True, errors=_FOUND,
               description="A key may rotate itself; only a global `*:*` key rotates another "
                           "(403 `GR_FORBIDDEN`, field `id`). The copy must lie within the "
                           "rotating key's tier, allowedIps and expiry, as for a key it creates.")
    def on_post(self, req, resp, id):
        caller = req.context.caller
        req.context.input.pop("action")
        old, new, plaintext = self.store.api_keys.rotate(id, org_scope=caller.org_scope,
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

    @operation("Revoke an API key at once", name="revokeKey", scope="api_keys:revoke",
               response="Deleted",
               path=BY_ID, errors=_FOUND,
               description="Only a key holding every scope of the key it revokes (`*:*` holds "
                           "all) may revoke it; otherwise 403 `GR_FORBIDDEN`, field `id`.")
    def on_delete(self, req, resp, id):
        caller = req.context.caller
        key = self.store.api_keys.revoke(id, org_scope=caller.org_scope, revoked_by=caller.key)
        deleted(req, resp, key.id)
