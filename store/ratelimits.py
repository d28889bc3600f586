"""Rate-limit windows counted in the database, for replicas that share one.

One process counts its requests in memory (restapi/ratelimit.py); several replicas on one
PostgreSQL database must count a key's requests together, or its limit would be
multiplied by their number. The shared (bucket, window) row of `rate_window` holds the
tokens handed out so far; a replica takes them in leases (`lease`: up to `size` at a
time, never past the limit) and spends them in memory, so a statement is paid once per
lease instead of once per request. Granted tokens never exceed the limit, whatever the
number of replicas, because the row lock orders the grants. Old windows are deleted as
each replica enters a new one.
"""
# A new row grants min(size, limit) at once. An existing one grants what is left, up to
# `size` (0 once the limit is reached): its row is locked by the subquery first, so
# `old.hits` is the count the grant is added to, and the answer says both (granted, count
# after). No answer: the row is gone (another replica, a clock ahead, pruned the window).
_START = ("INSERT INTO rate_window (bucket, window_start, hits) VALUES (?, ?, ?) "
          "ON CONFLICT (bucket, window_start) DO NOTHING RETURNING hits")
_TAKE = ("UPDATE rate_window SET hits = old.hits + greatest(0, least(?, ? - old.hits)) "
         "FROM (SELECT hits FROM rate_window WHERE bucket = ? AND window_start = ? "
         "FOR UPDATE) AS old WHERE rate_window.bucket = ? AND rate_window.window_start = ? "
         "RETURNING rate_window.hits - old.hits, rate_window.hits")
_COUNT = "SELECT hits FROM rate_window WHERE bucket = ? AND window_start = ?"
_PRUNE = "DELETE FROM rate_window WHERE window_start < ?"


class RateWindows:
    """Shared fixed-window token counts: `lease` takes a bucket's tokens of a window."""

    def __init__(self, database):
        self._database = database  # the store's own handle (the replicas' shared database)
        self._pruned_before = None

    def lease(self, bucket, window, limit, size=1):
        """Take up to `size` of `bucket`'s tokens in `window` (fewer when fewer are left
        under `limit`): (granted, count after), granted 0 when none were left."""
        if self._pruned_before != window:
            self._pruned_before = window
            self._database.execute_sql(_PRUNE, (window,))
        first = min(size, limit)
        while True:
            row = self._database.execute_sql(_START, (bucket, window, first)).fetchone()
            if row is not None:
                return first, row[0]
            row = self._database.execute_sql(
                _TAKE, (size, limit, bucket, window, bucket, window)).fetchone()
            if row is not None:
                return row[0], row[1]

    def count(self, bucket, window):
        """The tokens of `bucket` handed out in `window` so far, taking none."""
        row = self._database.execute_sql(_COUNT, (bucket, window)).fetchone()
        return 0 if row is None else row[0]
