"""/api/v1/memberships"""
from goldenrecord.store import records

from .inputs import Body, Bool, OpaqueId, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource
from .responses import ok

_ROLE = dict(example="role_member", description="The member's role (see `GET /api/v1/roles`)")
_OWNER = dict(example=False, description="Whether the member owns the organization")
CREATE = Body(organizationId=Uuid(required=True, description="The organization to join",
                                  example="0b7e2b4e-3c1a-4c53-9d0e-6f1d2a3b4c5d"),
              userId=Uuid(required=True, description="The user who joins",
                          example="5f0c8a1e-7d2b-4e6f-8a9b-1c2d3e4f5a6b"),
              roleId=OpaqueId(default="role_member", **_ROLE),
              isOwner=Bool(default=False, **_OWNER))
UPDATE = Body(roleId=OpaqueId(**_ROLE), isOwner=Bool(**_OWNER))  # absent: unchanged
LIST = paging_query(organizationId=Uuid(description="Only memberships in this organization"),
                    userId=Uuid(description="Only this user's memberships"))
BY_ID = {"id": OpaqueId(description="The membership's id")}
_FOUND = ("GR_NOT_FOUND",)


class MembershipsResource(Resource):
    @operation("List memberships", name="listMemberships", scope="users:read",
               response="Membership", query=LIST, page=True, description=(
                   "Memberships with their user, organization and role, oldest first, a page "
                   "at a time. An organization-scoped key sees its organization's only."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "memberships", self.store.memberships.list, records.membership,
                       encoded=True)

    @operation("Add a user to an organization", name="createMembership", scope="users:create",
               response="Membership",
               status=201, body=CREATE, errors=("GR_ORG_NOT_FOUND", "GR_USER_NOT_FOUND",
                                                "GR_NOT_FOUND", "GR_DUPLICATE_MEMBERSHIP"),
               description="An organization-scoped key adds to its organization only users who "
                           "belong to no other organization (403 `GR_ORG_SCOPE_VIOLATION`, "
                           "field `userId`); a global key adds anyone. A user belongs to an "
                           "organization at most once (409 `GR_DUPLICATE_MEMBERSHIP`). Emits "
                           "`membership.created`.")
    def on_post(self, req, resp):
        self.create(req, resp, self.store.memberships.create, records.membership)


class MembershipResource(Resource):
    @operation("Get a membership", name="getMembership", scope="users:read",
               response="Membership", path=BY_ID, errors=_FOUND,
               description="One membership by id, with its user, organization and role.")
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.memberships.get, records.membership)

    @operation("Change a member's role or owner flag", name="updateMembership",
               scope="users:update", response="Membership", path=BY_ID, body=UPDATE,
               partial=True, errors=(*_FOUND, "GR_VALIDATION_ERROR"), description=(
                   "Changes the fields given and leaves the others. `roleId` must name a role "
                   "available in the membership's organization (a system or environment role, "
                   "or one of its own): another organization's role is 400 naming `roleId`. "
                   "Emits `membership.updated` when something changed."))
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.memberships.update, records.membership)

    @operation("Remove a member", name="deleteMembership", scope="users:delete",
               response="Deleted", path=BY_ID, errors=_FOUND, description=(
                   "Removes the user from the organization (both stay). Emits "
                   "`membership.deleted`."))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.memberships.delete)

    @operation("Deactivate a membership", name="deactivateMembership", scope="users:update",
               response="Membership", path=BY_ID, errors=_FOUND, description=(
                   "Sets `status` to `inactive`: the member stays, with their role, but the "
                   "membership grants nothing (the authorization check answers false) until "
                   "reactivated. Emits `membership.updated` when it changed."))
    def on_post_deactivate(self, req, resp, id):
        self._set_status(req, resp, id, "inactive")

    @operation("Reactivate a membership", name="reactivateMembership", scope="users:update",
               response="Membership", path=BY_ID, errors=_FOUND, description=(
                   "Sets `status` back to `active`. Emits `membership.updated` when it "
                   "changed."))
    def on_post_reactivate(self, req, resp, id):
        self._set_status(req, resp, id, "active")

    def _set_status(self, req, resp, id, status):
        membership = self.store.memberships.set_status(id, status,
                                                       org_scope=req.context.caller.org_scope)
        ok(req, resp, records.membership(membership))
