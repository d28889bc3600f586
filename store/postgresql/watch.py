"""Telling that nothing was committed since a moment, on PostgreSQL: LISTEN/NOTIFY.

The change counters' trigger functions (migrations/triggers.py) NOTIFY the channel
`goldenrecord_changes`, which PostgreSQL delivers to every listening session when — and
only if — the writing transaction commits, whichever replica wrote. The watch LISTENs on
a connection of its own, on a thread of its own, and moves its token on each
notification; this process's own writers move it at once as their transaction ends
(`after_each_write`), before they answer.

Bound: an answer cached by one replica is stale for at most the notification's trip
after another replica's commit (milliseconds on one host), and never longer than
`MAX_SILENCE` seconds: the watch waits at most that long for a notification, and a lost
connection stops it vouching (token None: the counters are read by a statement on every
call, exact) until it has listened again.
"""
import itertools

import psycopg

from ..engine import ChangeWatch
from .migrations.triggers import CHANNEL

MAX_SILENCE = 1.0  # seconds before a lost connection is listened to again
# seconds the thread waits for notifications at a time before it checks `close`: a
# service's shutdown waits at most this long for the watch (it waited MAX_SILENCE, a
# second per instance that tests, and replicas restarting, paid)
_SLICE = 0.05


class NotifyWatch(ChangeWatch):
    """Equal tokens from `token()` mean no transaction moved a change counter in between,
    in this process (at once) or in another (once its notification arrived)."""

    def __init__(self, url, own_backends=frozenset()):
        super().__init__()
        self._url = url
        # this process's connections' server pids (PgDatabase.backend_pids): their commits
        # moved the token at once (after_each_write), so their notifications, arriving
        # later, are not news; counting them would drop answers cached since
        self._own = own_backends
        self._generation = itertools.count()

    def _listen(self):
        try:
            connection = psycopg.connect(self._url, autocommit=True)
            connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error:
            return None
        return connection

    def start(self):
        with self._lock:
            if self._connection is not None or self._stopped.is_set():
                return
            self._connection = self._listen()
            if self._connection is None:
                return
            self._current = next(self._generation)
        self._follow(self._moved, self._run)

    def _moved(self):
        with self._lock:
            if self._connection is not None:
                self._current = next(self._generation)

    def _run(self):
        while not self._stopped.is_set():
            if not self.poll(timeout=_SLICE):
                self._stopped.wait(MAX_SILENCE)
                with self._lock:
                    if not self._stopped.is_set() and self._connection is None:
                        self._connection = self._listen()
                        if self._connection is not None:
                            self._current = next(self._generation)

    def poll(self, timeout=0):
        """Take the notifications that have arrived (waiting up to `timeout` seconds for
        one); True while watching. Tests call it to step the watch."""
        connection = self._connection
        if connection is None:
            return False
        try:
            arrived = list(connection.notifies(timeout=timeout, stop_after=1))
            if arrived:
                arrived += list(connection.notifies(timeout=0))
        except psycopg.Error:
            with self._lock:
                self._current = None  # cannot vouch until listening again
                self._connection = None
            connection.close()
            return False
        if any(notification.pid not in self._own for notification in arrived):
            self._moved()
        return True

    def token(self):
        return self._current
