"""Invitations: an email address asked to join an organization with a role.

The token is the invitee's proof of consent. It is shown once (the create or resend
answer and its event, for the host application to send); only its SHA-256 is stored, as
an API key's is (store/apikeys.py), and a token is found by that hash and compared in
constant time. Accepting one is how an organization-scoped integration takes in a user
who already belongs elsewhere: the user said yes by following the link.
"""
import hmac
import secrets
from datetime import timedelta
from urllib.parse import quote

from . import prepared, records
from .apikeys import hash_key
from .db import write_transaction
from .errors import Conflict, Gone, NotFound
from .memberships import DEFAULT_ROLE_ID, find_role
from .models import Invitation, Membership, User
from .organizations import check_org_scope, owned_row
from .pages import keyset_page
from .users import email_key

TOKEN_PREFIX = "gr_inv_"
STATES = ("pending", "accepted", "revoked", "expired")
DEFAULT_EXPIRY_DAYS = 7
MAX_EXPIRY_DAYS = 90


def new_token():
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def accept_url(template, token):
    """The accept link the host application sends: `template` with `{token}` replaced, or
    None when no template is configured (invitations.accept_url_template)."""
    return template.replace("{token}", quote(token, safe="")) if template else None


class Invitations:
    def __init__(self, store):
        self._store = store

    def get(self, invitation_id, *, org_scope=None):
        return owned_row(Invitation, "invitation", invitation_id, org_scope)

    def list(self, *, limit, after=None, organization_id=None, email=None, state=None,
             org_scope=None):
        """A page of invitations, filtered by organization, email (without case) and state
        (as shown: a pending one past its expiry is `expired`). A caller confined to
        `org_scope` sees its organization's only."""
        check_org_scope(organization_id, org_scope)
        organization_id = organization_id or org_scope
        query = Invitation.select()
        if organization_id is not None:
            query = query.where(Invitation.organization == organization_id)
        if email is not None:
            query = query.where(Invitation.email_key == email_key(email))
        if state is not None:
            query = query.where(_shown_as(state, self._store.now()))
        return keyset_page(query, Invitation, limit, after)

    def create(self, *, email, organization_id, role_id=None,
               expires_in_days=DEFAULT_EXPIRY_DAYS, org_scope=None, accept_url_template=""):
        """A pending invitation and its token (shown only now); emits `invitation.created`
        carrying the token and the accept URL made from `accept_url_template`. Refused
        (409) when the email's user is a member already."""
        check_org_scope(organization_id, org_scope)
        token = new_token()
        with write_transaction():
            now = self._store.now()
            self.expire_due()
            org = self._store.organizations.get(organization_id, field="organizationId")
            role = find_role(role_id or DEFAULT_ROLE_ID, org.id)
            _refuse_member(email, org.id)
            invitation = prepared.insert(Invitation(
                id=self._store.new_id("inv"), organization=org.id, email=email,
                email_key=email_key(email), role=role.id, token_hash=hash_key(token),
                state="pending", expires_at=now + timedelta(days=expires_in_days),
                created_at=now, updated_at=now))
            self._emit_with_token("invitation.created", invitation, token, accept_url_template)
        return invitation, token

    def resend(self, invitation_id, *, expires_in_days=DEFAULT_EXPIRY_DAYS, org_scope=None,
               accept_url_template=""):
        """A new token for a pending or expired invitation (the old one stops working), valid
        `expires_in_days` from now; emits `invitation.resent` with it. Revoked or accepted
        invitations are final (409)."""
        token = new_token()
        with write_transaction():
            invitation, now = self._changeable(invitation_id, org_scope)
            invitation.apply({"token_hash": hash_key(token), "state": "pending",
                              "expires_at": now + timedelta(days=expires_in_days)}, now)
            self._emit_with_token("invitation.resent", invitation, token, accept_url_template)
        return invitation, token

    def revoke(self, invitation_id, *, org_scope=None):
        """Revoke a pending (or expired) invitation for good; emits `invitation.revoked`."""
        with write_transaction():
            invitation, now = self._changeable(invitation_id, org_scope)
            invitation.apply({"state": "revoked"}, now)
            self._emit("invitation.revoked", invitation)
        return invitation

    def _changeable(self, invitation_id, org_scope):
        """(The invitation, now) for a resend or revoke, inside its write transaction:
        pending or expired (expiries recorded first), else Conflict."""
        self.expire_due()
        invitation = self.get(invitation_id, org_scope=org_scope)
        if invitation.state not in ("pending", "expired"):
            raise _final(invitation, "id")
        return invitation, self._store.now()

    def accept(self, *, token, first_name=None, last_name=None, org_scope=None):
        """The membership the invitation behind `token` grants, made now: the user is
        created when the email is new (with `first_name`, `last_name`), an existing one
        joins whatever other organizations they belong to. Emits `invitation.accepted`.

        NotFound for an unknown token; Gone (after recording the expiry) once it expired;
        Conflict when it was revoked or used already, or the user is a member already.
        """
        with write_transaction():
            invitation = self._by_token(token)
            check_org_scope(invitation.organization_id, org_scope)
            self.expire_due()
            invitation = Invitation.get_by_id(invitation.id)  # as the sweep left it
            expired = invitation.state == "expired"
            if not expired:
                if invitation.state != "pending":
                    raise _final(invitation, "token")
                membership = self._join(invitation, first_name, last_name)
        if expired:  # the expiry is recorded (and its event sent); the token is useless
            raise Gone("token", "This invitation has expired; ask for it to be resent")
        return membership

    def expire_due(self):
        """Record every pending invitation past its expiry as expired, emitting
        `invitation.expired` for each; call inside a write transaction. Returns how many.
        Run by every invitation write, so expiry events go out at the next of them."""
        now = self._store.now()
        due = list(Invitation.select().where(Invitation.state == "pending",
                                             Invitation.expires_at <= now))
        for invitation in due:
            invitation.apply({"state": "expired"}, now)
            self._emit("invitation.expired", invitation)
        return len(due)

    def _by_token(self, token):
        digest = hash_key(token)
        invitation = Invitation.first_by("token_hash", digest)
        if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
            raise NotFound("invitation", "token", "token",
                           message="No invitation has this token (a resend voids the old one)")
        return invitation

    def _join(self, invitation, first_name, last_name):
        """The membership for an accepted invitation, with the invitation marked accepted."""
        now = self._store.now()
        user = User.first_by("email_key", invitation.email_key)
        if user is None:
            user = self._store.users.create(email=invitation.email, first_name=first_name,
                                            last_name=last_name)
            # a verified domain's auto-join may have added them already: the invitation's
            # role, chosen for this person, wins
            joined = Membership.get_or_none(Membership.organization == invitation.organization_id,
                                            Membership.user == user.id)
            if joined is not None:
                membership = self._store.memberships.update(joined.id,
                                                            {"role_id": invitation.role_id})
                return self._accepted(invitation, user, membership, now)
        membership = self._store.memberships.create(
            organization_id=invitation.organization_id, user_id=user.id,
            role_id=invitation.role_id)
        return self._accepted(invitation, user, membership, now)

    def _accepted(self, invitation, user, membership, now):
        invitation.apply({"state": "accepted", "accepted_user_id": user.id}, now)
        self._emit("invitation.accepted", invitation)
        return membership

    def _emit(self, event_type, invitation, **more):
        data = {**records.invitation(invitation, self._store.now()), **more}
        self._store.events.emit(event_type, data, [invitation.organization_id])

    def _emit_with_token(self, event_type, invitation, token, template):
        self._emit(event_type, invitation, token=token, acceptUrl=accept_url(template, token))


def _shown_as(state, now):
    """The condition of invitations whose shown state (records.invitation_state) is `state`."""
    if state == "pending":
        return (Invitation.state == "pending") & (Invitation.expires_at > now)
    if state == "expired":
        return (Invitation.state == "expired") | (
            (Invitation.state == "pending") & (Invitation.expires_at <= now))
    return Invitation.state == state


def _refuse_member(email, organization_id):
    user = User.first_by("email_key", email_key(email))
    if user is not None and Membership.select().where(
            Membership.organization == organization_id, Membership.user == user.id).exists():
        raise Conflict("email", f"{email} is a member of this organization already",
                       resource="membership")


def _final(invitation, field):
    return Conflict(field, f"This invitation was {invitation.state}; it cannot be used or "
                           "changed any more", resource="invitation")
