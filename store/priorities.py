"""Role priority: the order WorkOS lists roles in, and the one that ranks mapped groups' roles.

One number per role, lower ranking higher. The environment's roles (system and environment
roles, which every organization shares) sit at multiples of STEP; an organization's own
roles sit in the gaps, each just below the environment role it follows (or above all of
them, below STEP). So one sort of the numbers gives every organization its own order, and
an organization reordering its roles never moves another organization's:

- the environment's order is set without an organization (a global key only): its roles
  are renumbered STEP, 2·STEP, ... and every organization role moves with the environment
  role it followed, keeping its place in its gap;
- an organization's order is set with its id: the environment roles must keep their order
  (an organization cannot reorder what every organization shares) and its own roles are
  numbered into the gaps where the list puts them.

A new environment role goes below every role; a new organization role below every role of
its organization. Admin ranks first and Member second (migration m0024).
"""
from .errors import Invalid, OutOfScope
from .models import Role
from .organizations import check_org_scope

STEP = 1000
MOST_IN_A_GAP = STEP - 1


def order_key(role):
    """How `role` sorts among others: priority, then age, then id (ties only by accident)."""
    return (role.priority, role.created_at, role.id)


def ranked(roles):
    return sorted(roles, key=order_key)


def shared_roles():
    return list(Role.select().where(Role.organization.is_null()))


def roles_available_in(organization_id):
    """The roles a membership of `organization_id` may hold: shared and its own."""
    return list(Role.select().where(Role.organization.is_null()
                                    | (Role.organization == organization_id)))


def next_for_environment():
    """The priority of a new environment role: below every role there is."""
    highest = max((role.priority for role in Role.select(Role.priority)), default=0)
    return (highest // STEP + 1) * STEP


def next_for_organization(organization_id):
    """The priority of a new role of `organization_id`: below every role available there."""
    return max((role.priority for role in roles_available_in(organization_id)), default=0) + 1


def new_order(slugs, organization_id=None, org_scope=None):
    """{role: new priority} for the order `slugs` names, for the environment (no
    `organization_id`) or one organization: only the roles whose number changes. Raises
    Invalid naming `roles` for a list that is not exactly the roles in that scope, or that
    reorders the environment's roles within an organization."""
    if organization_id is None and org_scope is not None:
        raise OutOfScope("An organization-scoped API key orders only its organization's roles: "
                         "give organizationId", field="organizationId")
    check_org_scope(organization_id, org_scope)
    if organization_id is None:
        roles = _named(slugs, shared_roles())
        return _changed(_environment_order(roles))
    roles = _named(slugs, roles_available_in(organization_id))
    return _changed(_organization_order(roles))


def _named(slugs, roles):
    """`roles` in the order of `slugs`, which must name each of them once."""
    by_slug = {role.slug: role for role in roles}
    if len(set(slugs)) != len(slugs):
        raise Invalid("roles", "Each role may be named once")
    unknown = [slug for slug in slugs if slug not in by_slug]
    if unknown:
        raise Invalid("roles", f"'{unknown[0]}' is not a role of this order")
    missing = sorted(set(by_slug) - set(slugs))
    if missing:
        raise Invalid("roles", f"The order must name every role in it: '{missing[0]}' is "
                               "missing", details={"missing": missing})
    return [by_slug[slug] for slug in slugs]


def _environment_order(roles):
    """The shared roles renumbered in `roles`' order, each organization role kept at its
    place below the shared role it followed."""
    before = ranked(roles)
    renumbered = {role.id: STEP * position for position, role in enumerate(roles, start=1)}
    moves = [(role, renumbered[role.id]) for role in roles]
    anchors = [(role.priority, renumbered[role.id]) for role in before]
    for role in Role.select().where(Role.organization.is_null(False)):
        old_anchor, new_anchor = max(((old, new) for old, new in anchors if old <= role.priority),
                                     default=(0, 0))
        moves.append((role, new_anchor + role.priority - old_anchor))
    return moves


def _organization_order(roles):
    """The organization's own roles numbered into the gaps below the shared role each
    follows in `roles`; the shared roles must be in their current order."""
    shared = [role for role in roles if role.organization_id is None]
    if shared != ranked(shared):
        raise Invalid("roles", "The environment's roles keep the environment's order in every "
                               "organization: reorder them without organizationId")
    moves, anchor, in_gap = [], 0, 0
    for role in roles:
        if role.organization_id is None:
            anchor, in_gap = role.priority, 0
            continue
        in_gap += 1
        if in_gap > MOST_IN_A_GAP:
            raise Invalid("roles", f"At most {MOST_IN_A_GAP} of the organization's roles "
                                   "between two of the environment's")
        moves.append((role, anchor + in_gap))
    return moves


def _changed(moves):
    return {role: priority for role, priority in moves if role.priority != priority}
