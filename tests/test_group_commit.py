"""Group commit (store/sqlite/durability.py): writers share fsyncs of the WAL, and a 2xx
still means the change is on disk.

The engine's `durable.fsync` is replaced by one that the test holds or counts, so what is
asserted is the order of commit, fsync and answer, not timing.
"""
import threading

import apps
import pytest
from conftest import UNLIMITED
from support import assert_envelope, committed_slugs, race, wait_until

WRITERS = 16


@pytest.fixture
def config(tmp_path):
    """No request log or lastUsedAt writes: the only fsyncs are the tests' own writers'."""
    return apps.config_for(tmp_path / "gc.db", **UNLIMITED, **{"analytics.enabled": False})


class HeldFsync:
    """An fsync that blocks until released, noting each call; the real one runs after."""

    def __init__(self, real):
        self.real = real
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, descriptor):
        self.calls += 1
        self.entered.set()
        assert self.release.wait(30), "the test never released the fsync"
        self.real(descriptor)


@pytest.fixture
def durable(store):
    return store.engine.durable


def _create(client, admin, slug):
    return client.simulate_post("/api/v1/organizations", headers=admin,
                                json={"name": f"Group {slug}", "slug": slug})


def test_a_create_answers_only_after_an_fsync_begun_after_its_commit(client, admin, store,
                                                                    durable):
    held = HeldFsync(durable.fsync)
    durable.fsync = held
    answers = []
    writer = threading.Thread(target=lambda: answers.append(_create(client, admin, "held")))
    writer.start()
    assert held.entered.wait(30)
    # committed (readable by others) and syncing, but not answered while the fsync runs
    assert "held" in committed_slugs(store.path)
    writer.join(0.2)
    assert writer.is_alive() and answers == []
    held.release.set()
    writer.join(30)
    assert_envelope(answers[0], 201)
    assert held.calls == 1


def test_concurrent_creates_share_fsyncs_and_each_lands_exactly_once(client, admin, store,
                                                                     durable):
    """The first writer's fsync is held until every other writer has committed: those
    commits then wait together and one more fsync covers them all."""
    held = HeldFsync(durable.fsync)
    durable.fsync = held
    first = _create_in_thread(client, admin, "lead")
    assert held.entered.wait(30)

    def create(i):
        return _create(client, admin, f"member-{i}")

    followers = threading.Thread(target=lambda: results.extend(race(WRITERS - 1, create)))
    results = []
    followers.start()
    wait_until(lambda: len(committed_slugs(store.path)) == WRITERS)
    held.release.set()
    followers.join(60)
    first.join(60)
    for result in results:
        assert_envelope(result, 201)
    assert held.calls == 2  # 16 durable commits, 2 fsyncs
    listed = client.simulate_get("/api/v1/organizations", headers=admin,
                                 params={"includeStaging": "true", "limit": 100})
    slugs = [org["slug"] for org in assert_envelope(listed, 200)]
    assert sorted(slugs) == sorted(["lead"] + [f"member-{i}" for i in range(WRITERS - 1)])
    assert listed.json["meta"]["total"] == WRITERS


def _create_in_thread(client, admin, slug):
    thread = threading.Thread(target=lambda: assert_envelope(_create(client, admin, slug), 201))
    thread.start()
    return thread


def test_a_duplicate_in_a_group_fails_alone(client, admin, store, durable):
    """Pairs race for one slug each: one of each pair lands, the other is 409 naming the
    slug, and the group's other writes are whole, events included."""
    calls = []
    real = durable.fsync
    durable.fsync = lambda descriptor: calls.append(descriptor) or real(descriptor)
    results = race(WRITERS, lambda i: _create(client, admin, f"pair-{i // 2}"))
    statuses = sorted(result.status_code for result in results)
    assert statuses == [201] * (WRITERS // 2) + [409] * (WRITERS // 2)
    for result in results:
        if result.status_code == 409:
            assert_envelope(result, 409, "GR_DUPLICATE_SLUG", "slug")
    assert committed_slugs(store.path) == {f"pair-{n}" for n in range(WRITERS // 2)}
    created = store.db.execute_sql(
        "SELECT count(*) FROM event WHERE type = 'organization.created'").fetchone()[0]
    assert created == WRITERS // 2
    assert 1 <= len(calls) <= WRITERS // 2  # refused writes commit nothing and sync nothing


def test_a_refused_write_takes_no_fsync(client, admin, store, durable):
    _create(client, admin, "taken")
    before = durable.syncs
    assert_envelope(_create(client, admin, "taken"), 409, "GR_DUPLICATE_SLUG", "slug")
    assert durable.syncs == before


def test_make_durable_syncs_what_others_committed(store, durable):
    """The webhook sender's guard: an fsync that starts now, whether or not the writers
    have taken their tickets."""
    held = HeldFsync(durable.fsync)
    durable.fsync = held
    held.release.set()
    store.engine.make_durable()
    assert held.calls == 1
