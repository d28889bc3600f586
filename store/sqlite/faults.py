"""Which of SQLite's errors (and the operating system's) are storage faults: causes outside
the request that go away by themselves or by an operator's hand, where the client should
retry later, rather than bugs.

Told by SQLite's result code, not its message: the primary code is the low byte of the
extended one Python reports (`sqlite_errorcode`), e.g. SQLITE_IOERR_WRITE is IOERR.
"""
import errno
import sqlite3

from ..errors import Unavailable

# https://www.sqlite.org/rescode.html. SQLITE_PROTOCOL is WAL mode's lost locking race:
# a connection that kept losing it to other connections for ~10 s gives up (rare, under
# heavy contention); nothing was changed, and the next try starts afresh.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_PROTOCOL = (
    5, 6, 8, 10, 13, 15)
FAULT_CODES = {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL,
               SQLITE_PROTOCOL}
FAULT_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}


def storage_fault(error):
    """A store.Unavailable naming the storage fault behind `error`, or None when it is not
    one. peewee wraps sqlite3's errors (the original is its first argument and its
    context), and a failed rollback hides the fault in its context, so the whole chain is
    searched."""
    for link in _chain(error):
        if isinstance(link, sqlite3.Error) and (
                getattr(link, "sqlite_errorcode", 0) & 0xFF) in FAULT_CODES:
            return Unavailable(cause=f"SQLite {getattr(link, 'sqlite_errorname', '?')}: {link}")
        if isinstance(link, OSError) and link.errno in FAULT_ERRNOS:
            return Unavailable(cause=f"{errno.errorcode[link.errno]}: {link}")
    return None


def _chain(error):
    """`error`, what it wraps and what it was raised from or during, each once."""
    seen, pending = set(), [error]
    while pending:
        link = pending.pop(0)
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        wrapped = link.args[0] if link.args and isinstance(link.args[0], BaseException) else None
        pending += [wrapped, link.__cause__, link.__context__]
