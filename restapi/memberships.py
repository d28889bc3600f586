"""/api/v1/memberships"""
from goldenrecord.store import records

from .inputs import Body, Bool, OpaqueId, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource

CREATE = Body(organizationId=Uuid(required=True), userId=Uuid(required=True),
              roleId=OpaqueId(), isOwner=Bool())
UPDATE = Body(roleId=OpaqueId(), isOwner=Bool())
LIST = paging_query(organizationId=Uuid(), userId=Uuid())
BY_ID = {"id": OpaqueId()}
_FOUND = ("GR_NOT_FOUND",)


class MembershipsResource(Resource):
    @operation("List memberships", scope="users:read", response="Membership", query=LIST,
               page=True)
    def on_get(self, req, resp):
        self.list_page(req, resp, "memberships", self.store.memberships.list, records.membership)

    @operation("Add a user to an organization", scope="users:create", response="Membership",
               status=201, body=CREATE, errors=("GR_ORG_NOT_FOUND", "GR_USER_NOT_FOUND",
                                                "GR_NOT_FOUND", "GR_DUPLICATE_MEMBERSHIP"),
               description="An organization-scoped key adds to its organization only users who "
                           "belong to no other organization (403 `GR_ORG_SCOPE_VIOLATION`, "
                           "field `userId`); a global key adds anyone.")
    def on_post(self, req, resp):
        self.create(req, resp, self.store.memberships.create, records.membership)


class MembershipResource(Resource):
    @operation("Get a membership", scope="users:read", response="Membership", path=BY_ID,
               errors=_FOUND)
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.memberships.get, records.membership)

    @operation("Change a member's role or owner flag", scope="users:update",
               response="Membership", path=BY_ID, body=UPDATE, partial=True, errors=_FOUND)
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.memberships.update, records.membership)

    @operation("Remove a member", scope="users:delete", response="Deleted", path=BY_ID,
               errors=_FOUND)
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.memberships.delete)
