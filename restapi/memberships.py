"""/api/v1/memberships"""
import falcon

from store import records

from .access import require_scope
from .inputs import Body, Bool, OpaqueId, Uuid, read_json
from .listing import paging_query, respond_with_page
from .resource import Resource
from .responses import created, deleted, ok

CREATE = Body(organizationId=Uuid(required=True), userId=Uuid(required=True),
              roleId=OpaqueId(), isOwner=Bool())
UPDATE = Body(roleId=OpaqueId(), isOwner=Bool())
LIST = paging_query(organizationId=Uuid(), userId=Uuid())
_ID = OpaqueId()


class MembershipsResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp):
        caller = req.context.caller
        respond_with_page(
            req, resp, self.cursors, name="memberships", query=LIST,
            fetch=lambda **kw: self.store.memberships.list(scope=caller.scope, **kw),
            serialize=records.membership,
        )

    @falcon.before(require_scope("users:create"))
    def on_post(self, req, resp):
        fields = CREATE.parse(read_json(req))
        membership = self.store.memberships.create(scope=req.context.caller.scope, **fields)
        created(req, resp, records.membership(membership))


class MembershipResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp, id):
        membership = self.store.memberships.get(_ID.clean(id, "id"), scope=req.context.caller.scope)
        ok(req, resp, records.membership(membership))

    @falcon.before(require_scope("users:update"))
    def on_put(self, req, resp, id):
        membership_id = _ID.clean(id, "id")
        changes = UPDATE.parse(read_json(req), partial=True)
        membership = self.store.memberships.update(membership_id, changes,
                                                   scope=req.context.caller.scope)
        ok(req, resp, records.membership(membership))

    @falcon.before(require_scope("users:delete"))
    def on_delete(self, req, resp, id):
        membership = self.store.memberships.delete(_ID.clean(id, "id"),
                                                   scope=req.context.caller.scope)
        deleted(req, resp, membership.id)
