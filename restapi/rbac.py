"""/api/v1/roles and /api/v1/permissions"""
import falcon

from store import records

from .access import require_scope
from .listing import paging_query, respond_with_page
from .resource import Resource

LIST = paging_query()


class RolesResource(Resource):
    @falcon.before(require_scope("roles:read"))
    def on_get(self, req, resp):
        respond_with_page(req, resp, self.cursors, name="roles", query=LIST,
                          fetch=self.store.rbac.roles, serialize=records.role)


class PermissionsResource(Resource):
    @falcon.before(require_scope("permissions:read"))
    def on_get(self, req, resp):
        respond_with_page(req, resp, self.cursors, name="permissions", query=LIST,
                          fetch=self.store.rbac.permissions, serialize=records.permission)
