"""Write batching (store/sqlite/batching.py): the writes of requests queued behind one
another are committed in one transaction, each request's work in a savepoint of it; a
request that fails fails alone, and every 2xx still waits for the commit and its fsync.

A writer the test holds inside its transaction makes the others queue; what is asserted
is how many COMMITs and fsyncs there were and what was kept, not timing.
"""
import threading

import pytest

import apps
from conftest import UNLIMITED
from goldenrecord.store.sqlite import batching
from support import assert_envelope, committed_slugs, race, wait_until

WRITERS = 12
ORGS = "/api/v1/organizations"


@pytest.fixture
def config(tmp_path):
    """No request log or lastUsedAt writes: the only writers are the tests' own."""
    return apps.config_for(tmp_path / "wb.db", **UNLIMITED, **{"analytics.enabled": False})


def _create(client, admin, slug):
    return client.simulate_post(ORGS, headers=admin, json={"name": f"Batch {slug}", "slug": slug})


class Commits:
    """Counts the COMMITs made on the engine's writer connection, by any thread."""

    def __init__(self, store):
        self.count = 0
        self._connection = store.engine.writer_connection()
        self._connection.set_trace_callback(self._trace)

    def _trace(self, sql):
        if sql.strip().upper().startswith("COMMIT"):
            self.count += 1

    def close(self):
        self._connection.set_trace_callback(None)


@pytest.fixture
def commits(store):
    counter = Commits(store)
    yield counter
    counter.close()


def _queued_behind_a_held_writer(store, work, count, inside=lambda: None, outcomes=None):
    """Run `work(i)` on `count` threads while a writer holds the write lock (having run
    `inside()` in its transaction), release it once all of them are queued for the lock,
    and return their results; what the held writer raised is added to `outcomes`."""
    holding, release = threading.Event(), threading.Event()

    def held_writer():
        try:
            with store.engine.write_transaction():
                inside()
                holding.set()
                assert release.wait(30)
        except Exception as error:
            if outcomes is None:
                raise
            outcomes.append(error)

    holder = threading.Thread(target=held_writer)
    holder.start()
    assert holding.wait(10)
    results = []
    workers = threading.Thread(target=lambda: results.extend(race(count, work)))
    workers.start()
    wait_until(lambda: batching._waiting == count)
    release.set()
    holder.join(30)
    workers.join(60)
    return results


def test_creates_queued_behind_a_writer_commit_together_and_each_answers_durable(
        client, admin, store, commits):
    syncs = store.engine.durable.syncs
    results = _queued_behind_a_held_writer(
        store, lambda i: _create(client, admin, f"queued-{i}"), WRITERS)
    for result in results:
        assert_envelope(result, 201)
    # the held writer's transaction was handed on, not committed: far fewer COMMITs than
    # writers (one per request before batching), each request answered after an fsync
    assert 1 <= commits.count <= 2
    assert 1 <= store.engine.durable.syncs - syncs <= 2
    assert committed_slugs(store.path) == {f"queued-{i}" for i in range(WRITERS)}
    listed = client.simulate_get(ORGS, headers=admin,
                                 params={"includeStaging": "true", "limit": 100})
    assert listed.json["meta"]["total"] == WRITERS
    events = store.db.execute_sql(
        "SELECT count(*) FROM event WHERE type = 'organization.created'").fetchone()[0]
    assert events == WRITERS


def test_a_refused_request_in_a_batch_fails_alone(client, admin, store, commits):
    """Pairs queue for one slug each, in one batch: the first of each pair lands, the
    second reads its batch-mate's uncommitted row and is 409; the others are whole."""
    results = _queued_behind_a_held_writer(
        store, lambda i: _create(client, admin, f"pair-{i // 2}"), WRITERS)
    statuses = sorted(result.status_code for result in results)
    assert statuses == [201] * (WRITERS // 2) + [409] * (WRITERS // 2)
    for result in results:
        if result.status_code == 409:
            assert_envelope(result, 409, "GR_DUPLICATE_SLUG", "slug")
    assert commits.count <= 2
    assert committed_slugs(store.path) == {f"pair-{n}" for n in range(WRITERS // 2)}
    events = store.db.execute_sql(
        "SELECT count(*) FROM event WHERE type = 'organization.created'").fetchone()[0]
    assert events == WRITERS // 2


def test_work_that_raises_half_way_is_rolled_back_alone(client, admin, store, commits):
    """A writer whose work has written rows and then raises keeps none of them; the
    batch-mates queued with it are kept."""

    def work(i):
        if i == 0:
            try:
                with store.engine.write_transaction():
                    store.organizations.create(name="Doomed", slug="doomed")
                    raise LookupError("the work failed after writing")
            except LookupError as error:
                return error
        return _create(client, admin, f"kept-{i}")

    results = _queued_behind_a_held_writer(store, work, WRITERS)
    assert isinstance(results[0], LookupError)
    for result in results[1:]:
        assert_envelope(result, 201)
    assert commits.count <= 2
    assert committed_slugs(store.path) == {f"kept-{i}" for i in range(1, WRITERS)}
    found = client.simulate_get(ORGS, headers=admin,
                                params={"search": "doomed", "includeStaging": "true"})
    assert assert_envelope(found, 200) == []


def test_a_commit_that_fails_fails_every_writer_of_the_batch(client, admin, store):
    """The held writer leaves a foreign-key violation that SQLite checks at COMMIT
    (deferred): the batch's COMMIT fails, so every writer queued into it raises and none
    of their rows is kept; the next writes succeed."""
    def violate_a_foreign_key():
        store.db.execute_sql("PRAGMA defer_foreign_keys = ON")
        store.db.execute_sql("INSERT INTO role_permission VALUES ('no-role', 'no-perm')")

    def create(i):
        try:
            store.organizations.create(name=f"Lost {i}", slug=f"lost-{i}")
        except Exception as error:  # noqa: BLE001 - the test asserts what it was
            return error

    outcomes = []
    results = _queued_behind_a_held_writer(store, create, 4, violate_a_foreign_key, outcomes)
    assert len(outcomes) == 1 and "FOREIGN KEY" in str(outcomes[0])
    assert all("FOREIGN KEY" in str(result) for result in results), results
    assert committed_slugs(store.path) == set()
    assert_envelope(_create(client, admin, "after"), 201)
    assert committed_slugs(store.path) == {"after"}


def test_a_write_probe_commits_the_open_batch_rather_than_wait_for_it(store):
    """/readyz's probe takes the writer lock like any writer: an open batch is committed
    first, so the probe never waits on the SQLite lock the batch holds."""
    with store.engine.write_transaction():
        store.organizations.create(name="Open", slug="open")
    assert store.engine.takes_writes(1.0)
    assert batching._open is None
