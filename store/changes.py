"""Telling that nothing was committed since a moment, without a statement.

Every statement through Python's sqlite3 module lets go of the GIL two or three times
(its step and reset calls). On a loaded server each let-go hands the GIL to another
thread and back — a pair of context switches — so a one-row read by primary key costs
more in hand-offs than in SQLite: about a third of the throughput of a single read.
Hot answers are therefore kept in memory, and kept only while nothing has changed.

"Nothing has changed" is read from the WAL index, the shared-memory file (`<db>-shm`)
through which every SQLite connection — in this process or any other — learns of new
commits. Its header (https://www.sqlite.org/walformat.html, §2.1) is written on every
commit: the commit counter, the last frame and the salts change each time. The format is
fixed, since processes running different SQLite versions must share it.

The header is read where SQLite itself mapped it into this process, never through a
file descriptor of our own: closing any descriptor of a file drops every POSIX lock the
process holds on it (https://www.sqlite.org/howtocorrupt.html, §2.2), and SQLite's locks
on the WAL index are what keep other processes from rebuilding it under our feet. A
connection of the watch's own keeps that mapping alive for as long as the watch reads it.
Finding the mapping needs Linux's /proc/self/maps; elsewhere nothing is watched and the
counters are read by a statement every time, which is slower but just as exact.

What changed is told by counters that triggers keep in the writing transaction
(migration m0006), read again only when the header has moved.
"""
import ctypes
import os
import sqlite3
import threading
import urllib.parse

# Two copies of the 48-byte WalIndexHdr. A writer fills the second copy, then the first;
# SQLite's readers, like `token()`, trust the header only when the two are equal.
_HEADER = 96
_COPY = 48
_IS_INIT = 12  # WalIndexHdr.isInit: 0 while the index is being rebuilt
_MAPS = "/proc/self/maps"


def _sqlite_mapping(shm):
    """The address at which SQLite mapped the start of `shm` into this process, or None
    when there is not exactly one such mapping (or no /proc to tell)."""
    try:
        with open(_MAPS, encoding="utf-8", errors="replace") as maps:
            lines = maps.readlines()
    except OSError:
        return None
    found = []
    for line in lines:
        fields = line.rstrip("\n").split(maxsplit=5)
        if len(fields) == 6 and fields[5] == shm and int(fields[2], 16) == 0 \
                and "s" in fields[1] and "r" in fields[1]:
            start, end = (int(part, 16) for part in fields[0].split("-"))
            if end - start >= _HEADER:
                found.append(start)
    return found[0] if len(found) == 1 else None


class CommitWatch:
    """Equal tokens from `token()` mean no transaction was committed in between."""

    def __init__(self, database_path):
        self._header = None  # a ctypes view of SQLite's mapping of the header
        self._keeper = None  # the connection keeping that mapping alive
        self._lock = threading.Lock()  # close() never unmaps under a reader
        if database_path not in ("", ":memory:") and not database_path.startswith("file:"):
            self._attach(os.path.realpath(database_path))

    def _attach(self, path):
        # mode=rw: watching must never create a database
        uri = f"file:{urllib.parse.quote(path)}?mode=rw"
        try:
            keeper = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                     isolation_level=None)
        except sqlite3.Error:
            return
        try:
            # a read maps the WAL index, and this connection holds it until closed
            mode = keeper.execute("PRAGMA journal_mode").fetchone()[0]
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.Error:
            mode = None
        # SQLite names the index after the resolved path of the database
        address = _sqlite_mapping(path + "-shm") if mode == "wal" else None
        if address is None:
            keeper.close()
            return
        self._keeper = keeper
        self._header = (ctypes.c_char * _HEADER).from_address(address)

    @property
    def watching(self):
        return self._header is not None

    def token(self):
        """The WAL index header now, or None when it cannot vouch for anything (nothing
        watched, or a header being written or rebuilt)."""
        with self._lock:
            if self._header is None:
                return None
            header = self._header.raw
        if header[:_COPY] != header[_COPY:] or not header[_IS_INIT]:
            return None
        return header

    def close(self):
        with self._lock:
            self._header = None
            keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()


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
