"""Persistence for Golden Record: peewee models, migrations and queries, on the database
engine the configuration names (store/engine.py; SQLite's is store/sqlite/).

Never imports the HTTP layer: everything here is plain Python called with plain values,
so it is quick to test and reusable from the CLI.
"""
import uuid
from datetime import datetime, timezone

from . import records
from .adminsessions import EndedSessions
from .analytics import Analytics
from .apikeys import ApiKeys
from .changes import ChangeCounters
from .db import bind, write_transaction
from .engine import BackupError, Engine, engine_for
from .events import Events
from .idempotency import IdempotentRequests
from .errors import Conflict, Forbidden, Invalid, NotFound, OutOfScope, StoreError
from .memberships import Memberships
from .models import Setting
from .organizations import Organizations
from .pages import PageCache
from .rbac import Rbac
from .sqlite import SqliteEngine
from .users import Users
from .webhooks import Webhooks
from .workos import Workos

__all__ = [
    "BackupError", "Conflict", "Engine", "Forbidden", "Invalid", "NotFound", "OutOfScope",
    "Store", "StoreError", "engine_for", "records",
]


def utc_now():
    return datetime.now(timezone.utc)


class Store:
    """The golden record on one database, with one collaborator per noun.

    `database` is an Engine (`engine_for(config.database)`), or the path of a SQLite file.
    `clock` returns an aware UTC datetime and `uuidgen` a uuid.UUID; tests pass their
    own to control expiry and ids without sleeping or patching.
    """

    def __init__(self, database, *, clock=utc_now, uuidgen=uuid.uuid4):
        self.engine = database if isinstance(database, Engine) else SqliteEngine(database)
        self.path = self.engine.path
        self.now = clock
        self._uuidgen = uuidgen
        self.db = bind(self.engine)
        self.text = self.engine.text
        self.changes = ChangeCounters(self.db, self.engine.commit_watch())
        self.pages = PageCache(self.changes)
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
        return self.engine.migrate(self.now())

    def schema_version(self):
        return self.engine.schema_version()

    def new_uuid(self):
        return str(self._uuidgen())

    def new_id(self, prefix):
        return f"{prefix}_{self._uuidgen().hex}"

    def reindex_search(self):
        """Rebuild the search indexes from the tables, in one write transaction: safe while
        serving (readers go on; writers wait for it)."""
        with write_transaction():
            self.text.reindex()

    def setting(self, key):
        return Setting.get_by_id(key).value

    def ping(self):
        self.db.execute_sql("SELECT 1").fetchone()

    def start(self):
        """Start watching for commits by other processes, so that hot reads can be
        answered from memory (store/changes.py). Until then every read asks SQLite."""
        self.changes.start()

    def backup(self, target):
        """Copy the database to the new file `target` while it serves; returns its size.
        BackupError when it cannot be made."""
        return self.engine.backup(target)

    def close(self):
        self.changes.close()
        self.engine.close()
