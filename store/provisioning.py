"""Provisioning by an organization's identity provider (SCIM, scim/): its members as users.

An IdP names people by email and knows only its own organization. What it provisions goes
through the same rules as the API (store/users.py, store/memberships.py), so events,
webhooks and the audit log see it; this module adds only what SCIM needs beyond them:
finding a user by email, linking an email that already has a user instead of duplicating
it, and treating "deprovisioned" as a deactivated membership rather than a deleted user.

Linking a user who already belongs to another organization would hand this organization
that user's profile (its names stay writable by an organization's key), so it is allowed
only for an email at a domain this organization has verified: the organization then
controls that address, and so the identity. Anything else is a uniqueness conflict.
"""
from .db import write_transaction
from .errors import Conflict, NotFound
from .models import Membership, OrganizationDomain, User
from .users import domain_of, email_key, member_elsewhere


class Provisioning:
    def __init__(self, store):
        self._store = store

    def member(self, organization_id, user_id):
        """The membership of `user_id` in `organization_id`, its user loaded (one indexed
        statement); NotFound("user") when the user is not a member (an IdP sees nobody
        else)."""
        membership = (Membership.select(Membership, User).join(User)
                      .where(Membership.organization == organization_id,
                             Membership.user == user_id).get_or_none())
        if membership is None:
            raise NotFound("user", user_id)
        return membership

    def member_by_email(self, organization_id, email):
        """The membership whose user has `email` (any case), or None."""
        return self._member_by(organization_id, "email_key", email_key(email))

    def member_by_external_id(self, organization_id, external_id):
        """The membership whose user has `external_id` (case-exact), or None."""
        return self._member_by(organization_id, "external_id", external_id)

    def _member_by(self, organization_id, column, value):
        user = User.first_by(column, value)
        if user is None:
            return None
        try:
            return self.member(organization_id, user.id)
        except NotFound:
            return None

    def members(self, organization_id, *, offset=0, limit=None):
        """(how many members `organization_id` has, its memberships from `offset`, at most
        `limit` of them (None: all), in the order they joined, each with its user): SCIM
        pages by position (startIndex), not by cursor."""
        query = (Membership.select(Membership, User).join(User)
                 .where(Membership.organization == organization_id))
        total = query.count()
        page = query.order_by(Membership.created_at, Membership.id).offset(offset)
        if limit is not None:
            page = page.limit(limit)
        return total, list(page)

    def provision(self, organization_id, *, email, first_name=None, last_name=None,
                  external_id=None, active=True):
        """The new member `email` of `organization_id`: a new user, or the existing user with
        that email linked (see the module's docstring). Conflict("email") if they are a
        member already. One write transaction: nothing is half made."""
        with write_transaction():
            user = User.first_by("email_key", email_key(email))
            if user is None:
                user = self._store.users.create(
                    email=email, first_name=first_name, last_name=last_name,
                    external_id=external_id, org_scope=organization_id)
            else:
                self._link(organization_id, user)
            membership = self.member(organization_id, user.id)
            if not active:
                self._store.memberships.set_status(membership.id, "inactive")
            return self.member(organization_id, user.id)

    def _link(self, organization_id, user):
        if Membership.get_or_none(Membership.organization == organization_id,
                                  Membership.user == user.id) is not None:
            raise Conflict("userName", f"'{user.email}' is already a member of this organization",
                           resource="membership")
        if member_elsewhere(user.id, organization_id) and not _domain_verified(
                organization_id, user.email):
            raise Conflict("userName", f"A user with email '{user.email}' belongs to another "
                           "organization; verify the email's domain for this organization to "
                           "link them", resource="membership")
        self._store.memberships.create(organization_id=organization_id, user_id=user.id)

    def replace(self, organization_id, user_id, changes, *, active):
        """Apply `changes` (user model fields) and the membership's state (`active`) in one
        write transaction, as the API's user and membership updates would (a shared user's
        email stays the other organizations' too: check_identity_change refuses it)."""
        with write_transaction():
            membership = self.member(organization_id, user_id)
            user = membership.user
            changes = {name: value for name, value in changes.items()
                       if getattr(user, name) != value}
            if changes:
                self._store.users.update(user_id, changes, org_scope=organization_id)
            self._store.memberships.set_status(membership.id, "active" if active else "inactive")
            return self.member(organization_id, user_id)

    def deactivate(self, organization_id, user_id):
        """Deprovisioned: the membership stays, inactive (it grants nothing); the user and
        their other organizations are untouched."""
        with write_transaction():
            membership = self.member(organization_id, user_id)
            self._store.memberships.set_status(membership.id, "inactive")
            return self.member(organization_id, user_id)


def _domain_verified(organization_id, email):
    return OrganizationDomain.select().where(
        OrganizationDomain.organization == organization_id,
        OrganizationDomain.verified_domain == domain_of(email)).exists()
