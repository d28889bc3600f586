"""SQLite as the store's engine (store/engine.py): one file, WAL mode, and for each part
of the seam what SQLite offers for it.

- connecting: connection.py's pragmas (WAL, synchronous=NORMAL, foreign keys, a busy
  timeout) on a file created readable by its owner only;
- the write lock: BEGIN IMMEDIATE, behind a thread lock for this process's writers;
- durability: group commit, one fsync of the WAL for the commits of many writers, each
  waiting for it before it answers (durability.py); checkpoints run by a writer once it
  has let go of the write lock, never inside a COMMIT (checkpoints.py);
- storage faults: SQLite's result codes BUSY, LOCKED, READONLY, IOERR, FULL, PROTOCOL
  and the errnos ENOSPC, EROFS, EDQUOT, EIO (faults.py);
- the change watch: `PRAGMA data_version` on a connection of its own (watch.py);
- backup: SQLite's online backup API, checked by `PRAGMA integrity_check`, with the
  secret key file copied beside it (backup.py);
- the vault: the secret key in `<database>.key` beside the file unless configured
  otherwise (keys.py; store/vault.py);
- the text index: FTS5 tables kept by triggers, and a table of typo variants
  (search/engine.py);
- migrations: store/migrations/, each in its own IMMEDIATE transaction, so one under way
  elsewhere shows as pending until it commits;
- the write probe: BEGIN IMMEDIATE; ROLLBACK with the busy timeout cut to the wait allowed;
- size: page count × page size.
- concurrency of searches: at most CONCURRENT_SEARCHES at once (below).
"""
import os
import sqlite3
import threading

from goldenrecord import search

from ..engine import Engine, TextIndex
from ..migrations import current_version, migrate, pending
from ..vault import SecretKeyError, open_vault
from . import checks
from .backup import backup, copy_template
from .checkpoints import Checkpoints
from .connection import (DEFAULT_BUSY_TIMEOUT_MS, database_bytes, immediate_transaction,
                         open_database, takes_writes)
from .durability import GroupSync
from .faults import storage_fault
from .keys import key_path, sealed_sample
from .watch import CommitWatch

__all__ = ["SqliteEngine", "copy_template"]


# Searches run at once in one process; the others wait their turn, asleep. Python's
# sqlite3 lets go of the GIL around every step of a statement, and a search steps through
# hundreds or thousands of rows: with the server's 8 request threads all searching, every
# step handed the GIL to another thread and took it back, and a search cost twice the CPU
# (2,400 context switches a search; 100,000 organizations: 55-63 searches/s instead of
# 102-104 with this gate, docs/performance.md). Two keep one search in SQLite while another
# runs Python, on the one core the GIL leaves Python.
CONCURRENT_SEARCHES = 2


class SqliteTextIndex(TextIndex):
    """search/engine.py's FTS5 index on the peewee database `db`, rebuilt in write
    transactions taken by `transaction()`; `concurrent` searches at most at once."""

    def __init__(self, db, transaction, concurrent=CONCURRENT_SEARCHES):
        self._db = db
        self._transaction = transaction
        self._turns = threading.BoundedSemaphore(concurrent)

    def index_document(self, before=(), after=(), *, document=None):
        # FTS5's triggers know the row; its kind says which columns are primary
        search.index_document(self._db, before, after, document and document[0])

    def index_new(self, documents, *, keys=()):
        search.index_new(self._db, documents, [kind for kind, _ in keys])

    def find(self, kind, text, *, where="", params=(), count=True, limit=None, after=None):
        with self._turns:
            return search.find(self._db, kind, text, where=where, params=params, count=count,
                               limit=limit or search.CANDIDATES, after=after)

    def reindex(self, progress=None):
        search.reindex(self._db, self._transaction, progress=progress)


class SqliteEngine(Engine):
    """The SQLite file at `path`, its secrets sealed under the key `secret_key` (text: 64
    hex digits or base64) when given, else under the key in `key_file` (by default the
    database's path + ".key"); a write waits up to `busy_timeout_ms` for the lock."""

    # The library's version: a file built by one SQLite may differ from another's (the
    # embedding's template database is kept per version).
    version = sqlite3.sqlite_version

    def __init__(self, path, *, secret_key="", key_file="",
                 busy_timeout_ms=DEFAULT_BUSY_TIMEOUT_MS):
        self.path = str(path)
        self._secret_key = secret_key
        self._key_file = key_path(self.path, key_file)
        self._busy_timeout_ms = busy_timeout_ms
        self._db = None
        self._text = None
        self._vault = None
        self.durable = None  # a GroupSync once open: tests and benchmarks count its fsyncs
        self.checkpoints = None  # a database in WAL mode's Checkpoints, once open

    def open(self):
        db, durable = open_database(self.path, self._busy_timeout_ms)
        try:
            self._vault = open_vault(sealed_sample(db.connection()), self.path,
                                     key_text=self._secret_key, key_file=self._key_file)
        except SecretKeyError:
            db.close()
            raise
        self._db, self.durable = db, durable
        self._text = SqliteTextIndex(db, self.write_transaction)
        self.checkpoints = Checkpoints() if isinstance(durable, GroupSync) else None
        return db

    def write_transaction(self):
        return immediate_transaction(self._db, self.durable, self._busy_timeout_ms / 1000,
                                     checkpoints=self.checkpoints)

    def make_durable(self):
        if self.durable is not None:
            self.durable.sync_all()

    def storage_fault(self, error):
        return storage_fault(error)

    def commit_watch(self):
        return CommitWatch(self.path)

    def migrate(self, now, progress=None):
        applied = migrate(self._db, now, progress, seal=self._vault.seal)
        self.durable.sync_all()  # migrations commit by themselves, outside write_transaction
        # a migration that changed how text is indexed asks for a rebuild, done in short
        # write transactions (search/rebuild.py; m0018)
        search.reindex_if_due(self._db, self.write_transaction)
        return applied

    def schema_version(self):
        return current_version(self._db)

    def check_location(self):
        return checks.check_location(self.path)

    def check_writable(self):
        checks.check_writable(self.path)

    def explain(self, error):
        return checks.explain(os.path.abspath(self.path), error)

    def pending_migrations(self):
        return pending(self._db)

    def takes_writes(self, seconds):
        return takes_writes(self._db, seconds, self._busy_timeout_ms)

    def database_bytes(self):
        return database_bytes(self._db)

    def backup(self, target, progress=None):
        # A key given as text is kept elsewhere on purpose: it is not written beside a copy.
        return backup(self.path, target, progress,
                      key_file=None if self._secret_key else self._key_file)

    def close(self):
        if self._db is not None:
            self.make_durable()
            self._db.close()
