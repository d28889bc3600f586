"""SQLite's connection settings, its database file's permissions, and its write lock."""
import contextlib
import logging
import os
import sqlite3
import sys
import threading
import time
import traceback

import peewee as pw

from ..engine import write_ended
from ..errors import Unavailable
from .durability import GroupSync, SyncedByCommit

log = logging.getLogger("goldenrecord.store")

# WAL lets readers run beside the single writer. A 2xx response promises the change is
# on disk: in WAL mode a COMMIT only appends to the WAL (synchronous=NORMAL) and the
# writer then waits for a group fsync (durability.py) before it answers; a database that
# cannot be in WAL mode goes back to synchronous=FULL, a COMMIT that syncs by itself. The
# busy timeout (how long to wait for another process's write lock) is the configuration's
# (database.busy_timeout_ms); this is its default.
DEFAULT_BUSY_TIMEOUT_MS = 10000
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": DEFAULT_BUSY_TIMEOUT_MS,
    "cache_size": -32000,
    "temp_store": "memory",
    # checkpoints are run by writers that have let go of the write lock (checkpoints.py)
    "wal_autocheckpoint": 0,
}


def open_database(path, busy_timeout_ms=DEFAULT_BUSY_TIMEOUT_MS):
    """Open (creating if needed) the SQLite file at `path`, waiting up to `busy_timeout_ms`
    for another process's write lock; returns its peewee handle and what makes its commits
    durable (a GroupSync in WAL mode)."""
    create_owner_only(str(path))
    pragmas = {**PRAGMAS, "busy_timeout": busy_timeout_ms}
    db = pw.SqliteDatabase(str(path), pragmas=pragmas, check_same_thread=False)
    db.connect(reuse_if_open=True)
    warn_if_exposed(str(path))
    if db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal":
        return db, GroupSync(str(path) + "-wal")
    db.close()  # in memory, or a file system without WAL: every COMMIT syncs itself
    db = pw.SqliteDatabase(str(path), pragmas={**pragmas, "synchronous": "full"},
                           check_same_thread=False)
    db.connect(reuse_if_open=True)
    return db, SyncedByCommit()


# The database holds the secrets that sign dashboard sessions and cursors: anyone who can
# read it can forge them.
OWNER_ONLY = 0o600
COMPANIONS = ("", "-wal", "-shm")
IN_MEMORY = ("", ":memory:")


def create_owner_only(path):
    """Create `path` as an empty file readable by its owner only, unless it exists.

    SQLite takes an empty file for a new database, and gives the -wal, -shm and -journal
    files it creates beside a database the database's own permissions; so creating the
    file first, 0600, is what keeps all of them private whatever the umask.
    """
    if path in IN_MEMORY:
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    except FileExistsError:
        pass


def warn_if_exposed(path):
    """Log one warning naming the database files that other users may read or write.

    Existing files are left as they are (an administrator may share them on purpose),
    but the risk is said at every start, with the command that removes it.
    """
    exposed = [path + suffix for suffix in COMPANIONS if _open_to_others(path + suffix)]
    if exposed:
        log.warning("%s: open to other users, who could forge dashboard sessions with the "
                    "secrets inside; run chmod 600 %s", ", ".join(exposed), " ".join(exposed))


def _open_to_others(path):
    """True when group or others have any access to the file at `path` (POSIX modes)."""
    if os.name != "posix":
        return False
    try:
        return bool(os.stat(path).st_mode & 0o077)
    except FileNotFoundError:
        return False


# Writers of this process queue here before asking SQLite for its write lock. SQLite's
# busy handler sleeps and polls (up to 100 ms a try), so under steady write load a writer
# could lose the race again and again; a thread lock hands over at once.
_writer = threading.RLock()
# The thread holding `_writer` (outermost), so that a writer that gives up can say who kept
# the lock, and where: a lock held for a whole busy timeout is a bug or a stuck disk.
_holder = None


def _take_writer(timeout):
    """Take `_writer` within `timeout` seconds: whether this is the thread's outermost
    hold, or None when the timeout passed."""
    global _holder
    outermost = not _writer._is_owned()
    if not _writer.acquire(timeout=timeout):
        return None
    if outermost:
        _holder = threading.current_thread()
    return outermost


def _held_too_long(timeout):
    """The Unavailable for a writer that waited `timeout` seconds for `_writer`, having
    logged the thread that holds it and what that thread is doing."""
    holder = _holder
    frame = sys._current_frames().get(holder.ident) if holder is not None else None
    log.warning("a writer gave up after %g s: thread %s holds the write lock, at\n%s",
                timeout, holder.name if holder is not None else "(none: just let go)",
                "".join(traceback.format_stack(frame)) if frame is not None else "?")
    return Unavailable(cause=f"the write lock stayed with another writer of this process "
                             f"for {timeout:g} s")


def _let_go_writer(outermost):
    global _holder
    if outermost:
        _holder = None
    _writer.release()


@contextlib.contextmanager
def immediate_transaction(database, durable, timeout=DEFAULT_BUSY_TIMEOUT_MS / 1000, *,
                          checkpoints=None):
    """A transaction on `database` that takes the write lock up front, and once committed
    is on disk before this returns (`durable`: the GroupSync of open_database); then, the
    lock let go, it checkpoints the WAL if `checkpoints` (checkpoints.py) says one is due.

    BEGIN IMMEDIATE means read-then-write sequences (uniqueness checks, counters) cannot
    interleave with another writer, and lock waits happen at BEGIN, where busy_timeout
    applies (for writers in other processes), instead of failing half-way with SQLITE_BUSY.
    The queue of this process's writers is bounded by the same `timeout` (seconds) as the
    busy timeout: the eighth writer behind a lock another process holds is told Unavailable
    after one timeout, not after eight in a row. The wait for the fsync comes after the
    lock is let go, so the next writer commits while this one's sync runs, and shares the
    next. A nested transaction (a savepoint) leaves the wait to the outermost. Once it has
    ended, whichever way, the listeners of `after_each_write` are told.
    """
    outermost = _take_writer(timeout)
    if outermost is None:
        raise _held_too_long(timeout)
    try:
        ticket = changes = None
        try:
            changes = database.connection().total_changes  # rows, for the checkpoints
            with database.atomic("IMMEDIATE") as transaction:
                yield transaction
            ticket = None if database.in_transaction() else durable.committed()
        finally:
            _let_go_writer(outermost)
        if ticket is not None:
            durable.wait(ticket)
            if checkpoints is not None:
                checkpoints.after_write(database,
                                        database.connection().total_changes - changes)
    finally:
        write_ended()


def takes_writes(database, seconds, busy_timeout_ms=DEFAULT_BUSY_TIMEOUT_MS):
    """Whether this thread's connection to `database` gets SQLite's write lock within
    `seconds`; the connection's busy timeout is `busy_timeout_ms` again afterwards.

    The probe is BEGIN IMMEDIATE then ROLLBACK: the lock every write needs, taken and given
    back without writing anything. Like every writer of this process it queues on the
    in-process lock first, so it never jumps ahead of a write under way here; the busy
    timeout is cut to the time left for the duration of the probe.
    """
    deadline = time.monotonic() + seconds
    outermost = _take_writer(seconds)
    if outermost is None:  # a probe, not a writer: /readyz says so, nothing is logged
        return False
    connection = database.connection()
    try:
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        connection.execute(f"PRAGMA busy_timeout = {left_ms}")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:  # locked past the timeout, or a read-only file
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _let_go_writer(outermost)


def database_bytes(database):
    """The size of `database`'s pages: its file's size once the WAL is checkpointed."""
    pages, = database.execute_sql("PRAGMA page_count").fetchone()
    size, = database.execute_sql("PRAGMA page_size").fetchone()
    return pages * size
