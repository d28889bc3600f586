"""The one database handle and the SQLite settings every connection gets.

The database is bound at run time through a proxy (peewee's DatabaseProxy), so the
models can be imported before anyone knows which file they live in. One process
serves one Golden Record database.
"""
import contextlib
import itertools
import threading

import peewee as pw

database = pw.DatabaseProxy()

# WAL lets readers run beside the single writer; synchronous=FULL makes a COMMIT
# durable before it returns, because a 2xx response promises the change is on disk.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "cache_size": -32000,
    "temp_store": "memory",
}


def open_database(path):
    """Open (creating if needed) the SQLite file at `path` and bind the models to it."""
    db = pw.SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    return db


# Writers of this process queue here before asking SQLite for its write lock. SQLite's
# busy handler sleeps and polls (up to 100 ms a try), so under steady write load a writer
# could lose the race again and again; a thread lock hands over at once.
_writer = threading.RLock()


class CommitCount:
    """How many write transactions of this process have ended (committed or not).

    Read without a lock by the commit watch (store/changes.py): a cached answer is kept
    only while this number stands still, so this process's own changes are seen by the
    next read at once. `itertools.count` hands out numbers atomically under the GIL.
    """

    def __init__(self):
        self._numbers = itertools.count(1)
        self.value = 0

    def bump(self):
        self.value = next(self._numbers)


local_commits = CommitCount()


@contextlib.contextmanager
def write_transaction():
    """A transaction that takes the write lock up front.

    BEGIN IMMEDIATE means read-then-write sequences (uniqueness checks, counters) cannot
    interleave with another writer, and lock waits happen at BEGIN, where busy_timeout
    applies (for writers in other processes), instead of failing half-way with SQLITE_BUSY.
    The commit count moves once the transaction has ended, whichever way it ended.
    """
    with _writer:
        try:
            with database.atomic("IMMEDIATE") as transaction:
                yield transaction
        finally:
            local_commits.bump()
