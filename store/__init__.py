"""Persistence for Golden Record: peewee models on SQLite, migrations and queries.

Never imports the HTTP layer: everything here is plain Python called with plain values,
so it is quick to test and reusable from the CLI.
"""
import secrets
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
from .vault import SecretKeyError, open_vault
from .webhooks import Webhooks
from .workos import Workos

__all__ = [
    "Conflict", "Forbidden", "Invalid", "NotFound", "OutOfScope", "SecretKeyError", "Store",
    "StoreError", "records",
]


def utc_now():
    return datetime.now(timezone.utc)


class Store:
    """The golden record on one SQLite file, with one collaborator per noun.

    `clock` returns an aware UTC datetime and `uuidgen` a uuid.UUID; tests pass their
    own to control expiry and ids without sleeping or patching. The secrets inside are
    sealed under `secret_key` (32 bytes) when given, else under the key in `key_file`
    (default: the database's path + ".key"; see store/vault.py); SecretKeyError when that
    key is missing or wrong for a database whose secrets are sealed already.
    """

    def __init__(self, path, *, clock=utc_now, uuidgen=uuid.uuid4, secret_key=None, key_file=""):
        self.path = str(path)
        self.now = clock
        self._uuidgen = uuidgen
        self.db = open_database(self.path)
        try:
            self.vault = open_vault(self.db.connection(), self.path, key=secret_key,
                                    key_file=key_file)
        except SecretKeyError:
            self.db.close()
            raise
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
        return migrate(self.db, self.now(), self.vault.seal)

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

    def start(self):
        """Start watching for commits by other processes, so that hot reads can be
        answered from memory (store/changes.py). Until then every read asks SQLite."""
        self.changes.start()

    def close(self):
        self.changes.close()
        self.db.close()
