"""/api/v1/memberships"""
import falcon

from goldenrecord.store import records

from .access import require_scope
from .inputs import Body, Bool, OpaqueId, Uuid
from .listing import paging_query
from .resource import Resource

CREATE = Body(organizationId=Uuid(required=True), userId=Uuid(required=True),
              roleId=OpaqueId(), isOwner=Bool())
UPDATE = Body(roleId=OpaqueId(), isOwner=Bool())
LIST = paging_query(organizationId=Uuid(), userId=Uuid())
_ID = OpaqueId()


def membership_id(value):
    return _ID.clean(value, "id")


class MembershipsResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "memberships", LIST, self.store.memberships.list,
                       records.membership)

    @falcon.before(require_scope("users:create"))
    def on_post(self, req, resp):
        self.create(req, resp, CREATE, self.store.memberships.create, records.membership)


class MembershipResource(Resource):
    @falcon.before(require_scope("users:read"))
    def on_get(self, req, resp, id):
        self.show(req, resp, membership_id(id), self.store.memberships.get, records.membership)

    @falcon.before(require_scope("users:update"))
    def on_put(self, req, resp, id):
        self.update(req, resp, membership_id(id), UPDATE, self.store.memberships.update,
                    records.membership)

    @falcon.before(require_scope("users:delete"))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, membership_id(id), self.store.memberships.delete)
