"""The audit log's table: writing notes as hash-chained entries, reading them back,
verifying the chain, pruning it, and applications' declared actions.

Entries are numbered (`seq`) and chained in the order their transactions commit: they are
written by the committing transaction itself, under SQLite's write lock
(store/db.py write_transaction), so the previous entry is always the last one stored.
"""
import json
from datetime import datetime, timedelta

from ..db import bind_audit, database, write_transaction
from ..errors import Invalid
from ..feed import within
from ..fields import stamp
from ..records import timestamp
from . import chain, journal, schemas
from .context import current

COLUMNS = ("seq", *chain.HASHED[1:], "prev_hash", "hash")
_INSERT = (f"INSERT INTO audit_entry ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(COLUMNS))})")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM audit_entry"
_HEAD = "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1"
_ANCHOR = "SELECT seq, hash FROM feed_mark WHERE name = 'audit'"
DEFAULT_RETENTION = timedelta(days=365)
EXPORT_CHUNK = 1000
PRUNE_EVERY = timedelta(hours=1)
# Filters of list and export: query name -> column.
FILTERS = {"actor": "actor_id", "action": "action", "target_id": "target_id",
           "target_type": "target_type", "organization_id": "organization_id"}


class AuditLog:
    def __init__(self, store):
        self._store = store
        self.retention = DEFAULT_RETENTION
        self._pruned_at = None
        bind_audit(self.write)

    def write(self, notes):
        """Store `notes` as entries after the last one, in the current transaction, as the
        current actor's (store/audit/context.py) unless a note names its own; returns the last
        one's number."""
        connection = database.connection()
        seq, prev = self._head(connection)
        current_context = current()
        created_at = stamp(self._store.now())
        rows = []
        for note in notes:
            context = note.context or current_context
            seq += 1
            row = {"seq": seq, "id": self._store.new_id("audit"), "created_at": created_at,
                   "action": note.action, "actor_type": context.actor.kind,
                   "actor_id": context.actor.id, "actor_name": context.actor.name,
                   "target_type": note.target_type, "target_id": note.target_id,
                   "organization_id": note.organization_id,
                   "changes": _json(note.changes), "metadata": _json(note.metadata),
                   "client_address": context.client_address, "request_id": context.request_id}
            row["prev_hash"] = prev
            row["hash"] = prev = chain.entry_hash(prev, row)
            rows.append([row[name] for name in COLUMNS])
        connection.executemany(_INSERT, rows)
        self._prune_if_due(connection)
        return seq

    def _prune_if_due(self, connection):
        """Once an hour, in a write transaction already open: the entries and the events
        past their retention (store/feed.py), so neither needs a thread of its own."""
        now = self._store.now()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        self._prune(connection, now)
        self._store.feed.prune_in(connection, now)
    @staticmethod
    def _head(connection):
        row = connection.execute(_HEAD).fetchone() or connection.execute(_ANCHOR).fetchone()
        return tuple(row) if row else (0, chain.GENESIS)

    def record(self, note):
        """Write one entry that no change makes (a refused key, an application's event), in a
        transaction of its own unless one is open."""
        if not journal.record(note):
            with write_transaction():
                journal.record(note)

    def list(self, *, limit, after=None, org_scope=None, range_start=None, range_end=None,
             **filters):
        """Up to `limit` entries after number `after`, oldest first, and whether more follow."""
        rows = self._select(after or 0, limit + 1, org_scope, range_start, range_end, filters)
        return rows[:limit], len(rows) > limit

    def iterate(self, *, org_scope=None, range_start=None, range_end=None, **filters):
        """Every matching entry, oldest first, read EXPORT_CHUNK at a time: memory stays the
        same whatever the number of entries."""
        after = 0
        while True:
            rows = self._select(after, EXPORT_CHUNK, org_scope, range_start, range_end, filters)
            yield from rows
            if len(rows) < EXPORT_CHUNK:
                return
            after = rows[-1]["seq"]

    def _select(self, after, limit, org_scope, range_start, range_end, filters):
        where, values = ["seq > ?"], [after]
        if org_scope is not None:
            filters = {**filters, "organization_id": org_scope}
        for name, value in filters.items():
            if value is not None:
                where.append(f"{FILTERS[name]} = ?")
                values.append(value)
        within(where, values, range_start, range_end)
        cursor = database.connection().execute(
            f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?", (*values, limit))
        return [dict(zip(COLUMNS, row)) for row in cursor]

    def verify(self):
        """The first break of the chain, (seq, entry id or None, what), or None if intact;
        and how many entries were checked."""
        connection = database.connection()
        anchor = connection.execute(_ANCHOR).fetchone() or (0, chain.GENESIS)
        checked = 0

        def rows():
            nonlocal checked
            for row in connection.execute(f"{_SELECT} ORDER BY seq"):
                checked += 1
                yield dict(zip(COLUMNS, row))

        return chain.first_break(tuple(anchor), rows()), checked

    def prune(self, now):
        """Remove entries older than the retention, keeping the number and hash of the last
        one removed for the chain to start from; returns how many went."""
        with write_transaction():
            return self._prune(database.connection(), now)

    def _prune(self, connection, now):
        # Entries are stored in time order, so the expired ones are those before the first
        # that is not: found by reading from the oldest, as far as the expired ones go.
        last = connection.execute(
            "SELECT seq, hash FROM audit_entry WHERE seq < COALESCE((SELECT seq FROM audit_entry "
            "WHERE created_at >= ? ORDER BY seq LIMIT 1), 4611686018427387904) "  # 2**62: none
            "ORDER BY seq DESC LIMIT 1",
            (stamp(now - self.retention),)).fetchone()
        if last is None:
            return 0
        removed = connection.execute("DELETE FROM audit_entry WHERE seq <= ?", (last[0],)).rowcount
        connection.execute(
            "INSERT INTO feed_mark (name, seq, hash) VALUES ('audit', ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", last)
        return removed

    def entry(self, seq):
        """The stored entry number `seq` (a dict of COLUMNS)."""
        row = database.connection().execute(f"{_SELECT} WHERE seq = ?", (seq,)).fetchone()
        return dict(zip(COLUMNS, row))

    def record_application_event(self, *, action, metadata, target_type=None, target_id=None,
                                 organization_id=None):
        """An application's own event: `metadata` checked against the action's schema
        (400 naming the field), written as the current actor's; returns the entry."""
        declared = self.action(action)
        schemas.check_metadata(declared["schema"], metadata)
        note = journal.Note(action, target_type, target_id, organization_id, {}, metadata)
        with write_transaction():  # written at once, also inside an Idempotency-Key's
            seq = self.write([note])  # transaction, to be read back below
        return self.entry(seq)

    def declare(self, name, description, schema):
        """Declare (or redeclare) application action `name` with the JSON Schema its
        events' metadata must meet."""
        schemas.check_schema(schema)
        now = stamp(self._store.now())
        with write_transaction():
            database.connection().execute(
                "INSERT INTO audit_action (name, description, schema, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "description = excluded.description, schema = excluded.schema, "
                "updated_at = excluded.updated_at", (name, description, _json(schema), now, now))
            journal.record(journal.Note("audit_action.declared", "audit_action", name, None,
                                        {"schema": {"before": None, "after": schema}}))
        return self.action(name)

    def action(self, name, field="action"):
        row = database.connection().execute(
            "SELECT name, description, schema, created_at, updated_at FROM audit_action "
            "WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise Invalid(field, f"No action '{name}' is declared; declare it first")
        return {"name": row[0], "description": row[1], "schema": json.loads(row[2]),
                "createdAt": _shown(row[3]), "updatedAt": _shown(row[4])}


def _shown(stored):
    """A stored time as the API shows it."""
    return timestamp(datetime.fromisoformat(stored.replace("Z", "+00:00")))


def _json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
