"""Provisioning by an organization's identity provider (SCIM, scim/): its members as users.

An IdP names people by its own userName and knows only its own organization. What it
provisions goes through the same rules as the API (store/users.py, store/memberships.py),
so events, webhooks and the audit log see it; this module adds only what SCIM needs beyond
them: the IdP's userName and emails (a `scim_user` row, m0025; a member without one is
shown with their email as userName), linking an email that already has a user instead of
duplicating it, and "deprovisioned" as a deactivated membership rather than a deleted user.

Linking a user who already belongs to another organization would hand this organization
that user's profile (its names stay writable by an organization's key), so it is allowed
only for an email at a domain this organization has verified: the organization then
controls that address, and so the identity. Anything else is a uniqueness conflict.

Reads go through store/scim_members.py (prepared SQL, index lookups).
"""
from . import prepared
from .audit import journal
from .db import database, write_transaction
from .errors import Conflict, NotFound
from .models import Membership, OrganizationDomain, ScimUser, ScimUserEmail, User
from .scim_members import ORDER, count, user_ids, user_name_holder, user_name_key, visible
from .users import domain_of, email_key, member_elsewhere


class Provisioning:
    def __init__(self, store):
        self._store = store

    def member(self, organization_id, user_id):
        """The membership of `user_id` in `organization_id` (its user and SCIM row loaded;
        one indexed statement); NotFound("user") when the user is not a member or the IdP
        deleted them (an IdP sees nobody else)."""
        found = visible('t0."user_id" = ?', (organization_id, user_id))
        if not found:
            raise NotFound("user", user_id)
        return found[0]

    def candidates(self, organization_id, keys):
        """The visible memberships that may hold one of `keys` ((path, value) pairs, path in
        scim_members.INDEXED), in the order they joined: a superset of those that do (the
        caller tests its filter on them), found by index, never by reading every member."""
        ids = set()
        for path, value in keys:
            ids |= set(user_ids(organization_id, path, value))
        found, ids = [], sorted(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found += visible(f't0."user_id" IN ({", ".join("?" * len(chunk))})',
                             (organization_id, *chunk))
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def members(self, organization_id, *, offset=0, limit=None):
        """(how many members SCIM shows for `organization_id`, its memberships from
        `offset`, at most `limit` of them (None: all), in the order they joined): SCIM
        pages by position (startIndex), not by cursor."""
        everyone = 2 ** 62  # no limit, said alike on both engines (SQLite's -1 is not)
        page = visible("1 = 1", (organization_id, everyone if limit is None else limit, offset),
                       ORDER + " LIMIT ? OFFSET ?")
        return count(organization_id), page

    def provision(self, organization_id, *, user_name, email, emails=None, first_name=None,
                  last_name=None, external_id=None, active=True):
        """The new member `user_name` of `organization_id`, whose email is `email`: a new
        user, or the existing user with that email linked (see the module's docstring), or
        the member the IdP deleted provisioned again. Conflict if userName is taken here or
        they are a member already. One write transaction: nothing is half made."""
        with write_transaction():
            user = User.first_by("email_key", email_key(email))
            _check_user_name_free(organization_id, user_name,
                                  None if user is None else user.id)
            row = None
            if user is None:
                user = self._store.users.create(
                    email=email, first_name=first_name, last_name=last_name,
                    external_id=external_id, org_scope=organization_id)
            else:
                row = _scim_row(organization_id, user.id)
                if row is None or not row.deleted:
                    self._link(organization_id, user)
            self._name(organization_id, user, row, user_name, emails)
            return self._with_status(self.member(organization_id, user.id), active)

    def _with_status(self, membership, active):
        """`membership` active or not, as the IdP says (no write when it already is)."""
        status = "active" if active else "inactive"
        if membership.status == status:
            return membership
        self._store.memberships.set_status(membership.id, status)
        return self.member(membership.organization_id, membership.user_id)

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

    def _name(self, organization_id, user, row, user_name, emails, deleted=False):
        """Keep the IdP's userName and emails for the member `user` (`row`: their SCIM row,
        if any), through the models, so the audit log records it. A member whose userName
        is their email and whose emails are none (None: what SCIM shows without a row)
        needs no row: the common case of an IdP naming people by email writes nothing
        more than the API's create."""
        values = {"user_name": user_name, "user_name_key": user_name_key(user_name),
                  "emails": emails, "deleted": deleted}
        if row is None:
            if user_name == user.email and emails is None and not deleted:
                return
            row = prepared.insert(ScimUser(organization=organization_id, user=user.id,
                                           **values))
            journal.row_changed(row, None, "created")  # what ScimUser.save would note
            _index_emails(organization_id, user, emails, fresh=True)
        elif row.differing(values):
            row.apply(row.differing(values), self._store.now())
            _index_emails(organization_id, user, None if deleted else emails)

    def replace(self, organization_id, user_id, changes, *, user_name, emails=None, active):
        """Apply `changes` (user model fields), the IdP's userName and emails, and the
        membership's state (`active`) in one write transaction, as the API's user and
        membership updates would (a shared user's email stays the other organizations'
        too: check_identity_change refuses it)."""
        with write_transaction():
            membership = self.member(organization_id, user_id)
            _check_user_name_free(organization_id, user_name, user_id)
            changes = membership.user.differing(changes)
            if changes:
                self._store.users.update(user_id, changes, org_scope=organization_id)
                membership = self.member(organization_id, user_id)  # the user as changed
            self._name(organization_id, membership.user, membership.scim, user_name, emails)
            return self._with_status(self.member(organization_id, user_id), active)

    def delete(self, organization_id, user_id):
        """Deleted by the IdP: SCIM shows them no more (404, RFC 7644 §3.6) and their
        userName is free again; the membership stays, inactive (it grants nothing); the
        user and their other organizations are untouched."""
        with write_transaction():
            membership = self.member(organization_id, user_id)
            row = membership.scim
            self._name(organization_id, membership.user, row,
                       membership.user.email if row is None else row.user_name,
                       None if row is None else row.emails, deleted=True)
            self._store.memberships.set_status(membership.id, "inactive")


def _scim_row(organization_id, user_id):
    return ScimUser.get_or_none(ScimUser.organization == organization_id,
                                ScimUser.user == user_id)


def _index_emails(organization_id, user, emails, fresh=False):
    """scim_user_email holds the addresses of the member's `emails` but the user's own
    email, which the users table indexes already (`fresh`: a new SCIM row, which has none
    yet)."""
    if not fresh:
        database.connection().execute('DELETE FROM "scim_user_email" WHERE '
                                      '"organization_id" = ? AND "user_id" = ?',
                                      (organization_id, user.id))
    keys = sorted({email_key(entry["value"]) for entry in emails or []} - {user.email_key})
    prepared.insert_all([ScimUserEmail(organization=organization_id, email_key=key,
                                       user=user.id) for key in keys])


def _check_user_name_free(organization_id, user_name, user_id):
    """Conflict unless `user_name` is no other SCIM user's of the organization: none has
    it as their userName, nor (a member without a SCIM row) as their email."""
    key = user_name_key(user_name)
    holder = user_name_holder(organization_id, key)
    if holder is None:
        by_email = User.first_by("email_key", key)
        if by_email is not None and any(
                m.scim is None for m in visible('t0."user_id" = ?', (organization_id,
                                                                     by_email.id))):
            holder = by_email.id
    if holder is not None and holder != user_id:
        raise Conflict("userName", f"Another user of this organization has the userName "
                       f"'{user_name}'", resource="scim_user")


def _domain_verified(organization_id, email):
    return OrganizationDomain.select().where(
        OrganizationDomain.organization == organization_id,
        OrganizationDomain.verified_domain == domain_of(email)).exists()
