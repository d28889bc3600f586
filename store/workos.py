"""Users kept in step with WorkOS: by webhook event, or by a bulk sync a page at a time.

A WorkOS user is matched to a Golden Record user by `workos_user_id` first, then by email
(case-insensitively), in which case the existing user is linked rather than duplicated.
Changes go through `Users`, so they emit Golden Record's own webhook events.
"""
import logging
from collections import Counter
from datetime import timedelta

from .db import database, write_transaction
from .errors import Conflict, StoreError
from .models import User, WorkosEvent
from .users import email_key

log = logging.getLogger("goldenrecord.workos")

USER_EVENTS = ("user.created", "user.updated", "user.deleted")
# WorkOS keeps events for 30 days; a redelivery cannot come later than that.
EVENT_MEMORY = timedelta(days=30)


class Workos:
    def __init__(self, store):
        self._store = store

    def receive(self, event_id, event_type, user):
        """Apply one WorkOS event once; the outcome, or "duplicate" if already applied.

        `user` is the event's WorkosUser (None for event types that carry no user we use).
        The event id is recorded in the same transaction as the change, so a crash
        between the two is impossible and a redelivery is recognised.
        """
        with write_transaction():
            if WorkosEvent.first_by("id", event_id) is not None:
                return "duplicate"
            if event_type == "user.deleted":
                outcome = self._deactivate(user)
            elif event_type in USER_EVENTS:
                outcome = self._upsert(user)
            else:
                outcome = "ignored"
            now = self._store.now()
            WorkosEvent.delete().where(WorkosEvent.received_at < now - EVENT_MEMORY).execute()
            WorkosEvent.create(id=event_id, event=event_type, outcome=outcome, received_at=now)
            return outcome

    def sync_page(self, users):
        """Create, link or update each of `users` (WorkosUser) in one transaction.

        Returns counts by outcome. A user that cannot be applied (its email belongs to a
        user linked to another WorkOS user) is counted as "failed" and rolled back alone;
        the rest of the page still lands.
        """
        counts = Counter()
        with write_transaction():
            for user in users:
                try:
                    with database.atomic():
                        counts[self._upsert(user)] += 1
                except StoreError as error:
                    counts["failed"] += 1
                    log.warning("WorkOS user %s not synced: %s", user.workos_user_id, error)
        return counts

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
        if _is_stale(existing, incoming):
            return "unchanged"
        changes = {k: v for k, v in incoming.profile().items() if getattr(existing, k) != v}
        linking = existing.workos_user_id is None
        if linking:
            changes["workos_user_id"] = incoming.workos_user_id
        if changes:
            users.update(existing.id, changes)
        _remember_version(existing.id, incoming)
        return "linked" if linking else "updated" if changes else "unchanged"

    def _deactivate(self, incoming):
        """WorkOS deleted the user: keep the golden record, marked inactive."""
        existing = User.first_by("workos_user_id", incoming.workos_user_id)
        if existing is None or _is_stale(existing, incoming):
            return "unchanged"
        _remember_version(existing.id, incoming)
        if not existing.is_active:
            return "unchanged"
        self._store.users.update(existing.id, {"is_active": False})
        return "deactivated"


def _is_stale(existing, incoming):
    """True if `incoming` is older than what the user was last synced from: WorkOS may
    deliver events out of order, and the resource's updated_at is the order to trust."""
    return (incoming.updated_at is not None and existing.workos_updated_at is not None
            and incoming.updated_at < existing.workos_updated_at)


def _remember_version(user_id, incoming):
    if incoming.updated_at is not None:
        (User.update(workos_updated_at=incoming.updated_at)
         .where(User.id == user_id).execute())
