"""WAL checkpoints off the write lock.

A checkpoint copies the pages the WAL holds into the database file, so that the WAL can
start again from its beginning. SQLite's own runs once the WAL holds 1,000 pages, inside
the COMMIT that crossed that size: it syncs the WAL, copies the pages, syncs the database
file, and only then does that COMMIT return. SQLite's write lock is free by then, but
this process's writers queue for the write lock in the process first (connection.py),
and the committing thread still held it: every writer of the process waited for the
copy and its two fsyncs — several times a second under creates, and for as long as the
disk takes when it is busy.

Here the connections never checkpoint by themselves (`wal_autocheckpoint=0`). A writer
that has ended its transaction and let go of the write lock runs a PASSIVE checkpoint
(one that neither waits for nor holds up readers and writers) once the writes since the
last one have changed `rows` rows — SQLite's pages are not counted outside it, rows are
(its `total_changes`), and 1,000 rows are a few thousand pages — and at most once an
`interval`; the other writers go on meanwhile, and a trickle of writes checkpoints as
seldom as before. The WAL holds what was written since (or more while a reader keeps an
older snapshot, as with SQLite's own). Every process that writes checkpoints so, the
CLI's too, with no thread of its own. The writer that checkpoints answers after it (with
the creates it wrote for, store/grouped.py): once in a while, a few milliseconds.

Durability is unchanged (durability.py): the writer's connection syncs under
synchronous=NORMAL as SQLite's own checkpoints did (the WAL before the copy, the database
file after it), and the last connection to close still checkpoints and removes the WAL.
"""
import logging
import sqlite3
import threading
import time

log = logging.getLogger("goldenrecord.store")

# A checkpoint once the writes since the last changed this many rows, at most ten a
# second: each costs two fsyncs, and the WAL stays to a few MB under load.
ROWS = 1000
INTERVAL_SECONDS = 0.1


class Checkpoints:
    """Runs a PASSIVE checkpoint once writes have changed `rows` rows since the last, at
    most once an `interval` (seconds of `clock`), in the thread of a writer that has just
    let go of the write lock."""

    def __init__(self, *, rows=ROWS, interval=INTERVAL_SECONDS, clock=time.monotonic):
        self.rows = rows
        self.interval = interval
        self._clock = clock
        self._changed = 0  # rows changed since the last checkpoint
        self._due = 0.0
        self._count = threading.Lock()
        self._running = threading.Lock()  # one checkpoint at a time; the others skip
        self.checkpoints = 0  # checkpoints run, for tests

    def after_write(self, database, changed):
        """Count the `changed` rows of a write just committed, and checkpoint on `database`
        (a peewee database: this thread's connection) if one is due and none is running.
        Called outside any transaction, holding no write lock."""
        now = self._clock()
        with self._count:
            self._changed += changed
            if self._changed < self.rows or now < self._due:
                return
        if not self._running.acquire(blocking=False):
            return
        try:
            with self._count:
                self._changed, self._due = 0, now + self.interval
            self.checkpoint(database)
        finally:
            self._running.release()

    def checkpoint(self, database):
        """Copy what the WAL holds into the database file, as far as no reader needs it
        still; returns (WAL frames, frames copied), or None when it could not run. A
        failure is logged, never raised: the write before it is committed and durable."""
        try:
            _busy, frames, copied = database.connection().execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:
            log.warning("a WAL checkpoint failed (the next write tries again): %s", error)
            return None
        self.checkpoints += 1
        return frames, copied
