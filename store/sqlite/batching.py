"""Write batching: the write transactions of concurrent requests committed as one.

Each COMMIT costs SQLite a fixed amount whatever it holds: the WAL frames of every page the
transaction touched (a create touches ~20: the table's and each index's last leaf, FTS5's
new segment, the typo-variant rows, the outbox, the counters), written while the write lock
is held. Sixteen creates committed together share most of those pages, and FTS5 writes one
segment for them instead of sixteen.

So while one writer of this process holds the write lock and others queue behind it, the
transaction is not committed when a writer is done: it is handed, still open, to the next
writer in the queue, who adds its work, and so on; the last writer (nobody queued, or the
batch full) commits for all of them. Every writer then waits for that commit and for the
group fsync after it (durability.py) before it answers, so a 2xx still means on disk.

- All writers of a batch write through one connection, this database's writer connection:
  for the time of its work a writer's thread has peewee's connection state pointed at it
  (`_borrow`), so the store's code does not know it is batched.
- Each writer's work runs in a savepoint of the batch: a writer whose work raises has its
  own changes rolled back and its error raised to it alone; its batch-mates commit.
- An error that ends the whole transaction (SQLite rolls back by itself on a full disk or an
  I/O error), or a failing COMMIT, fails every writer of the batch with it: none of them was
  answered yet, and none of their changes was kept.
- A writer that reads what a batch-mate wrote before it (a slug just taken) sees it, as it
  would have after that batch-mate's own commit; and since every writer waits for the
  batch's commit, no answer rests on a change that is not on disk.

A writer that finds nobody queued and no batch open is not batched (`contended`): it writes
through its own connection, whose cached pages a commit by the writer connection would cost.

The lock is this process's one writer queue (`writer_lock`); whoever takes it for anything
but joining the open batch (a write probe, a transaction on another database, closing)
commits the open batch first (`take_writer`), so the SQLite lock it holds is never waited
for by the thread that would have to let it go.
"""
import copy
import threading

# The most writers one batch takes: bounds how long the first of them waits to be answered.
MAX_BATCH = 32
# How often a writer waiting for its batch's commit checks that somebody will commit it
# (the queued writer it was handed to may have given up waiting for the lock).
_CHECK_SECONDS = 0.05

# Writers of this process queue here before asking SQLite for its write lock. SQLite's
# busy handler sleeps and polls (up to 100 ms a try), so under steady write load a writer
# could lose the race again and again; a thread lock hands over at once.
writer_lock = threading.RLock()
_queue = threading.Lock()  # guards _waiting and _open
_waiting = 0  # threads queued for writer_lock right now
_open = None  # the Batch not yet committed, if any (at most one: one writer lock)
_worker = threading.local()  # .batch: the batch whose work this thread is doing


def take_writer(timeout, joining=None):
    """Take the writer lock within `timeout` seconds (False if not), counted as queued
    meanwhile so that a batch is handed on rather than committed. Unless the caller is
    `joining` the open batch (a Writer) or is inside a batch's work, the open batch is
    committed first."""
    global _waiting
    with _queue:
        _waiting += 1
    try:
        taken = writer_lock.acquire(timeout=timeout)
    finally:
        with _queue:
            _waiting -= 1
    if taken and getattr(_worker, "batch", None) is None:
        batch = _open
        if batch is not None and batch.writer is not joining:
            batch.commit()
    return taken


def working_in(writer):
    """True when this thread is doing a batch's work on `writer`: a nested transaction is
    a savepoint of it."""
    batch = getattr(_worker, "batch", None)
    return batch is not None and batch.writer is writer


def commit_open():
    """Commit the open batch, if any (called holding the writer lock)."""
    if _open is not None:
        _open.commit()


class Writer:
    """The connection through which one database's batches are written."""

    def __init__(self, database, durable):
        self.database = database
        self.durable = durable  # the GroupSync a batch's COMMIT takes its ticket from
        self._connection = None

    def connection(self):
        """The writer connection, opened at first use with the database's settings
        (peewee's `_connect` applies its pragmas and functions)."""
        if self._connection is None:
            self._connection = self.database._connect()
        return self._connection

    def batch(self):
        """The open batch to join, or a new one begun (called holding the writer lock)."""
        global _open
        batch = _open
        if batch is not None and batch.writer is self and batch.members < MAX_BATCH:
            return batch
        commit_open()
        batch = Batch(self)
        batch.begin()
        with _queue:
            _open = batch
        return batch

    def close(self):
        """Commit this database's open batch and close the writer connection."""
        with writer_lock:
            if _open is not None and _open.writer is self:
                _open.commit()
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class Batch:
    """One transaction on a Writer's connection, shared by the writers that join it."""

    def __init__(self, writer):
        self.writer = writer
        self.members = 0
        self.done = threading.Event()
        self.error = None  # what failed the whole batch, if anything
        self.ticket = None  # the group-commit ticket of its COMMIT
        self._transactions = []  # peewee's transaction stack on the writer connection
        self._callbacks = []  # peewee's after-commit callbacks of the members
        self._outer = None

    def run(self):
        """A context manager for one member's work, in a savepoint of the batch (called
        holding the writer lock); yields the savepoint."""
        return _Member(self)

    def borrow(self):
        """Point this thread's peewee connection state at the writer connection and the
        batch's transaction; returns what to give back to `give_back`."""
        state = self.writer.database._state
        saved = (state.conn, state.closed, state.transactions, state.commit_callbacks)
        state.conn, state.closed = self.writer.connection(), False
        state.transactions, state.commit_callbacks = self._transactions, self._callbacks
        _worker.batch = self
        return saved

    def give_back(self, saved):
        state = self.writer.database._state
        state.conn, state.closed, state.transactions, state.commit_callbacks = saved
        _worker.batch = None

    def begin(self):
        """BEGIN IMMEDIATE on the writer connection: where SQLite's busy timeout applies
        (another process holding its write lock)."""
        saved = self.borrow()
        try:
            self._outer = self.writer.database.transaction("IMMEDIATE")
            self._outer.__enter__()
        except BaseException:
            self._end()
            raise
        finally:
            self.give_back(saved)

    def alive(self):
        """False once SQLite has rolled the transaction back by itself."""
        return self.writer.connection().in_transaction

    def commit(self):
        """COMMIT for every member (called holding the writer lock); a failure is kept in
        `error` for all of them. Ends the batch either way."""
        global _open
        saved = self.borrow()
        try:
            if self.alive():
                self._outer.__exit__(None, None, None)
                self.ticket = self.writer.durable.committed()
            else:
                self.error = self.error or RuntimeError("the transaction was rolled back")
                self._end()
        except Exception as error:  # noqa: BLE001 - kept for every member
            self.error = error
            self._end()
        finally:
            self.give_back(saved)
            with _queue:
                if _open is self:
                    _open = None
            self.done.set()

    def fail(self, error):
        """End the batch with `error` for every member: SQLite already rolled it back."""
        self.error = error
        self.commit()

    def _end(self):
        del self._transactions[:]
        del self._callbacks[:]

    def should_commit(self):
        """Commit now, rather than hand the open transaction to a queued writer?"""
        return _waiting == 0 or self.members >= MAX_BATCH

    def outcome(self):
        """Wait until the batch has ended; raise what failed it (a copy per thread: one
        exception object is not raised in two threads at once)."""
        while not self.done.wait(_CHECK_SECONDS):
            if writer_lock.acquire(blocking=False):  # nobody took it over: end it here
                try:
                    if not self.done.is_set():
                        self.commit()
                finally:
                    writer_lock.release()
        if self.error is not None:
            raise copy.copy(self.error) from self.error


class _Member:
    """One writer's work inside a batch: borrowed connection state, a savepoint."""

    def __init__(self, batch):
        self.batch = batch
        self._saved = None
        self._savepoint = None

    def __enter__(self):
        batch = self.batch
        self._saved = batch.borrow()
        try:
            batch.members += 1
            self._savepoint = batch.writer.database.atomic()
            return self._savepoint.__enter__()
        except BaseException:
            batch.give_back(self._saved)
            raise

    def __exit__(self, kind, error, traceback):
        try:
            return self._savepoint.__exit__(kind, error, traceback)
        finally:
            self.batch.give_back(self._saved)
