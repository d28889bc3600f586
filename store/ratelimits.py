"""Rate-limit windows counted in the database, for replicas that share one.

One process counts its requests in memory (restapi/ratelimit.py); several replicas on one
PostgreSQL database must count a key's requests together, or its limit would be
multiplied by their number. Each request is one statement here: an upsert of the
(bucket, window) row that adds one only while the count is below the limit, and returns
the new count — exact, whatever the number of replicas, because the row lock orders the
increments. Old windows are deleted as each replica enters a new one.
"""
_HIT = ("INSERT INTO rate_window (bucket, window_start, hits) VALUES (?, ?, 1) "
        "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_window.hits + 1 "
        "WHERE rate_window.hits < ? RETURNING hits")
_COUNT = "SELECT hits FROM rate_window WHERE bucket = ? AND window_start = ?"
_PRUNE = "DELETE FROM rate_window WHERE window_start < ?"


class RateWindows:
    """Shared fixed-window counters: `hit` counts one request of `bucket` in `window`."""

    def __init__(self, database):
        self._database = database  # the store's own handle (the replicas' shared database)
        self._pruned_before = None

    def hit(self, bucket, window, limit):
        """The bucket's count in `window` after this request, or None when it had reached
        `limit` already (refused, and not counted)."""
        if self._pruned_before != window:
            self._pruned_before = window
            self._database.execute_sql(_PRUNE, (window,))
        row = self._database.execute_sql(_HIT, (bucket, window, limit)).fetchone()
        return None if row is None else row[0] - 1

    def count(self, bucket, window):
        """The bucket's count in `window` so far, counting nothing."""
        row = self._database.execute_sql(_COUNT, (bucket, window)).fetchone()
        return 0 if row is None else row[0]
