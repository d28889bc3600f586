"""Users kept in step with WorkOS: by webhook event, or by a bulk sync a page at a time.

A WorkOS user is matched to a Golden Record user by `workos_user_id` first, then by email
(case-insensitively), in which case the existing user is linked rather than duplicated.
Changes go through `Users`, so they emit Golden Record's own webhook events.
"""
import logging
from collections import Counter
from datetime import timedelta

from . import prepared
from .db import database, write_transaction
from .errors import Conflict, StoreError
from .models import User, WorkosCursor, WorkosEvent
from .users import email_key
from .workos_orgs import Applied, WorkosMemberships, WorkosOrganizations
from .workos_rows import deactivate, is_stale, remember_version

log = logging.getLogger("goldenrecord.workos")

USER_EVENTS = ("user.created", "user.updated", "user.deleted")
ORGANIZATION_EVENTS = ("organization.created", "organization.updated", "organization.deleted")
MEMBERSHIP_EVENTS = ("organization_membership.created", "organization_membership.updated",
                     "organization_membership.deleted")
# WorkOS keeps events for 30 days; a redelivery cannot come later than that, and a sync
# cursor older than that has expired.
EVENT_MEMORY = timedelta(days=30)
CURSOR = "events"


class Workos:
    def __init__(self, store):
        self._store = store
        self.organizations = WorkosOrganizations(store)
        self.memberships = WorkosMemberships(store)
        self._appliers = {
            "user.created": self._upsert, "user.updated": self._upsert,
            "user.deleted": self._deactivate,
            "organization.created": self.organizations.upsert,
            "organization.updated": self.organizations.upsert,
            "organization.deleted": self.organizations.deactivate,
            "organization_membership.created": self.memberships.upsert,
            "organization_membership.updated": self.memberships.upsert,
            "organization_membership.deleted": self.memberships.remove,
        }

    def receive(self, event_id, event_type, resource):
        """Apply one WorkOS event once: an Applied (its outcome, "duplicate" if already
        applied, and whether a membership's role fell back to Member).

        `resource` is the event's object as mapped (WorkosUser, WorkosOrganization,
        WorkosMembership; None for event types we ignore). The event id is recorded in
        the same transaction as the change, so a crash between the two is impossible and
        a redelivery is recognised. An event that is "unresolved" (a membership whose
        organization or user is not here) is not recorded, so a redelivery can apply it.
        """
        with write_transaction():
            if WorkosEvent.first_by("id", event_id) is not None:
                return Applied("duplicate")
            applier = self._appliers.get(event_type)
            applied = applier(resource) if applier else "ignored"
            applied = applied if isinstance(applied, Applied) else Applied(applied)
            if applied.outcome == "unresolved":
                return applied
            now = self._store.now()
            WorkosEvent.delete().where(WorkosEvent.received_at < now - EVENT_MEMORY).execute()
            WorkosEvent.create(id=event_id, event=event_type, outcome=applied.outcome,
                               received_at=now)
            return applied

    def apply_page(self, event_type, resources):
        """Apply each of `resources` as an event of `event_type` would, without event ids
        (a full sync's page, or what an event needed fetched), in one transaction; counts
        by outcome, and `unknownRoles`. One the store refuses (a conflict) is counted as
        "failed" and rolled back alone; the rest still land."""
        counts = Counter()
        with write_transaction():
            for resource in resources:
                try:
                    with database.atomic():
                        applied = self._appliers[event_type](resource)
                except StoreError as error:
                    log.warning("WorkOS %s not synced: %s", event_type.split(".")[0], error)
                    counts["failed"] += 1
                    continue
                applied = applied if isinstance(applied, Applied) else Applied(applied)
                counts[applied.outcome] += 1
                counts["unknownRoles"] += applied.unknown_role
        return counts

    def cursor(self):
        """Where the incremental sync stopped (a WorkosCursor), or None before the first."""
        return WorkosCursor.first_by("name", CURSOR)

    def save_cursor(self, *, after=None, after_created_at=None, range_start=None):
        """Remember where the incremental sync stopped: the last event applied (`after`,
        and its created_at, which says when the cursor expires), or before any event the
        time the full sync began (`range_start`)."""
        with write_transaction():
            # an upsert on the name (not INSERT OR REPLACE, which PostgreSQL lacks)
            values = {"after": after, "after_created_at": after_created_at,
                      "range_start": range_start, "updated_at": self._store.now()}
            WorkosCursor.insert(name=CURSOR, **values).on_conflict(
                conflict_target=[WorkosCursor.name], update=values).execute()

    def sync_page(self, users):
        """Create, link or update each of `users` (WorkosUser) in one transaction.

        Returns counts by outcome. A user that cannot be applied (its email belongs to a
        user linked to another WorkOS user) is counted as "failed" and rolled back alone;
        the rest of the page still lands.

        A first sync is mostly creates, so the page is read for existing users in one
        statement per column, and a run of users that match nobody — in the table or
        earlier in the page — is created by one `Users.create_many`. Any other user goes
        through `_upsert` alone, after the run before it has been written, so it meets
        the table exactly as one-by-one upserts would leave it.
        """
        counts = Counter()
        with write_transaction():
            seen = _known_identities(users)
            run = []
            for user in users:
                identities = {("id", user.workos_user_id), ("email", email_key(user.email))}
                if seen.isdisjoint(identities):
                    run.append(user)
                else:
                    counts["created"] += self._create_all(run)
                    run = []
                    counts[self._upsert_alone(user)] += 1
                seen |= identities
            counts["created"] += self._create_all(run)
        return counts

    def _create_all(self, users):
        """Create `users`, none of whom matches an existing user; returns how many."""
        if users:
            self._store.users.create_many([
                {**user.profile(), "workos_user_id": user.workos_user_id,
                 "workos_updated_at": user.updated_at} for user in users])
        return len(users)

    def _upsert_alone(self, user):
        """`_upsert` in a savepoint of its own: its outcome, or "failed" rolled back."""
        try:
            with database.atomic():
                return self._upsert(user)
        except StoreError as error:
            log.warning("WorkOS user %s not synced: %s", user.workos_user_id, error)
            return "failed"

    def _upsert(self, incoming):
        users = self._store.users
        existing = (User.first_by("workos_user_id", incoming.workos_user_id)
                    or User.first_by("email_key", email_key(incoming.email)))
        if existing is None:
            users.create(**incoming.profile(), workos_user_id=incoming.workos_user_id,
                         workos_updated_at=incoming.updated_at)
            return "created"
        if existing.workos_user_id not in (None, incoming.workos_user_id):
            raise Conflict("email", f"{incoming.email} belongs to a user linked to WorkOS user "
                                    f"{existing.workos_user_id}")
        if is_stale(existing, incoming):
            return "unchanged"
        changes = {k: v for k, v in incoming.profile().items() if getattr(existing, k) != v}
        linking = existing.workos_user_id is None
        if linking:
            changes["workos_user_id"] = incoming.workos_user_id
        if changes:
            users.update(existing.id, changes)
        remember_version(User, existing.id, existing, incoming)
        return "linked" if linking else "updated" if changes else "unchanged"

    def _deactivate(self, incoming):
        """WorkOS deleted the user: keep the golden record, marked inactive."""
        return deactivate(User, "workos_user_id", incoming.workos_user_id, incoming,
                          self._store.users.update)


def _known_identities(users):
    """("id", workos user id) and ("email", email key) pairs of `users` that some user in
    the table already holds: one look-up per column for a page."""
    ids = prepared.taken(User, "workos_user_id", [u.workos_user_id for u in users])
    emails = prepared.taken(User, "email_key", [email_key(u.email) for u in users])
    return {("id", i) for i in ids} | {("email", e) for e in emails}
