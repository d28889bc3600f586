"""Which of psycopg's errors mean "PostgreSQL cannot serve for now" (503), not a bug.

By SQLSTATE class and code (https://www.postgresql.org/docs/15/errcodes-appendix.html):
a connection that failed or was lost (08, and psycopg's OperationalError without a
code), the server shutting down or out of resources (57P01-57P03, 53), a lock not had
within lock_timeout (55P03), a read-only transaction or a hot standby (25006), a
serialization failure or deadlock (40001, 40P01), disk full (53100), I/O error (58030).
"""
import psycopg

from ..errors import Unavailable

_CLASSES = ("08", "53", "57", "58")
_CODES = {"55P03": "a lock was not had within database.busy_timeout_ms",
          "25006": "the database is read-only (a standby?)",
          "40001": "a concurrent write conflicted", "40P01": "a deadlock was broken"}


def storage_fault(error):
    """A store.Unavailable when `error` (peewee's wrapper of psycopg's, or psycopg's)
    means PostgreSQL cannot serve for now, else None."""
    cause = error
    while cause is not None and not isinstance(cause, psycopg.Error):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return None
    code = cause.sqlstate or ""
    if code in _CODES:
        return Unavailable(cause=_CODES[code])
    if code[:2] in _CLASSES or (not code and isinstance(cause, psycopg.OperationalError)):
        return Unavailable(cause=f"PostgreSQL: {type(cause).__name__} {code}".strip())
    return None
