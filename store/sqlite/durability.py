"""Group commit: one fsync makes many requests' commits durable.

With `synchronous=FULL` every COMMIT waits for its own fsync of the WAL while it holds the
write lock, so writes go no faster than the disk syncs, one at a time (~650 creates/s
here, each request's fsync queued behind the last one's).

Instead connections run `synchronous=NORMAL` in WAL mode: a COMMIT appends its frames to
the WAL (a write(), no fsync) and lets go of the lock at once. Before the writer answers,
it waits in `GroupSync.wait` until an fsync of the WAL that *started after its commit* has
finished. Whoever finds no fsync running does one for everybody who has committed so far;
the writers that commit while it runs wait for the next one. Under load one fsync covers
every commit made during the previous one, and the write lock is never held across a sync.

Why this keeps "a 2xx means on disk":
- the WAL is appended in commit order, so an fsync of the file makes every commit before
  it durable, including any earlier commit a later transaction read (a membership's
  organization) — a write never outlives what it depends on;
- SQLite's checkpoints under NORMAL (checkpoints.py runs them, on a connection that syncs
  as these do) sync the WAL before copying it into the database file and sync the
  database file before the WAL is reused, so frames a checkpoint moved are on disk there;
  a WAL that is missing was checkpointed and removed by the last connection.

What NORMAL does allow: another connection may read a commit in the moment before its
fsync ends. The only reader that acts on such a read outside the database is the webhook
sender, which calls `sync_all()` before sending (webhook_delivery/sender.py).
"""
import os
import threading


class GroupSync:
    """Makes the commits of this process durable, many to an fsync of the WAL at `wal_path`.

    `committed()` is called by a writer right after its COMMIT returned and gives it a
    ticket; `wait(ticket)` returns once an fsync begun after that commit has finished.
    `fsync` is os.fsync; tests replace it to count or hold the syncs.
    """

    def __init__(self, wal_path, *, fsync=os.fsync):
        self._wal_path = wal_path
        self.fsync = fsync  # replaceable: tests hold or count the syncs
        self._count_lock = threading.Lock()
        self._committed = 0  # tickets handed out: commits made
        self._synced = 0  # every ticket up to this one is durable
        self._syncing = threading.Lock()  # one fsync at a time; the rest queue for the next
        self.syncs = 0  # fsyncs done, for tests and benchmarks

    def committed(self):
        """A ticket for the commit that has just returned."""
        with self._count_lock:
            self._committed += 1
            return self._committed

    def wait(self, ticket):
        """Return once commit `ticket` is on disk, doing the fsync if nobody else is."""
        if self._synced >= ticket:
            return
        with self._syncing:
            if self._synced < ticket:  # else the fsync we queued behind covered us
                self._sync_round()

    def sync_all(self):
        """Return once everything any connection has written to the WAL so far is on
        disk, tickets or not: an fsync that starts now (a reader may have seen a commit
        whose writer has not taken its ticket yet)."""
        with self._syncing:
            self._sync_round()

    def _sync_round(self):
        """One fsync for every commit made before it starts; called holding `_syncing`."""
        with self._count_lock:
            covered = self._committed  # every one of these is already in the WAL
        self._sync_wal()
        self._synced = covered
        self.syncs += 1

    def _sync_wal(self):
        """fsync the WAL file, opened afresh so that a WAL SQLite removed and created again
        is the one synced (fsync acts on the file, whichever descriptor names it)."""
        try:
            descriptor = os.open(self._wal_path, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed into the database file, which SQLite synced, and removed
        try:
            self.fsync(descriptor)
        finally:
            os.close(descriptor)


class SyncedByCommit:
    """For a database whose COMMIT syncs by itself (synchronous=FULL: not in WAL mode, or
    in memory): there is nothing left to wait for."""

    syncs = 0

    def committed(self):
        return 0

    def wait(self, ticket):
        pass

    def sync_all(self):
        pass
