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
from .db import database, open_database, write_transaction
from .events import Events
from .idempotency import IdempotentRequests
from .errors import Conflict, Forbidden, Invalid, NotFound, OutOfScope, StoreError
from .memberships import Memberships
from .migrations import migrate
from .models import Setting
from .organizations import Organizations
from .rbac import Rbac
from .users import Users
from .webhooks import Webhooks
from .workos import Workos

__all__ = [
    "Conflict", "Forbidden", "Invalid", "NotFound", "OutOfScope", "Store", "StoreError", "records",
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

    def migrate(self, progress=None):
        """Create or upgrade the schema; returns the migration versions applied.
        `progress(count, total)` hears of each migration (see migrations.migrate)."""
        return migrate(self.db, self.now(), progress)

    def new_uuid(self):
        return str(self._uuidgen())

    def new_id(self, prefix):
        return f"{prefix}_{self._uuidgen().hex}"

    def reindex_search(self, progress=None):
        """Rebuild the search indexes from the tables, in one write transaction: safe while
        serving (readers go on; writers wait for it). `progress(count, total)` hears of
        each step (see search.reindex)."""
        with write_transaction():
            search.reindex(database, progress)

    def setting(self, key):
        return Setting.get_by_id(key).value

    def ping(self):
        self.db.execute_sql("SELECT 1").fetchone()

    def start(self):
        """Start watching for commits by other processes, so that hot reads can be
        answered from memory (store/changes.py). Until then every read asks SQLite."""
        self.changes.start()

    def close(self):
        self.changes.close()
        self.db.close()
