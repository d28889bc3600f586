"""The authorization check: may this user do this in this organization?

Asked on every request of the applications that rely on Golden Record, so it answers from
memory while nothing it reads has changed, under the same rule as every cached read
(store/changes.py): a membership's standing is kept per (user, organization) under the
change counters of users, organizations and memberships, and what every role grants is
kept whole under those of roles, grants and permissions. A change through this server is
seen by the next check; one by another process at the next poll of the commit watch.
"""
from typing import NamedTuple

from .cache import GenerationCache
from .db import database
from .errors import NotFound
from .organizations import check_org_scope

# The tables each kept answer comes from: a change to any of them makes it stale.
STANDING_TABLES = ("user", "organization", "membership")
GRANT_TABLES = ("role", "role_permission", "permission")
# (user, organization) standings kept: one per membership of a 100,000-membership directory,
# about 0.45 KiB each (45 MiB when full, measured with tracemalloc).
STANDINGS_CACHED = 100_000

_STANDING = ("SELECT (SELECT is_active FROM user WHERE id = ?1), "
             "(SELECT is_active FROM organization WHERE id = ?2), m.role_id, m.status "
             "FROM (SELECT 1) LEFT JOIN membership m "
             "ON m.user_id = ?1 AND m.organization_id = ?2")
_GRANTS = ("SELECT rp.role_id, p.slug FROM role_permission rp "
           "JOIN permission p ON p.id = rp.permission_id "
           "ORDER BY p.is_system DESC, p.created_at, p.id")


class Standing(NamedTuple):
    """A user's place in an organization, as far as the check cares."""

    role_id: str | None  # the membership's role; None: not a member
    active: bool  # the user, the organization and the membership are all active


class RoleGrant(NamedTuple):
    """A role as the check names it, with the permission slugs it grants (in GET /permissions' order).
    `memo` keeps what callers made of it (an encoding), for as long as it is current."""

    id: str
    name: str
    slug: str
    slugs: tuple
    memo: dict


class Grants(NamedTuple):
    roles: dict  # role id -> RoleGrant
    permissions: frozenset  # every permission slug there is


class Authorization:
    def __init__(self, store):
        self._store = store
        self._standings = GenerationCache(STANDINGS_CACHED)
        self._grants = GenerationCache(1)

    def check(self, user_id, organization_id, permission, *, org_scope=None):
        """(authorized, RoleGrant or None): whether the user may do `permission` (a slug)
        in the organization, and the role their membership holds (None: not a member).

        False unless the user, the organization and the membership are all active and
        the role grants the permission; owning the organization adds nothing to its role.
        NotFound for an unknown user, organization or permission; OutOfScope when a caller
        confined to `org_scope` asks about another organization.
        """
        standing, grants = self._look_up(user_id, organization_id, org_scope)
        if permission not in grants.permissions:
            raise NotFound("permission", permission, "permission")
        role = grants.roles.get(standing.role_id)
        return standing.active and role is not None and permission in role.slugs, role

    def effective(self, user_id, organization_id, *, org_scope=None):
        """The permission slugs the user holds in the organization now (empty when the
        check would say false to every one)."""
        standing, grants = self._look_up(user_id, organization_id, org_scope)
        role = grants.roles.get(standing.role_id)
        return role.slugs if standing.active and role is not None else ()

    def _look_up(self, user_id, organization_id, org_scope):
        check_org_scope(organization_id, org_scope)
        standing = self._standings.get_or_make(
            (user_id, organization_id), self._store.changes.generation(STANDING_TABLES),
            lambda: _standing(user_id, organization_id))
        grants = self._grants.get_or_make("all", self._store.changes.generation(GRANT_TABLES),
                                          _grants)
        return standing, grants


def _standing(user_id, organization_id):
    user_active, org_active, role_id, status = database.connection().execute(
        _STANDING, (user_id, organization_id)).fetchone()
    if user_active is None:
        raise NotFound("user", user_id, "userId")
    if org_active is None:
        raise NotFound("organization", organization_id, "organizationId")
    return Standing(role_id, bool(user_active) and bool(org_active) and status == "active")


def _grants():
    connection = database.connection()
    slugs = {}
    for role_id, slug in connection.execute(_GRANTS):
        slugs.setdefault(role_id, []).append(slug)
    roles = {role_id: RoleGrant(role_id, name, slug, tuple(slugs.get(role_id, ())), {})
             for role_id, name, slug in connection.execute("SELECT id, name, slug FROM role")}
    permissions = frozenset(row[0] for row in connection.execute("SELECT slug FROM permission"))
    return Grants(roles, permissions)
