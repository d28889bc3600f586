"""/api/v1/roles and /api/v1/permissions"""
from goldenrecord.store import records

from .listing import paging_query
from .operations import operation
from .resource import Resource

LIST = paging_query()


class RolesResource(Resource):
    @operation("List roles with their permissions", name="listRoles", scope="roles:read",
               response="Role", query=LIST, page=True, description=(
                   "The roles a membership can hold (`roleId`), each with its permissions."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "roles", self.store.rbac.roles, records.role)


class PermissionsResource(Resource):
    @operation("List permissions", name="listPermissions", scope="permissions:read",
               response="Permission", query=LIST, page=True, description=(
                   "Every permission, `resource:action`, that roles are made of."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "permissions", self.store.rbac.permissions, records.permission)
