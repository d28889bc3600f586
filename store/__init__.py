"""Persistence for Golden Record: peewee models, migrations and queries, on the database
engine the configuration names (store/engine.py; SQLite's is store/sqlite/).

Never imports the HTTP layer: everything here is plain Python called with plain values,
so it is quick to test and reusable from the CLI.
"""
import secrets
from datetime import datetime, timezone

from . import records
from .adminsessions import EndedSessions
from .analytics import Analytics
from .apikeys import ApiKeys
from .audit.log import AuditLog
from .authorization import Authorization
from .changes import ChangeCounters
from .domains import Domains
from .db import bind, write_transaction
from .engine import Backup, BackupError, Engine, Unusable, engine_for
from .events import Events
from .feed import EventFeed
from .idempotency import IdempotentRequests
from .ids import uuid7
from .invitations import Invitations
from .errors import (Conflict, Forbidden, Gone, Invalid, NotFound, OutOfScope, StoreError,
                     Unavailable)
from .memberships import Memberships
from .jobs import Jobs
from .group_roles import GroupRoles
from .provisioning import Provisioning
from .groups import Groups
from .models import Setting
from .organizations import Organizations
from .pages import PageCache
from .permissions import Permissions
from .ratelimits import RateWindows
from .roles import Roles
from .sqlite import SqliteEngine
from .users import Users
from .vault import SecretKeyError
from .webhooks import Webhooks
from .workos import Workos

__all__ = [
    "Backup", "BackupError", "Conflict", "Engine", "Forbidden", "Invalid", "NotFound",
    "OutOfScope", "SecretKeyError", "Store", "StoreError", "Unavailable", "Unusable", "Gone",
    "engine_for", "records",
]


def utc_now():
    return datetime.now(timezone.utc)


class Store:
    """The golden record on one database, with one collaborator per noun.

    `database` is an Engine (`engine_for(config.database)`), or the path of a SQLite file.
    `clock` returns an aware UTC datetime and `uuidgen` a uuid.UUID (None: a
    time-ordered version 7, store/ids.py); tests pass their own to control expiry and ids
    without sleeping or patching. The secrets inside are
    sealed under the engine's secret key (a SQLite file's: by default in the file beside
    it, path + ".key"; store/vault.py); SecretKeyError when that key is missing or wrong
    for a database whose secrets are sealed already.
    """

    def __init__(self, database, *, clock=utc_now, uuidgen=None):
        self.engine = database if isinstance(database, Engine) else SqliteEngine(database)
        self.path = self.engine.path
        self.now = clock
        self._uuidgen = uuidgen or uuid7
        self.db = bind(self.engine)
        self.text = self.engine.text
        self.changes = ChangeCounters(self.db, self.engine.commit_watch())
        self.pages = PageCache(self.changes)
        self.organizations = Organizations(self)
        self.users = Users(self)
        self.memberships = Memberships(self)
        self.roles = Roles(self)
        self.permissions = Permissions(self)
        self.authorization = Authorization(self)
        self.invitations = Invitations(self)
        self.domains = Domains(self)
        self.provisioning = Provisioning(self)
        self.scim_groups = Groups(self)
        self.group_roles = GroupRoles(self)
        self.api_keys = ApiKeys(self)
        self.analytics = Analytics(self)
        self.events = Events(self)
        self.feed = EventFeed(self)
        self.audit = AuditLog(self)
        self.webhooks = Webhooks(self)
        self.workos = Workos(self)
        self.idempotency = IdempotentRequests(self)
        self.ended_sessions = EndedSessions(self)
        self.rate_windows = RateWindows(self.db)
        self.jobs = Jobs(self)

    def migrate(self, progress=None):
        """Create or upgrade the schema; returns the migration versions applied.
        `progress(count, total)` hears of each migration."""
        return self.engine.migrate(self.now(), progress)

    def schema_version(self):
        return self.engine.schema_version()

    def new_uuid(self):
        return str(self._uuidgen())

    def new_id(self, prefix):
        return f"{prefix}_{self._uuidgen().hex}"

    def reindex_search(self, progress=None):
        """Rebuild the search indexes from the tables while the service serves: in write
        transactions of a few tens of milliseconds, so writers are never held up for long
        (search/rebuild.py). `progress(done, total)` is told as it goes."""
        self.text.reindex(progress=progress)

    def storage_fault(self, error):
        """A store.Unavailable when `error` means the database cannot serve for now (the
        engine says which of its errors do), else None."""
        return self.engine.storage_fault(error)

    def setting(self, key):
        """The per-database secret `key` (unsealed), made on first use: the migrations made
        those of a migrated database, and a copy of the template database has none."""
        row = Setting.get_or_none(Setting.key == key)
        if row is None:
            with write_transaction():
                Setting.insert(key=key, value=secrets.token_hex(32)).on_conflict_ignore().execute()
            row = Setting.get_by_id(key)
        return row.value

    def ping(self):
        self.db.execute_sql("SELECT 1").fetchone()

    def check_ready(self, write_timeout):
        """Raise Unavailable unless every migration is applied and a write would get the
        lock within `write_timeout` seconds: whether this instance can do its work now."""
        missing = self.engine.pending_migrations()
        if missing:
            raise Unavailable("Database migrations are pending or running: "
                              + ", ".join(map(str, missing)))
        if not self.engine.takes_writes(write_timeout):
            raise Unavailable(f"The database took no write within {write_timeout:g} s: "
                              "another connection holds its write lock, or it is read-only")

    def database_bytes(self):
        """How large the database is, as its engine measures it (for /metrics)."""
        return self.engine.database_bytes()

    def start(self):
        """Start watching for commits by other processes, so that hot reads can be
        answered from memory (store/changes.py). Until then every read asks SQLite."""
        self.changes.start()

    def backup(self, target):
        """Copy the database to the new file `target` while it serves, with its secret key
        file beside it; returns a Backup (its size, the key copy). BackupError when it
        cannot be made."""
        return self.engine.backup(target)

    def close(self):
        self.changes.close()
        self.engine.close()
