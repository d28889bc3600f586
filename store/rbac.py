"""Roles and the permissions they grant."""
from collections import defaultdict

from .models import Permission, Role, RolePermission
from .pages import keyset_page


class Rbac:
    def __init__(self, store):
        self._store = store

    def roles(self, *, limit, after=None, org_scope=None):
        """A page of roles, each with `.granted`, its permissions (two queries, not one per role).

        Roles and permissions are global: `org_scope` is accepted and does not narrow them.
        """
        page = keyset_page(Role.select(), Role, limit, after)
        grants = defaultdict(list)
        links = (
            RolePermission.select(RolePermission, Permission)
            .join(Permission)
            .where(RolePermission.role.in_([r.id for r in page.items]))
            .order_by(Permission.created_at, Permission.id)
        )
        for link in links:
            grants[link.role_id].append(link.permission)
        for role in page.items:
            role.granted = grants[role.id]
        return page

    def permissions(self, *, limit, after=None, org_scope=None):
        return keyset_page(Permission.select(), Permission, limit, after)
