"""`goldenrecord workos sync` and POST /api/workos/sync: the golden record kept in step
with WorkOS's organizations, users and memberships through WorkOS's Events API.

The first run — or one whose cursor is older than WorkOS's 30-day event retention, or
that WorkOS no longer accepts — does a full sync (every organization, every user, every
organization's memberships) and then reads the events from when the full sync began, so
changes made while it ran are not lost. Every later run reads the events after the last
one applied. Events are applied by id once (store.workos.receive), in WorkOS's order, and
each object's `updated_at` keeps a late or repeated one from undoing a newer change. The
cursor is saved after every page of events: a run cut short resumes where it stopped.
"""
import logging
from collections import Counter

from goldenrecord.store.errors import Invalid, StoreError
from goldenrecord.store.rules import DateTime
from goldenrecord.store.workos import (EVENT_MEMORY, MEMBERSHIP_EVENTS, ORGANIZATION_EVENTS,
                                       USER_EVENTS)
from goldenrecord.store.workos_sweep import SeenIds, sweep

from . import sync
from .client import NotFoundError, UnprocessableEntityError
from .events import apply_event, mapped
from .mapping import Unmappable, workos_membership, workos_organization

log = logging.getLogger("goldenrecord.workos")

EVENTS = ORGANIZATION_EVENTS + USER_EVENTS + MEMBERSHIP_EVENTS
KINDS = ("organizations", "users", "memberships")
_KIND_OF = {**{e: "organizations" for e in ORGANIZATION_EVENTS},
            **{e: "users" for e in USER_EVENTS},
            **{e: "memberships" for e in MEMBERSHIP_EVENTS}}
MEMBERSHIP_STATUSES = "active,inactive,pending"


def sync_all(client, store, *, role_map=None, progress=None):
    """One run; the counts: {mode, organizations, users, memberships (each outcome ->
    count), events, unknownRoles}. `progress(done)` hears the objects and events handled
    so far. WorkOS errors propagate; what was applied before them stays."""
    with sync.one_at_a_time():
        run = _Run(client, store, role_map or {}, progress)
        cursor = store.workos.cursor()
        if cursor is None or _expired(cursor, store.now()):
            run.full()
        else:
            try:
                run.events(after=cursor.after, range_start=cursor.range_start)
            except (NotFoundError, UnprocessableEntityError) as error:
                log.warning("WorkOS refused the sync cursor (%s): a full sync instead",
                            error.message)
                run.full()
        return run.counts()


def _expired(cursor, now):
    """A cursor WorkOS no longer has the events after: older than its retention."""
    since = cursor.after_created_at or cursor.range_start
    return since is None or since < now - EVENT_MEMORY


class _Run:
    def __init__(self, client, store, role_map, progress):
        self.client, self.store, self.role_map, self._progress = client, store, role_map, progress
        self.mode = "incremental"
        self.totals = {kind: Counter() for kind in KINDS}
        self.events_seen = 0
        self.unknown_roles = 0

    def counts(self):
        return {"mode": self.mode, **{k: dict(self.totals[k]) for k in KINDS},
                "events": self.events_seen, "unknownRoles": self.unknown_roles}

    def _done(self):
        if self._progress is not None:
            self._progress(sum(n for counts in self.totals.values()
                               for outcome, n in counts.items() if outcome != "total"))

    def full(self):
        """Every organization, user and membership, then the events since it began."""
        self.mode = "full"
        started = self.store.now()
        seen = {kind: SeenIds() for kind in KINDS}
        org_ids = self._organizations(seen["organizations"])
        sync.user_pass(self.client, self.store, self.totals["users"], lambda _: self._done(),
                       seen=seen["users"])
        self.totals["users"].pop("total", None)
        for org_id in org_ids:
            self._memberships(org_id, seen["memberships"])
        # every listing finished (an error would have stopped the run): what it did not
        # return is gone from WorkOS (store/workos_sweep.py)
        for kind, counts in sweep(self.store, seen, started).items():
            self.totals[kind].update(counts)
        self.store.workos.save_cursor(range_start=started)
        self.events(after=None, range_start=started)

    def _organizations(self, seen):
        """Apply every WorkOS organization; their WorkOS ids, for the memberships."""
        ids = []
        for page in self.client.pages("/organizations"):
            self._apply_page("organizations", "organization.updated", page, workos_organization)
            ids += [o.get("id") for o in page if isinstance(o, dict)]
        for org_id in ids:
            seen.add(org_id)
        return ids

    def _memberships(self, org_id, seen):
        params = {"organization_id": org_id, "statuses": MEMBERSHIP_STATUSES}
        for page in self.client.pages("/user_management/organization_memberships", params):
            self._apply_page("memberships", "organization_membership.updated", page,
                             lambda data: workos_membership(data, self.role_map))
            for data in page:
                if isinstance(data, dict):
                    seen.add(data.get("id"))

    def _apply_page(self, kind, event_type, page, mapper):
        resources = []
        for data in page:
            try:
                resources.append(mapper(data))
            except Unmappable as error:
                self.totals[kind]["failed"] += 1
                log.warning("WorkOS %s not synced: %s", kind, error.message)
        counts = self.store.workos.apply_page(event_type, resources)
        self.unknown_roles += counts.pop("unknownRoles", 0)
        self.totals[kind].update(counts)
        self._done()

    def events(self, *, after, range_start):
        """The events after `after` (else from `range_start`), applied in order; the
        cursor saved after each page."""
        params = {"events": ",".join(EVENTS)}
        if range_start is not None and after is None:
            params["range_start"] = range_start.isoformat().replace("+00:00", "Z")
        for page in self.client.pages("/events", params, after=after):
            last = None
            for event in page:
                self._apply(event)
                last = event
            self.store.workos.save_cursor(after=last.get("id"),
                                          after_created_at=_created_at(last))

    def _apply(self, event):
        self.events_seen += 1
        event_id, event_type = event.get("id"), event.get("event")
        kind = _KIND_OF.get(event_type)
        if kind is None or not isinstance(event_id, str):
            return
        try:
            resource = mapped(event_type, event.get("data"), self.role_map)
        except Unmappable as error:
            self.totals[kind]["failed"] += 1
            log.warning("WorkOS event %s not applied: %s", event_id, error.message)
            return
        try:
            applied = apply_event(self.store, event_id, event_type, resource,
                                  client=self.client)
        except StoreError as error:  # a conflict: logged, counted, and the rest go on
            self.totals[kind]["failed"] += 1
            log.warning("WorkOS event %s not applied: %s", event_id, error)
            return
        self.totals[kind][applied.outcome] += 1
        self.unknown_roles += applied.unknown_role
        self._done()


def _created_at(event):
    try:
        return DateTime().clean(event.get("created_at"), "created_at")
    except Invalid:
        return None
