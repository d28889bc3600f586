"""The composition root: building Golden Record starts nothing; start() and close() (or a
`with` block) run and end its background work; close() is safe in any state."""
import threading

import falcon.testing
import pytest

import goldenrecord

# The threads a started instance runs (the webhook pool's threads start only with a send).
BACKGROUND = {"goldenrecord-commit-watch", "goldenrecord-usage", "goldenrecord-dispatch"}


def _new_threads(before):
    """The threads alive now that were not in `before`."""
    return set(threading.enumerate()) - before


def test_create_app_starts_no_thread_and_serves(config):
    before = set(threading.enumerate())
    app = goldenrecord.create_app(config)
    client = falcon.testing.TestClient(app)
    assert client.simulate_get("/healthz").status_code == 200
    assert client.simulate_get("/api/v1/roles").status_code == 401
    assert _new_threads(before) == set()


def test_building_starts_nothing_and_close_needs_no_start(config):
    before = set(threading.enumerate())
    instance = goldenrecord.GoldenRecord(config)
    try:
        assert _new_threads(before) == set()
        assert falcon.testing.TestClient(instance.app).simulate_get("/healthz").status_code == 200
    finally:
        instance.close()
    assert instance.store.db.is_closed()
    assert _new_threads(before) == set()


def test_the_with_block_starts_the_background_work_and_ends_it(config):
    before = set(threading.enumerate())
    with goldenrecord.GoldenRecord(config) as instance:
        assert {thread.name for thread in _new_threads(before)} == BACKGROUND
    assert _new_threads(before) == set()
    assert instance.store.db.is_closed()


def test_a_failing_with_block_still_closes(config):
    before = set(threading.enumerate())
    with pytest.raises(LookupError):
        with goldenrecord.GoldenRecord(config) as instance:
            raise LookupError("the test failed here")
    assert _new_threads(before) == set()
    assert instance.store.db.is_closed()


def test_close_is_idempotent_and_final(config):
    instance = goldenrecord.GoldenRecord(config).start()
    instance.close()
    instance.close()
    assert instance.store.db.is_closed()
    with pytest.raises(RuntimeError, match="closed"):
        instance.start()
