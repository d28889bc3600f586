"""PostgreSQL connections as the store uses them: peewee's PostgresqlDatabase over
psycopg 3, speaking the SQL the store writes for SQLite, and the write lock.

The store's statements are written once, with SQLite's `?` placeholders, and run on
`database.connection().execute(...)` / `.executemany(...)` as with Python's sqlite3
module. `PgDatabase` accepts both: a statement with `?` outside quotes has them turned
into psycopg's `%s` (and its literal `%` doubled), and `connection()` hands out a thin
wrapper with sqlite3's `execute`/`executemany`. Python booleans are stored as the
integers 0 and 1, as on SQLite, so flags compare alike in both dialects (`is_active = 1`).

The write lock: every write transaction takes one transaction-level advisory lock first
(`pg_advisory_xact_lock`), which every replica on the database shares. Writers are thus
serialized as SQLite serializes them, and read-then-write sequences (a slug's uniqueness
check, a counter) cannot interleave with a writer in any replica. Waiting for it is
bounded by `lock_timeout`, the configuration's busy timeout: past it, Unavailable (503).
"""
import contextlib
import functools
import time

import peewee as pw
import psycopg
from psycopg.adapt import Dumper

from ..engine import write_ended
from ..errors import Unavailable

# The advisory lock key every write transaction takes (any constant shared by replicas).
WRITE_LOCK = 0x601D_4EC1


class _BoolAsInt(Dumper):
    """Python booleans as the integers SQLite stores (INTEGER flag columns)."""

    oid = psycopg.adapters.types["int4"].oid

    def dump(self, value):
        return b"1" if value else b"0"


@functools.lru_cache(maxsize=4096)
def to_format(sql):
    """`sql` with `?` placeholders (outside quotes) as psycopg's `%s`, its `%` doubled;
    unchanged when it has none (peewee's own SQL already uses `%s`)."""
    out, quote, changed = [], None, False
    for char in sql:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            changed = True
            continue
        out.append("%%" if char == "%" else char)  # psycopg parses literals too
    return "".join(out) if changed else sql


class QmarkConnection:
    """A psycopg connection with sqlite3's `execute` and `executemany` (qmark style)."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql, params=()):
        cursor = self.raw.cursor()
        cursor.execute(to_format(sql), params if params else None)
        return cursor

    def executemany(self, sql, rows):
        cursor = self.raw.cursor()
        rows = list(rows)
        if rows:
            cursor.executemany(to_format(sql), rows)
        return cursor

    def __getattr__(self, name):
        return getattr(self.raw, name)


class PgDatabase(pw.PostgresqlDatabase):
    """peewee's PostgreSQL database, taking SQLite-style statements as well (module doc)."""

    def __init__(self, url, *, lock_timeout_ms, **kwargs):
        self._lock_timeout_ms = int(lock_timeout_ms)
        # the server processes of this database's open connections: their commits'
        # notifications are this process's own, which the change watch has already counted
        self.backend_pids = set()
        super().__init__(url, prefer_psycopg3=True, **kwargs)

    def _connect(self):
        conn = super()._connect()
        self.backend_pids.add(conn.info.backend_pid)
        conn.adapters.register_dumper(bool, _BoolAsInt)
        # a writer queued on the write lock (or any row lock) gives up after this long
        conn.execute(f"SET lock_timeout = {self._lock_timeout_ms}")
        return conn

    def _close(self, conn):
        self.backend_pids.discard(conn.info.backend_pid)
        super()._close(conn)

    def connection(self):
        return QmarkConnection(super().connection())

    def execute_sql(self, sql, params=None):
        return self._execute_cursor(to_format(sql), params)

    def _execute_cursor(self, sql, params, **cursor_options):
        """peewee's, but with no parameters passed as None: psycopg then leaves a literal
        `%` alone (peewee passes an empty tuple, which makes psycopg parse the text)."""
        if params:
            return super()._execute_cursor(sql, params, **cursor_options)
        self._log_query(sql, params)
        start = time.perf_counter() if self.query_hooks else None
        try:
            with pw.__exception_wrapper__:
                cursor = self.cursor(**cursor_options)
                cursor.execute(sql, None)
        except Exception as error:
            if start is not None:
                self._notify_hooks(sql, params, start, error)
            raise
        if start is not None:
            self._notify_hooks(sql, params, start, None)
        return cursor


@contextlib.contextmanager
def write_transaction(database):
    """A transaction on `database` holding the shared write lock from its start (module
    doc); nested, a savepoint. PostgreSQL's COMMIT is durable when it returns."""
    nested = database.in_transaction()
    try:
        with database.atomic() as transaction:
            if not nested:
                try:
                    database.execute_sql("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                except pw.OperationalError as error:
                    if _code(error) == "55P03":  # lock_not_available: lock_timeout passed
                        raise Unavailable(cause="the write lock stayed with another writer "
                                                "past database.busy_timeout_ms") from error
                    raise
            yield transaction
    finally:
        if not nested:
            write_ended()


def _code(error):
    cause = getattr(error, "__cause__", None) or error
    return getattr(cause, "sqlstate", None)


def takes_writes(database, seconds):
    """Whether a writer would get the write lock within `seconds`: the lock is taken
    and given back in a transaction that writes nothing."""
    try:
        with database.atomic():
            database.execute_sql(f"SET LOCAL lock_timeout = {max(1, int(seconds * 1000))}")
            database.execute_sql("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            read_only = database.execute_sql("SHOW transaction_read_only").fetchone()[0]
        return read_only == "off"
    except (pw.OperationalError, pw.InternalError, pw.DatabaseError):
        return False


def database_bytes(database):
    """The database's size on disk, as PostgreSQL measures it."""
    return database.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]

