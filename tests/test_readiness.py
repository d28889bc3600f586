"""GET /readyz: public; 200 once every migration is applied and the database takes a write,
503 GR_SERVICE_UNAVAILABLE while a migration is pending or running or the write lock is
held elsewhere — with /healthz (liveness) answering 200 throughout."""
import sqlite3
import time

import falcon.testing
import pytest

import apps
from goldenrecord.store.sqlite.connection import PRAGMAS
from goldenrecord.store.migrations import LATEST
from support import assert_envelope
from goldenrecord.restapi.health import WRITE_PROBE_SECONDS

PROBE_SECONDS = 0.05  # injected: the default waits 0.5 s for the write lock


@pytest.fixture
def service(config, clock):
    with apps.service(config, clock=clock, write_probe_seconds=PROBE_SECONDS) as instance:
        yield instance


@pytest.fixture
def other_connection(store):
    """A second connection to the service's database, as another process would hold one."""
    connection = sqlite3.connect(store.path, isolation_level=None, timeout=0)
    yield connection
    if connection.in_transaction:
        connection.execute("ROLLBACK")
    connection.close()


def ready(client):
    return client.simulate_get("/readyz")  # no Authorization: public, like /healthz


@pytest.mark.sqlite_only
def test_ready_without_a_key_when_migrated_and_writable(client, store):
    changes = store.db.connection().total_changes
    assert assert_envelope(ready(client), 200) == {"status": "ok"}
    assert store.db.connection().total_changes == changes  # the probe writes nothing


@pytest.mark.sqlite_only
def test_not_ready_while_another_connection_holds_the_write_lock(client, store, other_connection):
    other_connection.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    error = assert_envelope(ready(client), 503, "GR_SERVICE_UNAVAILABLE")
    assert time.monotonic() - started < 2  # the probe's own timeout, not the 10 s of writes
    assert "write" in error["message"]
    assert_envelope(client.simulate_get("/healthz"), 200)  # alive, just not ready
    busy_timeout, = store.db.execute_sql("PRAGMA busy_timeout").fetchone()
    assert busy_timeout == PRAGMAS["busy_timeout"]  # restored for the writes that follow
    other_connection.execute("ROLLBACK")
    assert_envelope(ready(client), 200)


@pytest.mark.sqlite_only
def test_not_ready_while_a_migration_is_pending_then_running(client, other_connection):
    # Another process's migrate() applies each version in its own transaction together with
    # its history row: first the row is not there, then it is being written, then committed.
    row = other_connection.execute("SELECT * FROM schema_migrations WHERE version = ?",
                                   (LATEST,)).fetchone()
    other_connection.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST,))
    pending = assert_envelope(ready(client), 503, "GR_SERVICE_UNAVAILABLE")
    assert "migration" in pending["message"] and str(LATEST) in pending["message"]
    other_connection.execute("BEGIN IMMEDIATE")
    other_connection.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", row)
    assert_envelope(ready(client), 503, "GR_SERVICE_UNAVAILABLE")  # running, not committed
    other_connection.execute("COMMIT")
    assert_envelope(ready(client), 200)


def test_the_wait_for_the_write_lock_has_a_short_default(tmp_path):
    """Without an injected timeout, /readyz still answers within a load balancer's usual 1 s
    probe timeout rather than after the 10 s that writes wait."""
    with apps.service(apps.config_for(tmp_path / "default.db")) as default:
        holder = sqlite3.connect(default.store.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            assert_envelope(ready(falcon.testing.TestClient(default.app)), 503,
                            "GR_SERVICE_UNAVAILABLE")
            # the default probe waits WRITE_PROBE_SECONDS (well under a balancer's 1 s
            # timeout); the bound leaves a loaded machine room and still tells it from the
            # 10 s that writes wait
            assert WRITE_PROBE_SECONDS < 1
            assert time.monotonic() - started < 5
        finally:
            holder.execute("ROLLBACK")
            holder.close()
