"""SQLite as the store's engine (store/engine.py): one file, WAL mode, and for each part
of the seam what SQLite offers for it.

- connecting: connection.py's pragmas (WAL, synchronous=FULL, foreign keys, a busy
  timeout) on a file created readable by its owner only;
- the write lock: BEGIN IMMEDIATE, behind a thread lock for this process's writers;
- storage faults: SQLite's result codes BUSY, LOCKED, READONLY, IOERR, FULL and the
  errnos ENOSPC, EROFS, EDQUOT, EIO (faults.py);
- the change watch: `PRAGMA data_version` on a connection of its own (watch.py);
- backup: SQLite's online backup API, checked by `PRAGMA integrity_check` (backup.py);
- the text index: FTS5 tables kept by triggers, and a table of typo variants
  (search/engine.py);
- migrations: store/migrations/, each in its own IMMEDIATE transaction.
"""
import sqlite3

from goldenrecord import search

from ..engine import Engine, TextIndex
from ..migrations import current_version, migrate
from .backup import backup, copy_template
from .connection import DEFAULT_BUSY_TIMEOUT_MS, immediate_transaction, open_database
from .faults import storage_fault
from .watch import CommitWatch

__all__ = ["SqliteEngine", "copy_template"]


class SqliteTextIndex(TextIndex):
    """search/engine.py's FTS5 index on the peewee database `db`, rebuilt in write
    transactions taken by `transaction()`."""

    def __init__(self, db, transaction):
        self._db = db
        self._transaction = transaction

    def index_document(self, before=(), after=()):
        search.index_document(self._db, before, after)

    def find(self, kind, text, *, where="", params=(), count=True):
        return search.find(self._db, kind, text, where=where, params=params, count=count)

    def reindex(self, progress=None):
        search.reindex(self._db, self._transaction, progress=progress)


class SqliteEngine(Engine):
    """The SQLite file at `path`; a write waits up to `busy_timeout_ms` for the lock."""

    # The library's version: a file built by one SQLite may differ from another's (the
    # embedding's template database is kept per version).
    version = sqlite3.sqlite_version

    def __init__(self, path, busy_timeout_ms=DEFAULT_BUSY_TIMEOUT_MS):
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._db = None
        self._text = None

    def open(self):
        self._db = open_database(self.path, self._busy_timeout_ms)
        self._text = SqliteTextIndex(self._db, self.write_transaction)
        return self._db

    def write_transaction(self):
        return immediate_transaction(self._db, self._busy_timeout_ms / 1000)

    def storage_fault(self, error):
        return storage_fault(error)

    def commit_watch(self):
        return CommitWatch(self.path)

    @property
    def text(self):
        return self._text

    def migrate(self, now):
        return migrate(self._db, now)

    def schema_version(self):
        return current_version(self._db)

    def backup(self, target):
        return backup(self.path, target)

    def close(self):
        if self._db is not None:
            self._db.close()
