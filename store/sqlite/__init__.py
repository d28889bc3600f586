"""SQLite as the store's engine (store/engine.py): one file, WAL mode, and for each part
of the seam what SQLite offers for it.

- connecting: connection.py's pragmas (WAL, synchronous=FULL, foreign keys, a busy
  timeout) on a file created readable by its owner only;
- the write lock: BEGIN IMMEDIATE, behind a thread lock for this process's writers;
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
from .connection import immediate_transaction, open_database
from .watch import CommitWatch

__all__ = ["SqliteEngine", "copy_template"]


class SqliteTextIndex(TextIndex):
    """search/engine.py's FTS5 index on the peewee database `db`."""

    def __init__(self, db):
        self._db = db

    def index_document(self, before=(), after=()):
        search.index_document(self._db, before, after)

    def find(self, kind, text, *, where="", params=(), count=True, limit=None, after=None):
        return search.find(self._db, kind, text, where=where, params=params, count=count,
                           limit=limit or search.CANDIDATES, after=after)

    def reindex(self):
        search.reindex(self._db)


class SqliteEngine(Engine):
    """The SQLite file at `path`."""

    # The library's version: a file built by one SQLite may differ from another's (the
    # embedding's template database is kept per version).
    version = sqlite3.sqlite_version

    def __init__(self, path):
        self.path = str(path)
        self._db = None
        self._text = None

    def open(self):
        self._db = open_database(self.path)
        self._text = SqliteTextIndex(self._db)
        return self._db

    def write_transaction(self):
        return immediate_transaction(self._db)

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
