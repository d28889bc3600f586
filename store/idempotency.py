"""Answers to POST requests sent with an Idempotency-Key, kept so a retry replays them.

The HTTP layer claims a key inside the write transaction of the request it guards and
records the answer in that same transaction, so the change and its stored answer commit
(or vanish) together: a crash cannot leave a change whose retry would act again.
"""
from datetime import timedelta

from .db import database

REPLAY_WINDOW = timedelta(hours=24)
PRUNE_EVERY = timedelta(hours=1)

_FIND = ("SELECT fingerprint, status, body FROM idempotent_request "
         "WHERE api_key_id = ? AND idempotency_key = ? AND created_at >= ?")
_SAVE = ("INSERT OR REPLACE INTO idempotent_request "
         "(api_key_id, idempotency_key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)")
_PRUNE = "DELETE FROM idempotent_request WHERE created_at < ?"
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class StoredAnswer:
    def __init__(self, fingerprint, status, body):
        self.fingerprint = fingerprint
        self.status = status
        self.body = body


class IdempotentRequests:
    def __init__(self, store):
        self._store = store
        self._pruned_at = None

    def find(self, api_key_id, key):
        """The answer stored for `key` of `api_key_id` within the replay window, or None.

        Call inside the write transaction that will act on a miss, so that a concurrent
        duplicate waits for this one's answer instead of acting too. Prunes expired
        answers at most once an hour, in the same transaction.
        """
        now = self._store.now()
        self._prune_if_due(now)
        row = database.execute_sql(_FIND, (api_key_id, key, _stamp(now - REPLAY_WINDOW))).fetchone()
        return StoredAnswer(*row) if row else None

    def save(self, api_key_id, key, fingerprint, status, body):
        """Store the answer; call in the transaction of the change it answers."""
        database.execute_sql(_SAVE, (api_key_id, key, fingerprint, status, body,
                                     _stamp(self._store.now())))

    def _prune_if_due(self, now):
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            database.execute_sql(_PRUNE, (_stamp(now - REPLAY_WINDOW),))


def _stamp(moment):
    return moment.strftime(_STAMP)
