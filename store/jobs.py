"""Periodic background jobs (pruning, retention) run once per period, not once per replica.

Each process schedules its jobs by its own clock; when several replicas share a
database, each would run every job. `Jobs.due` lets exactly one of them: the job's row in
`job_run` is locked (FOR UPDATE, so replicas asking at once queue on it) and its last run
compared with the period; the first to find it past due moves it and runs the job, the
others find it done. A database only one process serves (SQLite) needs no row: the
process's own schedule is the only one.
"""
from .fields import stamp

_CLAIM = ("INSERT INTO job_run (name, last_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
          "SET last_at = excluded.last_at WHERE job_run.last_at <= ? RETURNING name")


class Jobs:
    def __init__(self, store):
        self._store = store

    def due(self, name, now, every):
        """Whether this process should run the job `name` now, at most once per `every`
        (a timedelta) across every replica."""
        if not self._store.engine.replicated:
            return True
        row = self._store.db.execute_sql(_CLAIM, (name, stamp(now), stamp(now - every))).fetchone()
        return row is not None
