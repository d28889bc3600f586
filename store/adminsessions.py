"""Admin dashboard sessions that were signed out (migration m0010).

A session cookie is signed, so it cannot be forged, but a copy of it would keep working
until it expires; signing out therefore records the session's id in the database, which
every process serving it reads. The answer for a session is kept in memory for as long
as no session has been signed out anywhere (the `admin_session` change counter), so the
several requests each dashboard page makes cost no statement.
"""
from .cache import GenerationCache
from .db import database, write_transaction
from .fields import stamp

_END = "INSERT INTO admin_session_ended (id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
_ENDED = "SELECT 1 FROM admin_session_ended WHERE id = ?"
_PRUNE = "DELETE FROM admin_session_ended WHERE expires_at < ?"


class EndedSessions:
    def __init__(self, store):
        self._store = store
        self._cache = GenerationCache(max_entries=10_000)

    def end(self, session_id, expires_at):
        """Sign session `session_id` out for good. `expires_at` is when its cookie expires
        anyway: the record is dropped after that, by a later sign-out."""
        with write_transaction():
            database.execute_sql(_PRUNE, (stamp(self._store.now()),))
            database.execute_sql(_END, (session_id, stamp(expires_at)))

    def has_ended(self, session_id):
        """Whether `session_id` was signed out, by this process or any other."""
        generation = self._store.changes.current("admin_session")
        return self._cache.get_or_make(session_id, generation, lambda: self._read(session_id))

    @staticmethod
    def _read(session_id):
        return database.execute_sql(_ENDED, (session_id,)).fetchone() is not None
