"""The event outbox and webhook deliveries.

`emit` runs inside the transaction of the change it describes, so an event exists if and
only if its change committed: a crash can delay a delivery but never lose one. Each
event is fanned out at once to the subscriptions that want it, as `pending` deliveries
that the sender works through.
"""
import collections
import json
from datetime import timedelta

import peewee as pw

from . import feed, prepared
from .audit import journal
from .db import database, write_transaction
from .errors import Invalid, NotFound
from .models import Delivery, Event, Webhook
from .pages import counted, keyset_page
from .records import timestamp

EVENT_TYPES = (
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "user.created",
    "user.updated",
    "user.deleted",
    "membership.created",
    "membership.updated",
    "membership.deleted",
    "role.created",
    "role.updated",
    "role.deleted",
    "permission.created",
    "permission.updated",
    "permission.deleted",
    "invitation.created",
    "invitation.resent",
    "invitation.accepted",
    "invitation.revoked",
    "invitation.expired",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.member_added",
    "group.member_removed",
)
ALL_EVENTS = "*"
PING = "ping"
# Among an event's organization ids: it concerns every organization (an environment role or
# a permission, which every organization's members may hold), so an organization's
# subscription receives it too.
EVERY_ORGANIZATION = "*"


def wants(webhook, event_type, organization_ids):
    """Whether an active subscription receives an event of this type and organizations."""
    if not webhook.is_active:
        return False
    if ALL_EVENTS not in webhook.events and event_type not in webhook.events:
        return False
    return (webhook.organization_id is None or webhook.organization_id in organization_ids
            or EVERY_ORGANIZATION in organization_ids)


# What `wants` reads of a subscription, read without building peewee's query or models.
_Subscription = collections.namedtuple("_Subscription", "id events organization_id is_active")
_ACTIVE = "SELECT id, events, organization_id FROM webhook WHERE is_active = 1"


def _active_subscriptions():
    return [_Subscription(row[0], json.loads(row[1]), row[2], True)
            for row in database.connection().execute(_ACTIVE)]


_OUTCOME_FIELDS = ("status", "attempts", "next_attempt_at", "response_code", "error",
                   "duration_ms", "delivered_at", "updated_at")
_RECORD_OUTCOME = (f"UPDATE delivery SET {', '.join(f'{name} = ?' for name in _OUTCOME_FIELDS)} "
                   "WHERE id = ?")


# How long a delivery claimed by one replica is left to it (store.Events._claim) when the
# caller names no lease; the sender names one from webhooks.timeout_seconds.
CLAIM_LEASE = timedelta(seconds=60)
_CLAIM = ("SELECT d.id FROM delivery d JOIN webhook w ON w.id = d.webhook_id "
          "WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.is_active = 1 "
          "ORDER BY d.next_attempt_at, d.id LIMIT {limit} FOR UPDATE OF d SKIP LOCKED")


def _stored(name, value):
    return getattr(Delivery, name).db_value(value)


class Events:
    def __init__(self, store):
        self._store = store
        self._listeners = []

    def on_commit(self, listener):
        """Call `listener()` after each commit that created deliveries (to wake the sender)."""
        self._listeners.append(listener)

    def emit(self, event_type, data, organization_ids, *, only=None):
        """Record an event and its deliveries; call inside the change's write transaction.

        `organization_ids` are the organizations the event concerns (a user's event
        concerns every organization they belong to). `only` sends it to that one
        subscription whatever its filters (the test ping).
        """
        return self.emit_many([(event_type, data, organization_ids)], only=only)[0]

    def emit_many(self, changes, *, only=None):
        """`emit` for each (event type, data, organization ids) of `changes`, in order;
        returns the event ids. The active subscriptions are read once and the events and
        deliveries written by one prepared statement each (store/prepared.py): a batch of
        creates pays for the outbox once."""
        now = self._store.now()
        subscriptions = [only] if only is not None else _active_subscriptions()
        events, deliveries = [], []
        numbers = iter(feed.next_numbers(len(changes)))
        for event_type, data, organization_ids in changes:
            event_id = self._store.new_id("evt")
            payload = json.dumps({"id": event_id, "event": event_type, "timestamp": timestamp(now),
                                  "data": data}, separators=(",", ":"), ensure_ascii=False)
            events.append(Event(id=event_id, type=event_type, payload=payload,
                                organization_ids=sorted(set(organization_ids)), created_at=now,
                                seq=next(numbers)))
            if only is None:
                journal.event_emitted(event_type, data, organization_ids)
            deliveries.extend(Delivery(**self._delivery(event_id, w.id, now)) for w in subscriptions
                              if only is not None or wants(w, event_type, organization_ids))
        prepared.insert_all(events)
        if deliveries:
            prepared.insert_all(deliveries)
            database.after_commit(self._notify)
        return [event.id for event in events]

    def _delivery(self, event_id, webhook_id, now):
        return {"id": self._store.new_id("dlv"), "event": event_id, "webhook": webhook_id,
                "status": "pending", "attempts": 0, "next_attempt_at": now,
                "created_at": now, "updated_at": now}

    def _notify(self):
        for listener in self._listeners:
            listener()

    def due(self, now, limit, skip=(), lease=None):
        """Pending deliveries whose time has come, oldest first, with event and subscription.

        They are about to be sent, so they are made durable first: a receiver never hears
        of a change that a power cut could still take back (see store/sqlite/durability.py).
        """
        if self._store.engine.replicated:
            return self._claim(now, limit, skip, lease or CLAIM_LEASE)
        query = (Delivery.select(Delivery, Event, Webhook).join(Event).switch(Delivery).join(Webhook)
                 .where(Delivery.status == "pending", Delivery.next_attempt_at <= now,
                        Webhook.is_active == True)  # noqa: E712
                 .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit + len(skip)))
        due = [d for d in query if d.id not in skip][:limit]
        if due:
            self._store.engine.make_durable()
        return due

    def _claim(self, now, limit, skip, lease):
        """`due` for replicas sharing the database: the rows are locked FOR UPDATE SKIP
        LOCKED — a replica claiming at the same moment takes others — and their next
        attempt moved `lease` (a timedelta) ahead, so that no replica takes them again
        while this one sends. The outcome, when written, sets the real next attempt; a
        replica killed meanwhile leaves them pending, and another sends them once the
        lease has passed."""
        with database.atomic():
            ids = [row[0] for row in database.execute_sql(
                _CLAIM.format(limit=int(limit)), (_stored("next_attempt_at", now),))
                   if row[0] not in skip]
            if ids:
                database.execute_sql(
                    f"UPDATE delivery SET next_attempt_at = ? WHERE id IN ({', '.join('?' * len(ids))})",
                    (_stored("next_attempt_at", now + lease), *ids))
        if not ids:
            return []
        found = {d.id: d for d in Delivery.select(Delivery, Event, Webhook).join(Event)
                 .switch(Delivery).join(Webhook).where(Delivery.id.in_(ids))}
        return [found[i] for i in ids if i in found]

    def next_due_at(self):
        """When the earliest pending delivery of an active subscription is due, or None."""
        earliest = (Delivery.select(pw.fn.min(Delivery.next_attempt_at).coerce(False)).join(Webhook)
                    .where(Delivery.status == "pending", Webhook.is_active == True)  # noqa: E712
                    .scalar())
        return Delivery.next_attempt_at.python_value(earliest)

    def queue_depth(self):
        """How many deliveries to active subscriptions wait to be sent (due or not)."""
        return (Delivery.select().join(Webhook)
                .where(Delivery.status == "pending", Webhook.is_active == True)  # noqa: E712
                .count())

    def record_outcomes(self, outcomes):
        """Write a batch of attempt outcomes in one transaction.

        Each outcome is a dict with `id` and the Delivery fields that changed; a
        `disable_webhook` entry turns the subscription off (the receiver said 410 Gone).
        """
        rows = [tuple(_stored(name, outcome[name]) for name in _OUTCOME_FIELDS) + (outcome["id"],)
                for outcome in outcomes]
        gone = [outcome["disable_webhook"] for outcome in outcomes if "disable_webhook" in outcome]
        with write_transaction():
            # one prepared statement for the batch; peewee would build SQL text per row
            database.connection().executemany(_RECORD_OUTCOME, rows)
            for webhook_id in gone:
                Webhook.update(is_active=False, disabled_reason="The receiver answered 410 Gone",
                               updated_at=self._store.now()).where(Webhook.id == webhook_id).execute()

    def deliveries(self, webhook_id, *, limit, after=None):
        query = Delivery.select(Delivery, Event).join(Event).where(Delivery.webhook == webhook_id)
        return keyset_page(query, Delivery, limit, after, counted("delivery.webhook", webhook_id))

    def redeliver(self, webhook_id, delivery_id):
        """Queue a fresh delivery of the same event (same event id) to the same subscription."""
        now = self._store.now()
        with write_transaction():
            original = Delivery.get_or_none(Delivery.id == delivery_id, Delivery.webhook == webhook_id)
            if original is None:
                raise NotFound("delivery", delivery_id)
            webhook = Webhook.get_by_id(webhook_id)
            if not webhook.is_active:
                raise Invalid("webhookId", "The subscription is disabled; enable it first")
            fresh = self._delivery(original.event_id, webhook_id, now)
            Delivery.insert(fresh).execute()
            database.after_commit(self._notify)
        return Delivery.select(Delivery, Event).join(Event).where(Delivery.id == fresh["id"]).get()
