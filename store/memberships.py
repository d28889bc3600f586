"""Memberships: a user's place (role, ownership) in an organization, at most one each."""
from . import listjson, prepared, records
from .db import write_transaction
from .errors import Conflict, Forbidden, NotFound, OutOfScope, StoreError, at_position
from .models import Membership, Organization, Role, User
from .organizations import check_org_scope
from .pages import Tally, kept_count, listed_page
from .roles import check_available
from .users import member_elsewhere

DEFAULT_ROLE_ID = "role_member"


def _expanded():
    """Memberships joined to the user, organization and role they show, in one query."""
    return (
        Membership.select(Membership, User, Organization, Role)
        .join(User)
        .switch(Membership)
        .join(Organization)
        .switch(Membership)
        .join(Role)
    )


# What a listed membership shows beside itself, fetched in its page's one statement, and
# the tables whose change makes a kept page stale.
_JOINED = (Membership.user, Membership.organization, Membership.role)
_SHOWN = ("membership", "user", "organization", "role")


class Memberships:
    def __init__(self, store):
        self._store = store

    def get(self, membership_id, *, org_scope=None):
        membership = _expanded().where(Membership.id == membership_id).get_or_none()
        if membership is None:
            raise NotFound("membership", membership_id)
        check_org_scope(membership.organization_id, org_scope)
        return membership

    def list(self, *, limit, after=None, organization_id=None, user_id=None, org_scope=None,
             encoded=False):
        """A page of memberships, filtered by organization and/or user.

        A caller confined to `org_scope` sees only memberships of that organization. With
        `encoded`, a page may come as JSON only (store/pages.py, listed_page).
        """
        check_org_scope(organization_id, org_scope)
        organization_id = organization_id or org_scope
        return self._store.pages.get_or_make(
            ("memberships", limit, after, organization_id, user_id, encoded), _SHOWN,
            lambda: _page(limit, after, organization_id, user_id, encoded))

    def create(self, *, organization_id, user_id, role_id=None, is_owner=False, org_scope=None):
        """Add the user to the organization; the Member role unless `role_id` says otherwise.

        A caller confined to `org_scope` adds only users who belong to no other organization
        (check_unclaimed), checked in the same write transaction as the insert, so two
        organizations' keys cannot both claim one user at the same time.
        """
        return self.create_many([dict(organization_id=organization_id, user_id=user_id,
                                      role_id=role_id, is_owner=is_owner)], org_scope=org_scope)[0]

    def create_many(self, fields, *, org_scope=None):
        """New memberships, one per dict of `create`'s fields, in one write transaction, as
        `create` makes them one by one, but with the organizations, users, roles and
        memberships they need read in one statement each and one insert for them all.
        Each comes back with its organization, user and role, as `get` gives it.

        The first one `create` would refuse raises its error with `position`, its index
        in `fields`; nothing is written.
        """
        for values in fields:
            check_org_scope(values["organization_id"], org_scope)
        now = self._store.now()
        with write_transaction():
            orgs = _by_id(Organization, [f["organization_id"] for f in fields])
            users = _by_id(User, [f["user_id"] for f in fields])
            roles = _by_id(Role, [f.get("role_id") or DEFAULT_ROLE_ID for f in fields])
            taken = {(m.organization_id, m.user_id) for m in Membership.all_by("user_id", users)}
            made = []
            for position, values in enumerate(fields):
                try:
                    made.append(self._new(values, orgs, users, roles, taken, org_scope, now))
                except StoreError as error:
                    raise at_position(error, position)
            prepared.insert_all(made)
            self._store.events.emit_many([("membership.created", records.membership_event(m),
                                           [m.organization_id]) for m in made])
            self._store.group_roles.settle_new(made)
            return made

    def _new(self, values, orgs, users, roles, taken, org_scope, now):
        """The membership `values` asks for, checked as `create` checks it (against the rows
        read for the batch, and `taken`, which it joins)."""
        org = _found(orgs, "organization", values["organization_id"], "organizationId")
        user = _found(users, "user", values["user_id"], "userId")
        role = _found(roles, "role", values.get("role_id") or DEFAULT_ROLE_ID, "roleId")
        check_available(role, org.id)
        if (org.id, user.id) in taken:
            raise Conflict("userId", "This user is already a member of the organization")
        if org_scope is not None:
            check_unclaimed(user.id, org_scope)
        taken.add((org.id, user.id))
        return Membership(id=self._store.new_id("mem"), organization=org, user=user, role=role,
                          is_owner=values.get("is_owner", False), created_at=now, updated_at=now)

    def update(self, membership_id, changes, *, org_scope=None):
        """Change the role (`role_id`: one available in the membership's organization),
        ownership (`is_owner`) and/or `status` (active, inactive) of a membership; emits
        membership.updated when something changed."""
        with write_transaction():
            membership = self.get(membership_id, org_scope=org_scope)
            if "role_id" in changes:
                role = find_role(changes["role_id"], membership.organization_id)
                changes = {**changes, "role_id": role.id}
            changes = membership.differing(changes)
            if "role_id" in changes:
                check_set_by_hand(membership)
                changes["role_source"] = "manual"
            if changes:
                membership.apply(changes, self._store.now())
                self._emit("membership.updated", membership)
            if "status" in changes:  # the groups' role is an active member's only
                self._store.group_roles.recompute(membership.organization_id,
                                                  [membership.user_id])
            return self.get(membership_id)

    def set_status(self, membership_id, status, *, org_scope=None):
        """Deactivate (`inactive`: the membership grants nothing, and stays) or reactivate
        (`active`) a membership; already so, nothing changes and nothing is emitted."""
        return self.update(membership_id, {"status": status}, org_scope=org_scope)

    def delete(self, membership_id, *, org_scope=None):
        with write_transaction():
            membership = self.get(membership_id, org_scope=org_scope)
            self._emit("membership.deleted", membership)
            membership.delete_instance()
            return membership

    def _emit(self, event_type, membership):
        self._store.events.emit(event_type, records.membership_event(membership),
                                [membership.organization_id])


def _page(limit, after, organization_id, user_id, encoded):
    """A page of memberships as SQLite has it now (`Memberships.list` keeps it in memory)."""
    conditions, params = [], []
    total = kept_count("membership")
    if organization_id is not None:
        conditions.append("t.organization_id = ?")
        params.append(organization_id)
        total = kept_count("membership.organization", organization_id)
    if user_id is not None:
        conditions.append("t.user_id = ?")
        params.append(user_id)
        total = kept_count("membership.user", user_id)
    if organization_id is not None and user_id is not None:
        # one membership at most: counted by the unique (organization, user)
        total = Tally("(SELECT count(*) FROM membership WHERE organization_id = ? AND user_id = ?)",
                      (organization_id, user_id))
    return listed_page(Membership, limit, after, total, where=" AND ".join(conditions),
                       params=tuple(params), joined=_JOINED,
                       shape=listjson.MEMBERSHIP if encoded else None)


def check_unclaimed(user_id, organization_id):
    """Refuse to let an organization-scoped key take in another organization's user: as a
    member, the user's profile and metadata, which that organization relies on too, would
    become the key's to read and rewrite."""
    if member_elsewhere(user_id, organization_id):
        raise OutOfScope("This user belongs to another organization: an organization-scoped "
                         "API key adds only users of no other organization. A global API key "
                         "can add them (or, once invitations exist, an invitation).",
                         field="userId")


def check_set_by_hand(membership):
    """Refuse a hand change of a role that mapped SCIM groups give (store/group_roles.py):
    the identity provider keeps it, and would put it back at its next change."""
    if membership.role_source == "group":
        raise Forbidden("This member's role comes from the identity provider's groups mapped "
                        "to roles; change the group mapping or the member's groups instead",
                        field="roleId")


def _by_id(model, ids):
    return {row.id: row for row in model.all_by("id", ids)}


def _found(rows, resource, row_id, field):
    """rows[row_id], or NotFound naming `field`, the input that gave the id."""
    if row_id not in rows:
        raise NotFound(resource, row_id, field)
    return rows[row_id]


def find_role(role_id, organization_id):
    """The role `role_id`, one a membership of `organization_id` may hold (a system or
    environment role, or that organization's own): NotFound or Invalid naming `roleId`.
    Memberships, invitations and domain join policies all give roles through it."""
    role = Role.get_or_none(Role.id == role_id)
    if role is None:
        raise NotFound("role", role_id, "roleId")
    check_available(role, organization_id)
    return role
