"""The events feed: the outbox read in commit order, for consumers that poll.

Each event gets `seq` inside the transaction that writes it (`next_numbers`). SQLite
serializes write transactions (BEGIN IMMEDIATE, store/sqlite/connection.py), and the
number is the largest so far plus one, read under that lock: so a larger number is always
a later commit, and a reader that has seen number n has seen every commit before it. A
cursor is a number; a walk from it never skips nor repeats an event, even while others
write. Events are kept `retention` after they were written, delivered or not; pruning
remembers the last number it removed (feed_mark 'event'), and a cursor before it is
expired: events it has not seen are gone.
"""
import json
from datetime import timedelta

from .db import database, write_transaction
from .fields import stamp

PING = "ping"
_LAST = ("SELECT MAX(COALESCE((SELECT MAX(seq) FROM event), 0), "
         "COALESCE((SELECT seq FROM feed_mark WHERE name = 'event'), 0))")
_PRUNED = "SELECT seq FROM feed_mark WHERE name = 'event'"
DEFAULT_RETENTION = timedelta(days=30)


def next_numbers(count):
    """`count` consecutive event numbers after every one used so far; call inside the write
    transaction that inserts them."""
    last, = database.connection().execute(_LAST).fetchone()
    return range(last + 1, last + 1 + count)


def within(where, values, range_start, range_end):
    """Add to `where` and `values` the conditions of a time range on `created_at` (either
    end None: open), as the feed's and the audit log's filters take it."""
    if range_start is not None:
        where.append("created_at >= ?")
        values.append(stamp(range_start))
    if range_end is not None:
        where.append("created_at < ?")
        values.append(stamp(range_end))


class EventFeed:
    def __init__(self, store):
        self._store = store
        self.retention = DEFAULT_RETENTION

    def pruned_through(self):
        """The last event number pruned (0: none), below which a cursor has expired."""
        row = database.connection().execute(_PRUNED).fetchone()
        return row[0] if row else 0

    def latest(self):
        """The number of the newest event (0 when none): where a new consumer may start."""
        return database.connection().execute(_LAST).fetchone()[0]

    def read(self, *, after, limit, types, organization_id=None, range_start=None,
             range_end=None):
        """Up to `limit` (seq, payload JSON text) after number `after`, in commit order,
        of the event `types` (never pings), concerning `organization_id` when given."""
        where, values = ["seq > ?", f"type IN ({', '.join('?' * len(types))})"], [after, *types]
        if organization_id is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(event.organization_ids) "
                         "WHERE json_each.value = ?)")
            values.append(organization_id)
        within(where, values, range_start, range_end)
        sql = (f"SELECT seq, payload FROM event WHERE {' AND '.join(where)} "
               f"ORDER BY seq LIMIT ?")
        return database.connection().execute(sql, (*values, limit)).fetchall()

    def prune(self, now):
        """Remove events older than the retention (with their deliveries), remembering the
        last number removed; returns how many went."""
        with write_transaction():
            return self.prune_in(database.connection(), now)

    def prune_in(self, connection, now):
        """`prune` inside a write transaction already open on `connection`."""
        last, = connection.execute("SELECT MAX(seq) FROM event WHERE created_at < ?",
                                   (stamp(now - self.retention),)).fetchone()
        if last is None:
            return 0
        removed = connection.execute("DELETE FROM event WHERE seq <= ?", (last,)).rowcount
        connection.execute(
            "INSERT INTO feed_mark (name, seq) VALUES ('event', ?) "
            "ON CONFLICT (name) DO UPDATE SET seq = MAX(seq, excluded.seq)", (last,))
        return removed


def payloads(rows):
    """The event objects of rows from `read`, as webhooks deliver them."""
    return [json.loads(payload) for _seq, payload in rows]
