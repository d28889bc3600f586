"""/api/v1/roles and /api/v1/permissions"""
import falcon

from goldenrecord.store import records

from .access import require_scope
from .listing import paging_query
from .resource import Resource

LIST = paging_query()


class RolesResource(Resource):
    @falcon.before(require_scope("roles:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "roles", LIST, self.store.rbac.roles, records.role)


class PermissionsResource(Resource):
    @falcon.before(require_scope("permissions:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "permissions", LIST, self.store.rbac.permissions,
                       records.permission)
