"""What changed since an answer was kept in memory, told without a statement per request.

Every statement through Python's sqlite3 module lets go of the GIL two or three times
(its step and reset calls). On a loaded server each let-go hands the GIL to another
thread and back — a pair of context switches — so a one-row read by primary key costs
more in hand-offs than in SQLite: about a third of the throughput of a single read.
Hot answers are therefore kept in memory, and kept only while nothing has changed.

Whether anything was committed at all is the engine's change watch's to tell (its token;
SQLite's is store/sqlite/watch.py). What changed is told by counters that triggers keep
in the writing transaction (migration m0006), read again only when the token has moved.
"""


class ChangeCounters:
    """The change counters of migration m0006, read again only after a commit.

    `current(kind)` returns a number that differs whenever `kind`'s table has changed,
    or None when it cannot vouch for one: an answer cached under a number is valid for
    as long as `current` returns that same number.
    """

    def __init__(self, database, watch):
        self._database = database
        self.watch = watch
        self._seen = None  # (token, {kind: value}) read after that token was taken

    def current(self, kind):
        values = self._values()
        return None if values is None else values[kind]

    def generation(self, kinds):
        """The counters of `kinds` together: a number that an answer made from all of those
        tables is valid under, for as long as it is returned again (None: no vouching)."""
        values = self._values()
        return None if values is None else tuple(values[kind] for kind in kinds)

    def _values(self):
        """Every counter, {kind: value}, read again only after a commit; None inside a
        transaction."""
        if self._database.in_transaction():
            # inside a transaction the counters include its own uncommitted changes,
            # which a rollback would take back without moving the token
            return None
        token = self.watch.token()
        seen = self._seen
        if token is not None and seen is not None and seen[0] == token:
            return seen[1]
        # The token is taken before the counters are read: if a commit slips in between,
        # the next token differs from this one and the counters are read again.
        values = dict(self._database.execute_sql(
            "SELECT kind, value FROM search_generation").fetchall())
        if token is not None:
            self._seen = (token, values)
        return values

    def start(self):
        self.watch.start()

    def close(self):
        self.watch.close()
