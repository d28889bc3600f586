"""/api/v1/keys"""
import falcon

from goldenrecord.store import records

from .access import require_scope
from .errors import ApiError
from .inputs import Body, DateTime, OpaqueId, StringList, Text, Uuid, read_json
from .listing import paging_query
from .resource import Resource
from .responses import created

CREATE = Body(
    name=Text(required=True, max_length=100),
    scopes=StringList(Text(max_length=50), required=True, min_items=1, max_items=20),
    organizationId=Uuid(nullable=True),
    tier=Text(max_length=20),
    allowedIps=StringList(Text(max_length=50), max_items=100),
    expiresAt=DateTime(nullable=True),
)
LIST = paging_query(organizationId=Uuid())
_ID = OpaqueId()


class _KeyResource(Resource):
    def _serialize(self, key):
        return records.api_key(key, self.store.now())


class KeysResource(_KeyResource):
    @falcon.before(require_scope("api_keys:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "keys", LIST, self.store.api_keys.list, self._serialize)

    @falcon.before(require_scope("api_keys:create"))
    def on_post(self, req, resp):
        caller = req.context.caller
        fields = CREATE.parse(read_json(req))
        key, plaintext = self.store.api_keys.create(granted_by=caller.key, scope=caller.scope, **fields)
        created(req, resp, {**self._serialize(key), "key": plaintext})


class KeyResource(_KeyResource):
    @falcon.before(require_scope("api_keys:read"))
    def on_get(self, req, resp, id):
        self.show(req, resp, _ID.clean(id, "id"), self.store.api_keys.get, self._serialize)

    @falcon.before(require_scope("api_keys:create"))
    def on_post(self, req, resp, id):
        """POST /keys/:id?action=rotate — the only action a key has."""
        action = req.get_param("action")
        if action != "rotate" or set(req.params) != {"action"}:
            raise ApiError.validation("action", "The only action on a key is ?action=rotate")
        read_json(req, optional=True)
        caller = req.context.caller
        old, new, plaintext = self.store.api_keys.rotate(_ID.clean(id, "id"), scope=caller.scope,
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

    @falcon.before(require_scope("api_keys:revoke"))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, _ID.clean(id, "id"), self.store.api_keys.revoke)
