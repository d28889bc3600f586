"""Roles: named sets of permissions that memberships hold.

Three kinds, told apart by two columns: the system roles (`is_system`, the reference's Admin
and Member, read-only), environment roles (no organization: available in every
organization) and organization roles (`organization_id`: available there only). A role's
slug is unique in the whole environment (see migration m0016 for why). Roles are listed in
priority order (store/priorities.py).
"""
from collections import defaultdict

from . import records
from .db import write_transaction
from .errors import Conflict, Forbidden, Invalid, NotFound, OutOfScope
from .events import EVERY_ORGANIZATION
from . import priorities
from .models import (Invitation, Membership, Organization, OrganizationDomain, Permission, Role,
                     RolePermission, ScimGroup)
from .organizations import check_org_scope
from .pages import ordered_page


def available_in(role, organization_id):
    """Whether a membership of `organization_id` may hold `role`."""
    return role.organization_id is None or role.organization_id == organization_id


def check_available(role, organization_id, field="roleId"):
    """Refuse a role of another organization for a membership of `organization_id`."""
    if not available_in(role, organization_id):
        raise Invalid(field, f"Role '{role.slug}' belongs to another organization: a "
                             "membership holds a system role, an environment role or a role "
                             "of its own organization")


_NOUNS = {"memberships": "membership", "invitations": "open invitation",
          "domains": "auto-join domain", "groups": "mapped group"}


def _users_of(role):
    """{kind: how many} of what holds `role` or would give it to a new member: memberships,
    invitations that can still be accepted or resent (pending or expired), verified
    domains' `auto` join policies and SCIM groups mapped to it. Only the kinds there are
    some of."""
    counts = {
        "memberships": Membership.select().where(Membership.role == role.id).count(),
        "invitations": Invitation.select().where(
            Invitation.role == role.id, Invitation.state.in_(("pending", "expired"))).count(),
        "domains": OrganizationDomain.select().where(
            OrganizationDomain.role == role.id,
            OrganizationDomain.join_policy == "auto").count(),
        "groups": ScimGroup.select().where(ScimGroup.role == role.id).count(),
    }
    return {kind: n for kind, n in counts.items() if n}


def _in_use(users):
    """What `_users_of` found, in words: "is held by 2 memberships and would be given by 1
    open invitation"."""
    def named(kinds):
        return ", ".join(f"{users[k]} {_NOUNS[k]}{'s' if users[k] != 1 else ''}"
                         for k in kinds if k in users)
    parts = []
    if "memberships" in users:
        parts.append(f"is held by {named(['memberships'])}")
    if set(users) - {"memberships"}:
        parts.append(f"would be given by {named(['invitations', 'domains', 'groups'])}")
    return " and ".join(parts)


def with_grants(roles):
    """`roles`, each with `.granted`, its permissions in the permissions' list order
    (built-in first, then oldest first; one query for all)."""
    grants = defaultdict(list)
    links = (RolePermission.select(RolePermission, Permission).join(Permission)
             .where(RolePermission.role.in_([r.id for r in roles]))
             .order_by(Permission.is_system.desc(), Permission.created_at, Permission.id))
    for link in links:
        grants[link.role_id].append(link.permission)
    for role in roles:
        role.granted = grants[role.id]
    return roles


class Roles:
    def __init__(self, store):
        self._store = store

    def list(self, *, limit, after=None, organization_id=None, org_scope=None):
        """A page of the roles available in `organization_id` (system, environment and its
        own), or without one the roles available everywhere (system and environment).
        An organization-scoped caller lists its own organization's. In priority order."""
        check_org_scope(organization_id, org_scope)
        organization_id = organization_id or org_scope
        query = Role.select().where(Role.organization.is_null())
        if organization_id is not None:
            if Organization.first_by("id", organization_id) is None:
                raise NotFound("organization", organization_id, "organizationId")
            query = Role.select().where(Role.organization.is_null()
                                        | (Role.organization == organization_id))
        page = ordered_page(list(query), _position, limit, after)
        with_grants(page.items)
        return page

    def get(self, role_id, *, org_scope=None):
        """The role, with its permissions, if the caller's organization may see it."""
        role = Role.first_by("id", role_id)
        if role is None:
            raise NotFound("role", role_id)
        if org_scope is not None and not available_in(role, org_scope):
            raise OutOfScope("This role belongs to a different organization")
        return with_grants([role])[0]

    def create(self, *, slug, name, description=None, permissions=(), organization_id=None,
               org_scope=None):
        """A custom role granting `permissions` (ids or slugs), in `organization_id` only,
        or without one in every organization. An organization-scoped caller creates roles
        in its own organization only."""
        if org_scope is not None and organization_id is None:
            raise OutOfScope("An organization-scoped API key creates roles only in its own "
                             "organization: give organizationId", field="organizationId")
        check_org_scope(organization_id, org_scope)
        now = self._store.now()
        with write_transaction():
            if organization_id is not None and Organization.first_by("id", organization_id) is None:
                raise NotFound("organization", organization_id, "organizationId")
            granted = self._store.permissions.resolve(permissions, "permissions")
            if Role.first_by("slug", slug) is not None:
                raise Conflict("slug", f"A role with slug '{slug}' already exists", resource="role")
            priority = (priorities.next_for_organization(organization_id) if organization_id
                        else priorities.next_for_environment())
            role = Role.create(id=self._store.new_id("role"), slug=slug, name=name,
                               description=description, is_system=False,
                               organization=organization_id, created_at=now, priority=priority)
            _grant(role, granted)
            return self._emit("role.created", role)

    def update(self, role_id, changes, *, org_scope=None):
        """Change `name`, `description` and/or `permissions` (the whole set, replaced);
        emits role.updated when something changed."""
        with write_transaction():
            role = self._editable(role_id, org_scope)
            changes = dict(changes)
            regranted = False
            if "permissions" in changes:
                granted = self._store.permissions.resolve(changes.pop("permissions"),
                                                          "permissions")
                if {p.id for p in granted} != {p.id for p in role.granted}:
                    RolePermission.delete().where(RolePermission.role == role.id).execute()
                    _grant(role, granted)
                    regranted = True
            changes = role.differing(changes)
            role.apply(changes, self._store.now())
            if changes or regranted:
                return self._emit("role.updated", role)
            return role

    def delete(self, role_id, *, org_scope=None):
        """Delete the role; refused while a membership holds it, an open invitation or an
        `auto` join policy would give it (Conflict, with how many of each)."""
        with write_transaction():
            role = self._editable(role_id, org_scope)
            users = _users_of(role)
            if users:
                raise Conflict(None, f"Role '{role.slug}' {_in_use(users)}; give them another "
                                     "role first", resource="role", details=users)
            self._emit("role.deleted", role)
            role.delete_instance()
            return role

    def grant(self, role_id, permission, *, org_scope=None):
        """Add one permission (id or slug) to the role; granting it again changes nothing."""
        with write_transaction():
            role = self._editable(role_id, org_scope)
            [found] = self._store.permissions.resolve([permission], "permission")
            if _grant(role, [found]):
                return self._emit("role.updated", role)
            return with_grants([role])[0]

    def revoke(self, role_id, permission_id, *, org_scope=None):
        """Take one permission from the role; one it does not grant changes nothing."""
        with write_transaction():
            role = self._editable(role_id, org_scope)
            self._store.permissions.get(permission_id)
            removed = RolePermission.delete().where(RolePermission.role == role.id,
                                                    RolePermission.permission == permission_id
                                                    ).execute()
            if removed:
                return self._emit("role.updated", role)
            return with_grants([role])[0]

    def reorder(self, slugs, *, organization_id=None, org_scope=None):
        """Set the priority order: of the environment's roles (no `organization_id`; a
        global caller only) or of the roles available in `organization_id` (its own roles
        placed among the environment's, which keep their order). Emits role.updated for
        each role whose priority changed, and recomputes the roles that mapped groups give
        where the order decides them; returns the roles of that order, ranked."""
        with write_transaction():
            if organization_id is not None and Organization.first_by("id", organization_id) is None:
                raise NotFound("organization", organization_id, "organizationId")
            moves = priorities.new_order(slugs, organization_id, org_scope)
            now = self._store.now()
            for role, priority in moves.items():
                role.apply({"priority": priority}, now)
                self._emit("role.updated", role)
            if moves:
                self._store.group_roles.recompute_ranked(organization_id)
            roles = (priorities.roles_available_in(organization_id) if organization_id
                     else priorities.shared_roles())
            return with_grants(priorities.ranked(roles))

    def _editable(self, role_id, org_scope):
        role = self.get(role_id, org_scope=org_scope)
        if role.is_system:
            raise Forbidden(f"Role '{role.slug}' is a system role and cannot be changed or deleted")
        if org_scope is not None and role.organization_id != org_scope:
            raise OutOfScope(f"Role '{role.slug}' is available in every organization: an "
                             "organization-scoped API key changes only its organization's roles")
        return role

    def _emit(self, event_type, role):
        """Emit the event with the role as it stands (its permissions included); the role."""
        with_grants([role])
        concerns = [role.organization_id] if role.organization_id else [EVERY_ORGANIZATION]
        self._store.events.emit(event_type, records.role(role), concerns)
        return role


def _position(role):
    """A role's place in priority order as the cursor carries it (two strings)."""
    return (f"{role.priority:012d}{Role.created_at.db_value(role.created_at)}", role.id)


def _grant(role, permissions):
    """Insert the grants the role lacks; how many were new."""
    held = {link.permission_id
            for link in RolePermission.select().where(RolePermission.role == role.id)}
    rows = [{"role": role.id, "permission": p.id} for p in permissions if p.id not in held]
    if rows:
        RolePermission.insert_many(rows).execute()
    return len(rows)
