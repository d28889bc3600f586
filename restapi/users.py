"""/api/v1/users"""
import falcon

from store import records

from .access import require_scope
from .inputs import Body, Bool, Email, Metadata, Text, Url, Uuid, read_json
from .listing import paging_query, respond_with_page
from .resource import Resource, uuid_param
from .responses import created, deleted, ok

_PROFILE = dict(
    firstName=Text(max_length=100, nullable=True),
    lastName=Text(max_length=100, nullable=True),
    avatarUrl=Url(nullable=True),
    metadata=Metadata(),
)
CREATE = Body(email=Email(required=True), **_PROFILE)
UPDATE = Body(email=Email(), isActive=Bool(), **_PROFILE)
LIST = paging_query(search=Text(), organizationId=Uuid())


class UsersResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp):
        caller = req.context.caller
        respond_with_page(
            req, resp, self.cursors, name="users", query=LIST,
            fetch=lambda **kw: self.store.users.list(scope=caller.scope, **kw),
            serialize=records.user,
        )

    @falcon.before(require_scope("users:create"))
    def on_post(self, req, resp):
        fields = CREATE.parse(read_json(req))
        user = self.store.users.create(scope=req.context.caller.scope, **fields)
        created(req, resp, records.user(user))


class UserResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp, id):
        user = self.store.users.get(uuid_param(id), scope=req.context.caller.scope)
        ok(req, resp, records.user(user))

    @falcon.before(require_scope("users:update"))
    def on_put(self, req, resp, id):
        user_id = uuid_param(id)
        changes = UPDATE.parse(read_json(req), partial=True)
        user = self.store.users.update(user_id, changes, scope=req.context.caller.scope)
        ok(req, resp, records.user(user))

    @falcon.before(require_scope("users:delete"))
    def on_delete(self, req, resp, id):
        user = self.store.users.delete(uuid_param(id), scope=req.context.caller.scope)
        deleted(req, resp, user.id)
