"""Telling that nothing was committed since a moment, without a statement.

Every statement through Python's sqlite3 module lets go of the GIL two or three times
(its step and reset calls). On a loaded server each let-go hands the GIL to another
thread and back — a pair of context switches — so a one-row read by primary key costs
more in hand-offs than in SQLite: about a third of the throughput of a single read.
Hot answers are therefore kept in memory, and kept only while nothing has changed.

"Nothing has changed" is read from the WAL index, the shared-memory file (`<db>-shm`)
through which every SQLite connection — in this process or any other — learns of new
commits. Its header (https://www.sqlite.org/walformat.html, §2.1) is written on every
commit: the commit counter, the last frame and the salts change each time. Reading it
from a read-only mapping is a memory access, not a system call. The format is fixed,
since processes running different SQLite versions must share it.

What changed is told by counters that triggers keep in the writing transaction
(migration m0006), read again only when the header has moved.
"""
import mmap
import os

# Two copies of the 48-byte WalIndexHdr. A writer fills the second copy, then the first;
# SQLite's readers, like `token()`, trust the header only when the two are equal.
_HEADER = 96
_COPY = 48
_IS_INIT = 12  # WalIndexHdr.isInit: 0 while the index is being rebuilt


class CommitWatch:
    """Equal tokens from `token()` mean no transaction was committed in between."""

    def __init__(self, database_path):
        self._map = None
        self._shm = None
        if database_path not in ("", ":memory:") and not database_path.startswith("file:"):
            # SQLite names the index after the resolved path of the database
            self._shm = os.path.realpath(database_path) + "-shm"
            self._open()

    def _open(self):
        """Map the index once SQLite has made it (at a connection's first transaction)."""
        try:
            fd = os.open(self._shm, os.O_RDONLY)
        except OSError:
            return
        try:
            if os.fstat(fd).st_size >= _HEADER:
                self._map = mmap.mmap(fd, _HEADER, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            pass
        finally:
            os.close(fd)

    @property
    def watching(self):
        return self._map is not None

    def token(self):
        """The WAL index header now, or None when it cannot vouch for anything (no index
        yet, or a header being written or rebuilt)."""
        if self._map is None:
            if self._shm is None:
                return None
            self._open()
            if self._map is None:
                return None
        header = self._map[:_HEADER]
        if header[:_COPY] != header[_COPY:] or not header[_IS_INIT]:
            return None
        return header

    def close(self):
        self._shm = None
        if self._map is not None:
            self._map.close()
            self._map = None


class ChangeCounters:
    """The change counters of migration m0006, read from SQLite only after a commit.

    `current(kind)` returns a number that differs whenever `kind`'s table has changed,
    or None when it cannot vouch for one: an answer cached under a number is valid for
    as long as `current` returns that same number.
    """

    def __init__(self, database, watch):
        self._database = database
        self._watch = watch
        self._seen = None  # (token, {kind: value}) read after that token was taken

    def current(self, kind):
        if self._database.in_transaction():
            # inside a transaction the counters include its own uncommitted changes,
            # which a rollback would take back without moving the header
            return None
        token = self._watch.token()
        seen = self._seen
        if token is not None and seen is not None and seen[0] == token:
            return seen[1][kind]
        # The token is taken before the counters are read: if a commit slips in between,
        # the next token differs from this one and the counters are read again.
        values = dict(self._database.execute_sql(
            "SELECT kind, value FROM search_generation").fetchall())
        if token is not None:
            self._seen = (token, values)
        return values[kind]

    def close(self):
        self._watch.close()
