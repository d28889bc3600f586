"""The roles SCIM groups give: a group mapped to a role gives it to its members.

The identity provider is the authority while it groups a member: an active member of one or
more mapped groups holds the highest-ranked of their roles (store/priorities.py), marked
`role_source = "group"`, and that role cannot be changed by hand (store/memberships.py).
When the member is in no mapped group any more — left it, the group was deleted or
unmapped, or the membership was deactivated — a role the groups gave goes back to the
organization's default (Member); a role set by hand (`manual`) is left alone, as the groups
never gave it.

Every cause (group members, a group deleted, a mapping, the priority order, a membership
(de)activated) calls `recompute` inside its own write transaction, so each role change,
its `membership.updated` event and its audit entry commit with the cause or not at all.
"""
from . import records
from .db import write_transaction
from .errors import NotFound
from .memberships import DEFAULT_ROLE_ID, find_role
from .models import Membership, Role, ScimGroup, ScimGroupMember
from .priorities import order_key
from .organizations import check_org_scope

_CHUNK = 500  # ids per IN (…): well under SQLite's bound on parameters


class GroupRoles:
    def __init__(self, store):
        self._store = store

    def set_role(self, organization_id, group_id, role_id, *, org_scope=None):
        """Map the group to `role_id` (None: unmap) and give its members their roles, in
        one write transaction; emits group.updated when the mapping changed. The role must
        exist (NotFound naming roleId) and be available in the organization (Invalid)."""
        check_org_scope(organization_id, org_scope)
        with write_transaction():
            self._store.organizations.get(organization_id)
            group = ScimGroup.get_or_none(ScimGroup.id == group_id,
                                          ScimGroup.organization == organization_id)
            if group is None:
                raise NotFound("group", group_id)
            if role_id is not None:
                find_role(role_id, organization_id)
            changes = group.differing({"role_id": role_id})
            if changes:
                group.apply(changes, self._store.now())
                self._store.events.emit("group.updated", records.group(group), [organization_id])
                self.recompute(organization_id, members_of(group.id))
            group.member_count = len(members_of(group.id))
            return group

    def recompute_ranked(self, organization_id=None):
        """After the priority order changed: every member of a mapped group of
        `organization_id` (None: of every organization)."""
        query = (ScimGroupMember.select(ScimGroup.organization, ScimGroupMember.user)
                 .join(ScimGroup).where(ScimGroup.role.is_null(False)))
        if organization_id is not None:
            query = query.where(ScimGroup.organization == organization_id)
        users = {}
        for organization, user in query.tuples():
            users.setdefault(organization, set()).add(user)
        for organization, user_ids in users.items():
            self.recompute(organization, user_ids)

    def recompute(self, organization_id, user_ids):
        """Give each of `user_ids`' memberships in `organization_id` the role its mapped
        groups give (see the module's docstring); call inside a write transaction."""
        user_ids = sorted(set(user_ids))
        for start in range(0, len(user_ids), _CHUNK):
            chunk = user_ids[start:start + _CHUNK]
            self._settle_all(Membership.select().where(Membership.organization == organization_id,
                                                       Membership.user.in_(chunk)))

    def settle_new(self, memberships):
        """New memberships (made by the API, an invitation, a domain, WorkOS) of users already
        in mapped groups of their organization (a membership deleted by hand leaves its user
        in the groups) take the groups' role at once; call inside the creating transaction.
        One read per 500 users, whatever the number of organizations (imports batch)."""
        memberships = sorted(memberships, key=lambda m: m.user_id)
        for start in range(0, len(memberships), _CHUNK):
            self._settle_all(memberships[start:start + _CHUNK])

    def _settle_all(self, memberships):
        """Settle up to _CHUNK memberships with one read of their users' mapped groups. A
        membership in no mapped group keeps its role unless the groups gave it (a new one
        never has a group-given role, so it is left as made)."""
        memberships = list(memberships)
        if not memberships:
            return
        best = _best_roles({m.organization_id for m in memberships},
                           [m.user_id for m in memberships])
        for membership in memberships:
            self._settle(membership, best.get((membership.organization_id, membership.user_id)))

    def _settle(self, membership, role):
        if membership.status == "active" and role is not None:
            wanted = {"role_id": role.id, "role_source": "group"}
        elif membership.role_source == "group":
            wanted = {"role_id": DEFAULT_ROLE_ID, "role_source": "manual"}
        else:
            return
        changes = membership.differing(wanted)
        if changes:
            membership.apply(changes, self._store.now())
            self._store.events.emit("membership.updated",
                                    records.membership_event(membership),
                                    [membership.organization_id])


def members_of(group_id):
    return [user for (user,) in ScimGroupMember.select(ScimGroupMember.user)
            .where(ScimGroupMember.group == group_id).tuples()]


def _best_roles(organization_ids, user_ids):
    """{(organization id, user id): the highest-ranked role among the user's mapped groups
    in that organization}, for `user_ids` in `organization_ids`."""
    best = {}
    rows = (ScimGroupMember.select(ScimGroupMember.user, ScimGroup.organization, Role)
            .join(ScimGroup).join(Role)
            .where(ScimGroup.organization.in_(list(organization_ids)),
                   ScimGroupMember.user.in_(list(user_ids))))
    for row in rows:
        role, key = row.group.role, (row.group.organization_id, row.user_id)
        held = best.get(key)
        if held is None or order_key(role) < order_key(held):
            best[key] = role
    return best
