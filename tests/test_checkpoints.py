"""WAL checkpoints off the write lock (store/sqlite/checkpoints.py): the store's
connections never checkpoint inside a COMMIT; a writer that has let go of the write lock
does, at most once an interval, and a checkpoint under way (on a stalled disk, say) holds
no other writer up.
"""
import os
import threading

import pytest

from goldenrecord.store.sqlite.checkpoints import Checkpoints
from support import assert_envelope, committed_slugs

pytestmark = pytest.mark.sqlite_only  # SQLite's WAL and its checkpoints

ORGS = "/api/v1/organizations"


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock_s():
    return Seconds()


@pytest.fixture
def checkpoints(store, clock_s):
    """The engine's checkpoints: one after every write (rows=1), but one a second of
    `clock_s` at most."""
    store.engine.checkpoints = Checkpoints(rows=1, interval=1.0, clock=clock_s)
    return store.engine.checkpoints


def create(client, admin, slug):
    return assert_envelope(client.simulate_post(ORGS, json={"name": slug, "slug": slug},
                                                headers=admin), 201)


def test_the_stores_connections_never_checkpoint_inside_a_commit(store):
    assert store.db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_a_write_past_the_interval_checkpoints_the_wal(client, admin, store, checkpoints,
                                                      clock_s):
    create(client, admin, "first")  # none has run yet: this write's is due
    assert checkpoints.checkpoints == 1
    for n in range(10):
        create(client, admin, f"within-{n}")
    assert checkpoints.checkpoints == 1  # none due within the interval
    clock_s.now += 1.0
    create(client, admin, "due")
    assert checkpoints.checkpoints == 2
    frames, copied = checkpoints.checkpoint(store.db)
    assert frames > 0 and copied == frames  # the due one copied everything before it


def test_a_trickle_of_writes_checkpoints_only_once_enough_rows_changed(client, admin, store,
                                                                       checkpoints, clock_s):
    """Writes far apart do not each pay for a checkpoint: the rows they change add up."""
    checkpoints.rows = 100
    ran = []
    for n in range(30):
        clock_s.now += 60.0  # a minute between writes: the interval is never what waits
        create(client, admin, f"trickle-{n}")
        ran.append(checkpoints.checkpoints)
    assert 0 < ran[-1] < 10, ran  # a create changes a dozen rows or so: a few of them


def test_a_stalled_checkpoint_holds_no_other_writer_up(client, admin, store, keys,
                                                       checkpoints):
    """A writer whose checkpoint is stuck (a disk that does not answer) has let go of the
    write lock: other writers commit and answer meanwhile, without waiting for it."""
    checkpoints.interval = 0.0  # every write would checkpoint
    real = checkpoints.checkpoint
    stalled, release = threading.Event(), threading.Event()

    def stuck(database):
        if threading.current_thread().name == "stalled-writer":
            stalled.set()
            assert release.wait(30)
        return real(database)

    checkpoints.checkpoint = stuck
    other = keys.headers("*:*")
    writer = threading.Thread(target=lambda: create(client, other, "stalled"),
                              name="stalled-writer")
    writer.start()
    try:
        assert stalled.wait(10)
        assert "stalled" in committed_slugs(store.engine.path)  # committed, answer pending
        for n in range(20):
            create(client, admin, f"meanwhile-{n}")
        assert {f"meanwhile-{n}" for n in range(20)} <= committed_slugs(store.engine.path)
    finally:
        release.set()
        writer.join(30)
    assert not writer.is_alive()


def test_the_wal_stays_small_while_writes_go_on(client, admin, store, checkpoints):
    """With a checkpoint between batches of creates the WAL starts again from its
    beginning and stays near one batch's size; without, the same creates leave every
    page they wrote in it."""
    create(client, admin, "first")  # the one checkpoint due: none after, the clock stands
    wal = store.engine.path + "-wal"
    for batch in range(10):
        for n in range(30):
            create(client, admin, f"c{batch}-{n}")
        checkpoints.checkpoint(store.db)
    with_checkpoints = os.path.getsize(wal)
    for n in range(300):
        create(client, admin, f"held-{n}")
    without = os.path.getsize(wal) - with_checkpoints  # what the same creates appended
    assert with_checkpoints * 3 < without, (with_checkpoints, without)
