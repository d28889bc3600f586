"""Answers to POST requests sent with an Idempotency-Key, kept so a retry replays them.

The HTTP layer claims a key inside the write transaction of the request it guards and
records the answer in that same transaction, so the change and its stored answer commit
(or vanish) together: a crash cannot leave a change whose retry would act again.

An answer may carry a secret (a new API key, a webhook's signing secret), so none is
stored readable: each is sealed under a key derived from the API key's id and the
Idempotency-Key (store.sealing), and rows are found by a digest of those two, never by
the Idempotency-Key itself. Only a client sending the same Idempotency-Key with the same
API key can have the answer back.
"""
from datetime import timedelta

from .db import database
from .fields import stamp
from .sealing import SealingKey

REPLAY_WINDOW = timedelta(hours=24)
PRUNE_EVERY = timedelta(hours=1)

_FIND = ("SELECT fingerprint, status, sealed FROM idempotent_answer "
         "WHERE api_key_id = ? AND key_digest = ? AND created_at >= ?")
# (ON CONFLICT ... DO UPDATE: SQLite's and PostgreSQL's shared spelling of a replace)
_SAVE = ("INSERT INTO idempotent_answer "
         "(api_key_id, key_digest, fingerprint, status, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (api_key_id, key_digest) DO UPDATE SET fingerprint = excluded.fingerprint, "
         "status = excluded.status, sealed = excluded.sealed, created_at = excluded.created_at")
_PRUNE = "DELETE FROM idempotent_answer WHERE created_at < ?"


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
        answers at most once an hour, in the same transaction. A row changed behind our
        back raises sealing.Tampered rather than replaying something we never sent.
        """
        now = self._store.now()
        self._prune_if_due(now)
        sealing = SealingKey.derive(api_key_id, key)
        row = database.execute_sql(_FIND, (api_key_id, sealing.lookup,
                                           stamp(now - REPLAY_WINDOW))).fetchone()
        if row is None:
            return None
        fingerprint, status, sealed = row
        return StoredAnswer(fingerprint, status, sealing.open(bytes(sealed)).decode())

    def save(self, api_key_id, key, fingerprint, status, body):
        """Store the answer `body` (text), sealed; call in the transaction of the change
        it answers."""
        sealing = SealingKey.derive(api_key_id, key)
        database.execute_sql(_SAVE, (api_key_id, sealing.lookup, fingerprint, status,
                                     sealing.seal(body.encode()), stamp(self._store.now())))

    def _prune_if_due(self, now):
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            if self._store.jobs.due("idempotency.prune", now, PRUNE_EVERY):
                database.execute_sql(_PRUNE, (stamp(now - REPLAY_WINDOW),))
