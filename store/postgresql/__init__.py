"""PostgreSQL as the store's engine (store/engine.py): for operators who outgrow one
file, several identical replicas on one database (docs/postgresql.md).

- connecting: psycopg 3 through peewee's PostgresqlDatabase, one connection per thread,
  speaking the store's SQLite-style statements (connection.py);
- the write lock: a transaction-level advisory lock every replica shares, taken at the
  start of each write transaction, waited for up to the busy timeout (lock_timeout);
- durability: PostgreSQL's COMMIT (synchronous_commit as the server has it);
- storage faults: SQLSTATE classes 08, 53, 57, 58 and lock, read-only, serialization
  codes (faults.py);
- the change watch: LISTEN/NOTIFY, sent by the change counters' triggers (watch.py);
- backup: refused, with the command that makes one (pg_dump, or the server's own
  backups); the secret key is kept by the operator in any case;
- the vault: the key is database.secret_key or the file database.secret_key_file, one of
  which must be given (every replica needs the same key, and there is no file beside a
  PostgreSQL database to keep it in);
- the text index: a token table and SQLite's deletion-variant tables (text.py);
- migrations: migrations/, under an advisory lock, numbered as SQLite's;
- the write probe: the write lock taken and given back within the time allowed;
- size: pg_database_size.
"""
import urllib.parse

import peewee as pw
import psycopg

from ..engine import BackupError, Engine, Unusable
from ..vault import SecretKeyError, open_vault
from .connection import PgDatabase, database_bytes, takes_writes, write_transaction
from .faults import storage_fault
from .migrations import current_version, migrate, pending
from .text import PgTextIndex
from .watch import NotifyWatch

__all__ = ["PostgresEngine"]

_SAMPLE = ("SELECT value FROM setting WHERE value LIKE 'sealed:v1:%' UNION ALL "
           "SELECT secret FROM webhook WHERE secret LIKE 'sealed:v1:%' LIMIT 1")


def redacted(url):
    """`url` without its password, for messages and logs."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class PostgresEngine(Engine):
    """The PostgreSQL database at `url` (postgresql://...), its secrets sealed under the
    key `secret_key` or the one in `key_file`; a writer waits up to `busy_timeout_ms` for
    the write lock."""

    version = "postgresql"
    replicated = True
    json_array_holds = "{column}::jsonb @> jsonb_build_array(CAST(? AS text))"

    def __init__(self, url, *, secret_key="", key_file="", busy_timeout_ms=10000):
        self.url = url
        self.path = redacted(url)
        self._secret_key = secret_key
        self._key_file = key_file
        self._busy_timeout_ms = busy_timeout_ms
        self._db = None
        self._text = None
        self._vault = None

    def open(self):
        if not (self._secret_key or self._key_file):
            raise SecretKeyError("database.url: a PostgreSQL database needs "
                                 "database.secret_key or database.secret_key_file (the same "
                                 "key for every replica)")
        db = PgDatabase(self.url, lock_timeout_ms=self._busy_timeout_ms)
        db.connect(reuse_if_open=True)
        try:
            self._vault = open_vault(self._sample(db), self.path, key_text=self._secret_key,
                                     key_file=self._key_file)
        except SecretKeyError:
            db.close()
            raise
        self._db = db
        self._text = PgTextIndex(db, self.write_transaction)
        return db

    @staticmethod
    def _sample(db):
        if db.execute_sql("SELECT to_regclass('webhook')").fetchone()[0] is None:
            return None
        row = db.execute_sql(_SAMPLE).fetchone()
        return row[0] if row else None

    def write_transaction(self):
        return write_transaction(self._db)

    def make_durable(self):
        """Nothing to wait for: a PostgreSQL COMMIT has returned only once durable."""

    def storage_fault(self, error):
        return storage_fault(error)

    def commit_watch(self):
        return NotifyWatch(self.url, self._db.backend_pids)

    def migrate(self, now, progress=None):
        applied = migrate(self._db, now, progress, seal=self._vault.seal)
        # a migration that changed how text is tokenized asks for a rebuild, done in
        # short write transactions (p0018, as search/rebuild.py on SQLite)
        if self._db.execute_sql("SELECT to_regclass('search_rebuild_due')").fetchone()[0]:
            self._text.reindex()
            with self.write_transaction():
                self._db.execute_sql("DROP TABLE IF EXISTS search_rebuild_due")
        return applied

    def schema_version(self):
        return current_version(self._db)

    def check_location(self):
        """The server must answer; returns whether the database has no schema yet."""
        try:
            with psycopg.connect(self.url, connect_timeout=10) as connection:
                found = connection.execute("SELECT to_regclass('schema_migrations')").fetchone()
        except psycopg.Error as error:
            raise Unusable(f"{self.path}: cannot connect to PostgreSQL "
                           f"({str(error).strip().splitlines()[0]}); check database.url, "
                           "and that the server runs and the database exists") from None
        return found[0] is None

    def check_writable(self):
        """On a connection of its own: the check may be asked of an engine not opened."""
        db = PgDatabase(self.url, lock_timeout_ms=self._busy_timeout_ms)
        try:
            writable = takes_writes(db, self._busy_timeout_ms / 1000)
        finally:
            db.close()
        if not writable:
            raise Unusable(f"{self.path}: the database takes no writes (read-only, a standby, "
                           "or the write lock is held); point database.url at the primary")

    def explain(self, error):
        if isinstance(error, (psycopg.Error, pw.OperationalError)):
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            return Unusable(f"{self.path}: {first}")
        return None

    def pending_migrations(self):
        return pending(self._db)

    def takes_writes(self, seconds):
        return takes_writes(self._db, seconds)

    def database_bytes(self):
        return database_bytes(self._db)

    def backup(self, target, progress=None):
        raise BackupError("goldenrecord backup copies SQLite files; for PostgreSQL use the "
                          f"server's own backups or: pg_dump --format=custom --file={target} "
                          "DATABASE_URL (and keep the secret key with it: the copy's secrets "
                          "open with that key only)")

    def close(self):
        if self._db is not None:
            self._db.close()
