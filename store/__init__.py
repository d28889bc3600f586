"""Persistence for Golden Record: peewee models on SQLite, migrations and queries.

Never imports the HTTP layer: everything here is plain Python called with plain values,
so it is quick to test and reusable from the CLI.
"""
import uuid
from datetime import datetime, timezone

from . import records
from .adminsessions import EndedSessions
from .analytics import Analytics
from .apikeys import ApiKeys
from .changes import ChangeCounters, CommitWatch
from goldenrecord import search
from .db import database, open_database, takes_writes, write_transaction
from .events import Events
from .idempotency import IdempotentRequests
from .errors import (Conflict, Forbidden, Invalid, NotFound, OutOfScope, StoreError,
                     Unavailable)
from .memberships import Memberships
from .migrations import migrate, pending
from .models import Setting
from .organizations import Organizations
from .rbac import Rbac
from .users import Users
from .webhooks import Webhooks
from .workos import Workos

__all__ = [
    "Conflict", "Forbidden", "Invalid", "NotFound", "OutOfScope", "Store", "StoreError",
    "Unavailable", "records",
]


def utc_now():
    return datetime.now(timezone.utc)


class Store:
    """The golden record on one SQLite file, with one collaborator per noun.

    `clock` returns an aware UTC datetime and `uuidgen` a uuid.UUID; tests pass their
    own to control expiry and ids without sleeping or patching.
    """

    def __init__(self, path, *, clock=utc_now, uuidgen=uuid.uuid4):
        self.path = str(path)
        self.now = clock
        self._uuidgen = uuidgen
        self.db = open_database(self.path)
        self.changes = ChangeCounters(database, CommitWatch(self.path))
        self.organizations = Organizations(self)
        self.users = Users(self)
        self.memberships = Memberships(self)
        self.rbac = Rbac(self)
        self.api_keys = ApiKeys(self)
        self.analytics = Analytics(self)
        self.events = Events(self)
        self.webhooks = Webhooks(self)
        self.workos = Workos(self)
        self.idempotency = IdempotentRequests(self)
        self.ended_sessions = EndedSessions(self)

    def migrate(self):
        """Create or upgrade the schema; returns the migration versions applied."""
        return migrate(self.db, self.now())

    def new_uuid(self):
        return str(self._uuidgen())

    def new_id(self, prefix):
        return f"{prefix}_{self._uuidgen().hex}"

    def reindex_search(self):
        """Rebuild the search indexes from the tables, in one write transaction: safe while
        serving (readers go on; writers wait for it)."""
        with write_transaction():
            search.reindex(database)

    def setting(self, key):
        return Setting.get_by_id(key).value

    def ping(self):
        self.db.execute_sql("SELECT 1").fetchone()

    def check_ready(self, write_timeout):
        """Raise Unavailable unless every migration is applied and a write would get the
        lock within `write_timeout` seconds: whether this instance can do its work now."""
        missing = pending(self.db)
        if missing:
            raise Unavailable("Database migrations are pending or running: "
                              + ", ".join(map(str, missing)))
        if not takes_writes(self.db, write_timeout):
            raise Unavailable(f"The database took no write within {write_timeout:g} s: "
                              "another connection holds its write lock, or it is read-only")

    def database_bytes(self):
        """The size of the database's pages: its file's size once the WAL is checkpointed."""
        pages, = self.db.execute_sql("PRAGMA page_count").fetchone()
        size, = self.db.execute_sql("PRAGMA page_size").fetchone()
        return pages * size

    def start(self):
        """Start watching for commits by other processes, so that hot reads can be
        answered from memory (store/changes.py). Until then every read asks SQLite."""
        self.changes.start()

    def close(self):
        self.changes.close()
        self.db.close()
