"""Telling that nothing was committed since a moment, without a statement per request
(store/changes.py says why that matters).

"Nothing has changed" is told by a token read without a statement on the request path:
a number that moves whenever SQLite's documented `PRAGMA data_version`
(https://www.sqlite.org/pragma.html#pragma_data_version), asked on a connection of the
watch's own, has changed — which it does whenever any other connection has committed.
It is asked

- by this process's writers as each write transaction ends (`after_each_write` in
  store/engine.py), before they answer, so a change made here — a revoked key above all — is
  seen by the very next read;
- every `interval` seconds on a thread of the watch's own, off the request path, for
  commits by anyone else (another process, the CLI, a connection opened by hand); so an
  answer cached here is at most about one interval staler than a fresh read after another
  process's write (docs/architecture.md, *Storage*).

Until the watch is started — and for a database no second connection can open (in
memory) — it vouches for nothing, and the change counters are read by a statement on
every call: slower, but exact.

This is SQLite's `ChangeWatch` (store/engine.py). What changed is told by counters that
triggers keep in the writing transaction (migration m0006; store/changes.py), read again
only when the token has moved.
"""
import itertools
import sqlite3
import urllib.parse

from ..engine import ChangeWatch

# How often another process's commits are looked for: the staleness bound of a cached
# answer after such a commit. 20 ms costs ~50 cheap statements a second on one thread.
POLL_SECONDS = 0.02


class CommitWatch(ChangeWatch):
    """Equal tokens from `token()` mean no transaction was committed in between,
    by this process (at once) or by another (within about `interval` seconds)."""

    def __init__(self, database_path, *, interval=POLL_SECONDS):
        super().__init__()
        self._path = database_path
        self._interval = interval
        self._seen_version = None
        self._generation = itertools.count()

    def _open(self):
        path = self._path
        if path in ("", ":memory:") or path.startswith("file:"):
            return None
        # mode=rw: watching must never create a database
        uri = f"file:{urllib.parse.quote(path)}?mode=rw"
        try:
            return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        except sqlite3.Error:
            return None

    def start(self):
        """Open the watching connection and poll it on a daemon thread until `close()`.
        Does nothing for a database that cannot be watched."""
        with self._lock:
            if self._connection is not None or self._stopped.is_set():
                return
            self._connection = self._open()
            if self._connection is None:
                return
        if self.poll():
            self._follow(self.poll, self._run)

    def _run(self):
        while not self._stopped.wait(self._interval):
            self.poll()

    def poll(self):
        """Look once for commits by other connections; True while watching. The thread
        calls this every interval; tests call it to step the watch."""
        with self._lock:
            if self._connection is None:
                return False
            try:
                version = self._connection.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                self._current = None  # cannot vouch until a poll succeeds again
                self._seen_version = None
                return True
            if version != self._seen_version:
                self._seen_version = version
                self._current = next(self._generation)
            return True

    @property
    def watching(self):
        return self._current is not None

    def token(self):
        """A value that changes on every commit, or None when the watch cannot vouch."""
        return self._current
