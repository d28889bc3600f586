"""Memberships: a user's place (role, ownership) in an organization, at most one each."""
from . import records
from .db import write_transaction
from .errors import Conflict, NotFound, OutOfScope
from .models import Membership, Organization, Role, User
from .organizations import check_org_scope
from .pages import counted, listed_page
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

    def list(self, *, limit, after=None, organization_id=None, user_id=None, org_scope=None):
        """A page of memberships, filtered by organization and/or user.

        A caller confined to `org_scope` sees only memberships of that organization.
        """
        check_org_scope(organization_id, org_scope)
        organization_id = organization_id or org_scope
        return self._store.pages.get_or_make(
            ("memberships", limit, after, organization_id, user_id), _SHOWN,
            lambda: _page(limit, after, organization_id, user_id))

    def create(self, *, organization_id, user_id, role_id=None, is_owner=False, org_scope=None):
        """Add the user to the organization; the Member role unless `role_id` says otherwise.

        A caller confined to `org_scope` adds only users who belong to no other organization
        (check_unclaimed), checked in the same write transaction as the insert, so two
        organizations' keys cannot both claim one user at the same time.
        """
        check_org_scope(organization_id, org_scope)
        now = self._store.now()
        with write_transaction():
            org = self._store.organizations.get(organization_id, field="organizationId")
            user = self._store.users.get(user_id, field="userId")
            role = _role(role_id or DEFAULT_ROLE_ID)
            taken = Membership.select().where(
                Membership.organization == org.id, Membership.user == user.id
            )
            if taken.exists():
                raise Conflict("userId", "This user is already a member of the organization")
            if org_scope is not None:
                check_unclaimed(user.id, org_scope)
            membership_id = self._store.new_id("mem")
            membership = Membership.create(
                id=membership_id,
                organization=org,
                user=user,
                role=role,
                is_owner=is_owner,
                created_at=now,
                updated_at=now,
            )
            self._emit("membership.created", membership)
            return self.get(membership_id)

    def update(self, membership_id, changes, *, org_scope=None):
        """Change the role (`role_id`) and/or ownership (`is_owner`) of a membership."""
        with write_transaction():
            membership = self.get(membership_id, org_scope=org_scope)
            if "role_id" in changes:
                changes = {**changes, "role_id": _role(changes["role_id"]).id}
            if changes:
                membership.apply(changes, self._store.now())
                self._emit("membership.updated", membership)
            return self.get(membership_id)

    def delete(self, membership_id, *, org_scope=None):
        with write_transaction():
            membership = self.get(membership_id, org_scope=org_scope)
            self._emit("membership.deleted", membership)
            membership.delete_instance()
            return membership

    def _emit(self, event_type, membership):
        self._store.events.emit(event_type, records.membership_event(membership),
                                [membership.organization_id])


def _page(limit, after, organization_id, user_id):
    """A page of memberships as SQLite has it now (`Memberships.list` keeps it in memory)."""
    conditions, params = [], []
    total = counted("membership")
    if organization_id is not None:
        conditions.append("t.organization_id = ?")
        params.append(organization_id)
        total = counted("membership.organization", organization_id)
    if user_id is not None:
        conditions.append("t.user_id = ?")
        params.append(user_id)
        total = counted("membership.user", user_id)
    if organization_id is not None and user_id is not None:
        # one membership at most: counted by the unique (organization, user)
        total = Membership.select().where(Membership.organization == organization_id,
                                          Membership.user == user_id).count()
    return listed_page(Membership, limit, after, total, where=" AND ".join(conditions),
                       params=tuple(params), joined=_JOINED)


def check_unclaimed(user_id, organization_id):
    """Refuse to let an organization-scoped key take in another organization's user: as a
    member, the user's profile and metadata, which that organization relies on too, would
    become the key's to read and rewrite."""
    if member_elsewhere(user_id, organization_id):
        raise OutOfScope("This user belongs to another organization: an organization-scoped "
                         "API key adds only users of no other organization. A global API key "
                         "can add them (or, once invitations exist, an invitation).",
                         field="userId")


def _role(role_id):
    role = Role.get_or_none(Role.id == role_id)
    if role is None:
        raise NotFound("role", role_id, "roleId")
    return role
