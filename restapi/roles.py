"""/api/v1/roles and the permissions each grants"""
from goldenrecord.store import records
from goldenrecord.store.permissions import SLUG as PERMISSION_SLUG

from .inputs import OPAQUE_ID, Body, OpaqueId, Slug, StringList, Text, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource
from .responses import ok
from .schemas import ref

_ORG = dict(description="The one organization the role exists in; absent: every organization",
            example="0b7e2b4e-3c1a-4c53-9d0e-6f1d2a3b4c5d")
LIST = paging_query(organizationId=Uuid(description=(
    "List the roles available in this organization: the system roles, the environment's "
    "and its own. Absent: the roles available in every organization")))
BY_ID = {"id": OpaqueId(description="The role's id")}
_NAME = dict(max_length=100, description="A readable name", example="Auditor")
_DESCRIPTION = dict(max_length=500, min_length=0, nullable=True, description="What the role is for",
                    example="Reads everything, changes nothing")
_REFERENCE = dict(max_length=200, pattern=f"{OPAQUE_ID}|{PERMISSION_SLUG}",
                  pattern_hint="A permission's id (perm_01) or slug (users:read)",
                  readable="a permission's id (`perm_01`) or slug (`users:read`)")
_PERMISSION = Text(description="A permission's id or slug", **_REFERENCE)
_PERMISSIONS = dict(max_items=500, description="The permissions it grants, by id or slug",
                    example=["organizations:read", "users:read"])
CREATE = Body(slug=Slug(required=True, description="Unique in the whole environment",
                        example="auditor"),
              name=Text(required=True, **_NAME), description=Text(**_DESCRIPTION),
              permissions=StringList(_PERMISSION, default=[], **_PERMISSIONS),
              organizationId=Uuid(**_ORG))
UPDATE = Body(name=Text(**_NAME), description=Text(**_DESCRIPTION),
              permissions=StringList(_PERMISSION, **_PERMISSIONS))
GRANT = Body(permission=Text(required=True, example="reports:export",
                             description="The permission to add, by id or slug", **_REFERENCE))
REORDER = Body(roles=StringList(Slug(description="A role's slug"), required=True, max_items=1000,
                                 description="Every role of the order, by slug, highest first",
                                 example=["admin", "billing", "member"]),
               organizationId=Uuid(description=(
                   "Order the roles available in this organization (its own among the "
                   "environment's, which keep their order); absent: the environment's roles")))
REVOKE_PATH = {**BY_ID, "permission_id": OpaqueId(description="The permission's id")}
_EDITABLE = ("System roles are read-only (403 `GR_FORBIDDEN`); an organization-scoped key "
             "changes only its organization's roles (403 `GR_ORG_SCOPE_VIOLATION`).")
_FOUND = ("GR_NOT_FOUND",)


class RolesResource(Resource):
    @operation("List roles with their permissions", name="listRoles", scope="roles:read",
               response="Role", query=LIST, page=True, errors=("GR_ORG_NOT_FOUND",),
               description=(
                   "The roles a membership can hold (`roleId`), each with its permissions, "
                   "in priority order (`PUT /roles/priority`; Admin, then Member, then the "
                   "others as made, until reordered). An organization-scoped key lists "
                   "those available in its organization."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "roles", self.store.roles.list, records.role)

    @operation("Create a role", name="createRole", scope="roles:write", response="Role",
               status=201, body=CREATE,
               errors=("GR_ORG_NOT_FOUND", "GR_NOT_FOUND", "GR_DUPLICATE_ROLE"),
               description=(
                   "A custom role (`isSystem: false`) granting `permissions`. With "
                   "`organizationId` it exists in that organization only, else in every "
                   "one; an organization-scoped key creates roles only in its organization. "
                   "Its slug is unique in the whole environment (409 `GR_DUPLICATE_ROLE`). "
                   "Emits `role.created`."))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.roles.create, records.role)


class RolePriorityResource(Resource):
    @operation("Set the roles' priority order", name="reorderRoles", scope="roles:write",
               response={"type": "array", "items": ref("Role")}, body=REORDER,
               errors=("GR_ORG_NOT_FOUND",), description=(
                   "Ranks roles, highest first, as WorkOS's priority order: roles are listed "
                   "in it and a member of several mapped SCIM groups gets the highest of "
                   "their roles. Without `organizationId` (a global key only) `roles` names "
                   "every system and environment role; with it, every role available in the "
                   "organization, the environment's in their current order (400 naming "
                   "`roles` otherwise) and the organization's own placed among them. Emits "
                   "`role.updated` for each role whose `priority` changed; answers the "
                   "roles of the order, ranked."))
    def on_put(self, req, resp):
        fields = req.context.input
        roles = self.store.roles.reorder(fields["roles"],
                                         organization_id=fields.get("organization_id"),
                                         org_scope=req.context.caller.org_scope)
        ok(req, resp, [records.role(role) for role in roles])


class RoleResource(Resource):
    @operation("Get a role", name="getRole", scope="roles:read", response="Role", path=BY_ID,
               errors=_FOUND, description=(
                   "One role by id, with its permissions. An organization-scoped key sees "
                   "the roles available in its organization."))
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.roles.get, records.role)

    @operation("Change a role", name="updateRole", scope="roles:write", response="Role",
               path=BY_ID, body=UPDATE, partial=True, errors=_FOUND, description=(
                   "Changes `name`, `description` and `permissions` (the whole set); the "
                   "slug and organization stay. " + _EDITABLE + " Emits `role.updated`."))
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.roles.update, records.role)

    @operation("Delete a role", name="deleteRole", scope="roles:write", response="Deleted",
               path=BY_ID, errors=(*_FOUND, "GR_ROLE_IN_USE"), description=(
                   "Refused while memberships hold it (409 `GR_ROLE_IN_USE`, `details."
                   "memberships` says how many). " + _EDITABLE + " Emits `role.deleted`."))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.roles.delete)

    @operation("Grant a permission", name="grantRolePermission", scope="roles:write",
               response="Role", path=BY_ID, body=GRANT, errors=_FOUND, description=(
                   "Adds one permission, by id or slug; one already granted changes nothing. "
                   + _EDITABLE + " Emits `role.updated` when it changed."))
    def on_post_permissions(self, req, resp, id):
        role = self.store.roles.grant(id, req.context.input["permission"],
                                      org_scope=req.context.caller.org_scope)
        ok(req, resp, records.role(role))


class RolePermissionResource(Resource):
    @operation("Take a permission from a role", name="revokeRolePermission",
               scope="roles:write", response="Role", path=REVOKE_PATH, errors=_FOUND,
               description=("Takes one permission away; one the role does not grant changes "
                            "nothing. " + _EDITABLE + " Emits `role.updated` when it changed."))
    def on_delete(self, req, resp, id, permission_id):
        role = self.store.roles.revoke(id, permission_id, org_scope=req.context.caller.org_scope)
        ok(req, resp, records.role(role))
