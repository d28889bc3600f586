"""Group commit: concurrent requests' creates written by one transaction.

A create's cost under load is mostly fixed per transaction and per statement, not per
row: BEGIN, the uniqueness check, one INSERT per table (row, search terms, event, audit
entry), COMMIT, the WAL frames of the pages touched, the fsync wait — each statement also
letting go of the GIL and taking it back while other threads want it. Requests that
arrive together therefore share a transaction: the first one in becomes the leader and
writes every create queued so far, with one statement per table (the store's
`create_many`); those that come meanwhile wait and are written by the next leader.

What each caller still gets, as if it had written alone:
- its answer only once its transaction has committed and is durable (the leader returns
  from the write transaction before it hands out the results);
- its own refusal (a slug taken, also by a request earlier in the same group), decided
  under the write lock, without failing the others;
- its own audit entries, as its actor's (store/audit/journal.py `attribute`);
- if the group fails because the storage cannot serve (the write lock out of reach, the
  disk full: nothing is written), every caller is told Unavailable, as it would have been
  alone — without waiting out the busy timeout a second time;
- if the group fails for any other reason (nothing is written then), every caller tries
  again alone, in a transaction of its own, and gets what that one gives.
A caller already inside a write transaction (an Idempotency-Key claim holds one) writes
there directly: its transaction is not the group's to commit.
"""
import threading

from .audit import context as audit_context
from .audit import journal
from .db import database, write_transaction

# The most creates one transaction takes: a group stays short, so the write lock is not
# held long by one group while other writers (renames, the request log, webhook outcomes)
# wait for it.
MAX_GROUP = 64


class _Entry:
    __slots__ = ("item", "context", "result", "error", "state", "woken")

    def __init__(self, item, context):
        self.item = item
        self.context = context  # the caller's audit context (actor, address, request id)
        self.result = self.error = None
        self.state = "queued"  # then "lead" (its caller writes the next group), and at last
        # "settled" (result or error) or "alone" (the group failed: write alone)
        self.woken = threading.Event()  # set once, when it leads or is settled


class _Unchanged(Exception):
    """Every create of a group was refused: its transaction is rolled back, not committed
    (a commit of nothing would still wait for an fsync)."""


class GroupCommit:
    """Runs `write_group(items)` for concurrent `submit(item)` calls, many items to a call,
    one write transaction at a time.

    `write_group` writes inside the write transaction that this opens and returns, per
    item and in order, ("ok", row) or ("refused", error) — an error that refuses that
    item alone; each row's audit notes (`audited`: its table) are its caller's. If the
    group fails, nothing was written: when `storage_fault(error)` names a fault (a new
    store.Unavailable each time it is asked, or None) every caller raises one, else each
    runs `write_alone(item)` itself — which is also what a caller already inside a write
    transaction runs. The next group begins as soon as this one has committed, while this
    one waits for its fsync.
    """

    def __init__(self, write_group, write_alone, *, audited, storage_fault,
                 max_group=MAX_GROUP):
        self._write_group = write_group
        self._write_alone = write_alone
        self._audited = audited
        self._storage_fault = storage_fault
        self._max = max_group
        self._lock = threading.Lock()
        self._queue = []  # entries waiting for a group, oldest first
        self._leading = False  # a group is being written (until it commits)
        self.groups = 0  # transactions committed, for tests and benchmarks

    def submit(self, item):
        if database.in_transaction():
            return self._write_alone(item)
        entry = _Entry(item, audit_context.current())
        with self._lock:
            self._queue.append(entry)
            if not self._leading:  # nobody writes: this caller leads, its entry first
                self._leading = True
                entry.state = "lead"
        if entry.state != "lead":
            entry.woken.wait()  # each caller is woken once: to lead, or with its outcome
        if entry.state == "lead":
            with self._lock:
                group, self._queue = self._queue[:self._max], self._queue[self._max:]
            self._lead(group)
        if entry.state == "alone":
            return self._write_alone(item)
        if entry.error is not None:
            raise entry.error
        return entry.result

    def _lead(self, group):
        """Write `group` in one transaction and settle each entry of it, whatever happens;
        the lead passes to the oldest caller waiting once the transaction has ended
        (committed: before its fsync)."""
        handed = []

        def hand_over():
            if handed:
                return
            handed.append(True)
            with self._lock:
                if self._queue:
                    following = self._queue[0]
                    following.state = "lead"
                    following.woken.set()
                else:
                    self._leading = False

        outcomes = None
        try:
            with write_transaction():
                database.after_commit(hand_over)
                outcomes = self._write_group([entry.item for entry in group])
                journal.attribute(self._audited, {
                    row.id: entry.context for entry, (kind, row) in zip(group, outcomes)
                    if kind == "ok"})
                if not any(kind == "ok" for kind, _ in outcomes):
                    raise _Unchanged
            self.groups += 1
        except _Unchanged:
            pass
        except BaseException as error:
            outcomes = None
            if not isinstance(error, Exception):
                self._settle(group, None)
                raise  # an interrupt is not a failed group
            if self._storage_fault(error) is not None:
                outcomes = [("refused", self._storage_fault(error)) for _ in group]
        finally:
            hand_over()
        self._settle(group, outcomes)

    @staticmethod
    def _settle(group, outcomes):
        """Give each entry its outcome; with none (the group failed, nothing was written),
        send each caller to write alone."""
        for position, entry in enumerate(group):
            if outcomes is None:
                entry.state = "alone"
            else:
                kind, value = outcomes[position]
                if kind == "ok":
                    entry.result = value
                else:
                    entry.error = value
                entry.state = "settled"
            entry.woken.set()
