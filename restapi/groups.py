"""/api/v1/organizations/:id/groups: the SCIM groups an identity provider keeps, as the
Golden Record API sees them — listed, and mapped to the role their members get (the groups
and their members themselves are the IdP's, at /scim/v2/Groups)."""
from goldenrecord.store import records

from .inputs import Body, OpaqueId, Uuid
from .listing import paging_query, respond_with_page
from .operations import operation
from .resource import Resource
from .responses import ok

ORG = {"id": Uuid(description="The organization's id")}
BY_ID = {**ORG, "group_id": Uuid(description="The group's id (its SCIM id)")}
MAP = Body(roleId=OpaqueId(required=True, nullable=True, example="role_admin", description=(
    "The role the group's members get: a system role, an environment role or one of the "
    "organization's; null unmaps the group")))
_FOUND = ("GR_ORG_NOT_FOUND", "GR_NOT_FOUND")


def _shown(group):
    return records.group(group, group.member_count)


class GroupsResource(Resource):
    @operation("List an organization's SCIM groups", name="listGroups", scope="users:read",
               response="GroupWithCount", path=ORG, query=paging_query(), page=True,
               errors=_FOUND, description=(
                   "The groups the organization's identity provider keeps through SCIM, "
                   "oldest first, each with the role it is mapped to (`roleId`) and how "
                   "many members it has. An organization-scoped key lists its own "
                   "organization's only."))
    def on_get(self, req, resp, id):
        org_scope = req.context.caller.org_scope
        respond_with_page(req, resp, self.cursors, name=f"groups:{id}", serialize=_shown,
                          fetch=lambda **kw: self.store.scim_groups.page(
                              id, org_scope=org_scope, **kw))


class GroupResource(Resource):
    @operation("Map a SCIM group to a role", name="updateGroup", scope="users:update",
               response="GroupWithCount", path=BY_ID, body=MAP, errors=_FOUND, description=(
                   "Sets the role the group's members get (`roleId`, null: none). An active "
                   "member of mapped groups holds the highest-priority of their roles, and it "
                   "cannot be changed by hand (`roleSource: group`); leaving the last mapped "
                   "group returns a role the groups gave to Member. A role of another "
                   "organization is 400 naming `roleId`. Emits `group.updated` and a "
                   "`membership.updated` for each member whose role changed."))
    def on_put(self, req, resp, id, group_id):
        group = self.store.group_roles.set_role(id, group_id, req.context.input["role_id"],
                                                org_scope=req.context.caller.org_scope)
        ok(req, resp, _shown(group))
