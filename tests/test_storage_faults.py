"""Storage faults (issue 16): the database locked by another process past the busy timeout,
a full disk, a read-only file, failing I/O are 503 GR_SERVICE_UNAVAILABLE with Retry-After,
change nothing, and the next request after the cause is gone succeeds."""
import errno
import sqlite3
import threading

import peewee
import pytest

import apps
from conftest import UNLIMITED
from goldenrecord.store import prepared
from support import assert_envelope

ORGS = "/api/v1/organizations"
BUSY_TIMEOUT_MS = 100


@pytest.fixture
def config(tmp_path):
    return apps.config_for(tmp_path / "gr.db", **UNLIMITED,
                           **{"database.busy_timeout_ms": BUSY_TIMEOUT_MS})


def assert_unavailable(result, caplog, cause):
    """503 GR_SERVICE_UNAVAILABLE with Retry-After; the cause in the log, not the body."""
    error = assert_envelope(result, 503, "GR_SERVICE_UNAVAILABLE")
    assert int(result.headers["Retry-After"]) >= 1
    assert cause.lower() not in result.text.lower()
    assert cause.lower() in caplog.text.lower()
    return error


def organization_count(store):
    return store.db.execute_sql("SELECT count(*) FROM organization").fetchone()[0]


def event_count(store):
    return store.db.execute_sql("SELECT count(*) FROM event").fetchone()[0]


def test_a_write_while_another_process_holds_the_write_lock_is_503_then_succeeds(
        client, admin, store, config, caplog):
    other = sqlite3.connect(config.database.path, isolation_level=None)  # as another process
    other.execute("BEGIN IMMEDIATE")
    body = {"name": "Acme Corporation", "slug": "acme"}
    retry = {**admin, "Idempotency-Key": "create-acme"}
    assert_unavailable(client.simulate_post(ORGS, json=body, headers=retry), caplog,
                       "database is locked")
    reads = client.simulate_get(ORGS, headers=admin)  # readers are not held up
    assert assert_envelope(reads, 200) == []
    other.execute("ROLLBACK")
    other.close()
    # the same request again, same Idempotency-Key: done now, not a replay of the 503
    created = client.simulate_post(ORGS, json=body, headers=retry)
    assert assert_envelope(created, 201)["slug"] == "acme"
    assert "Idempotent-Replayed" not in created.headers
    assert organization_count(store) == 1


def test_writers_queued_in_the_process_get_503_after_one_busy_timeout(client, admin, store,
                                                                     caplog):
    """A write transaction of this process that does not end (a stuck writer) holds the
    others up for one busy timeout, not for ever; the log says which thread held the lock,
    and where it was."""
    holding, release = threading.Event(), threading.Event()

    def stuck_writer():
        with store.engine.write_transaction():
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=stuck_writer, name="stuck-writer")
    writer.start()
    try:
        assert holding.wait(10)
        refused = client.simulate_post(ORGS, json={"name": "Initech", "slug": "initech"},
                                       headers=admin)
        assert_envelope(refused, 503, "GR_SERVICE_UNAVAILABLE")
        if not store.engine.replicated:  # SQLite: its writers queue in this process
            told = [r.getMessage() for r in caplog.records if "gave up" in r.getMessage()]
            assert told and "thread stuck-writer holds the write lock" in told[0], told
            assert "in stuck_writer" in told[0] and "release.wait(30)" in told[0], told
    finally:
        release.set()
        writer.join()
    created = client.simulate_post(ORGS, json={"name": "Initech", "slug": "initech"}, headers=admin)
    assert_envelope(created, 201)


def test_a_full_disk_is_503_leaves_nothing_half_written_and_heals(client, admin, store, caplog):
    connection = store.db.connection()  # the one simulated requests on this thread use
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
    # many new words: the organization, its full-text entry, typo variants and event
    body = {"name": "Quixotic Zephyrine Brobdingnagian Lollapalooza Kerfuffle Skedaddle",
            "slug": "quixotic", "domain": "quixotic-zephyrine.example"}
    try:
        assert_unavailable(client.simulate_post(ORGS, json=body, headers=admin), caplog,
                           "database or disk is full")
        assert (organization_count(store), event_count(store)) == (0, 0)
        found = client.simulate_get(ORGS, params={"search": "zephyrine", "includeStaging": "true"},
                                    headers=admin)
        assert assert_envelope(found, 200) == []
    finally:
        connection.execute("PRAGMA max_page_count = 4294967294")  # room again
    created = assert_envelope(client.simulate_post(ORGS, json=body, headers=admin), 201)
    found = client.simulate_get(ORGS, params={"search": "zephyrin", "includeStaging": "true"},
                                headers=admin)
    assert [o["id"] for o in assert_envelope(found, 200)] == [created["id"]]
    assert event_count(store) == 1


def test_a_read_only_database_is_503_for_writes_while_reads_go_on(client, admin, store, make, caplog):
    org = make.org(name="Globex", slug="globex")
    connection = store.db.connection()
    connection.execute("PRAGMA query_only = 1")  # SQLite refuses writes: SQLITE_READONLY
    try:
        renamed = client.simulate_put(f"{ORGS}/{org['id']}", json={"name": "Globex Renamed"},
                                      headers=admin)
        assert_unavailable(renamed, caplog, "attempt to write a readonly database")
        read = client.simulate_get(f"{ORGS}/{org['id']}", headers=admin)
        assert assert_envelope(read, 200)["name"] == "Globex"
    finally:
        connection.execute("PRAGMA query_only = 0")
    renamed = client.simulate_put(f"{ORGS}/{org['id']}", json={"name": "Globex Renamed"}, headers=admin)
    assert assert_envelope(renamed, 200)["name"] == "Globex Renamed"


def _sqlite_error(code, name, message):
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode, error.sqlite_errorname = code, name
    return error


def _fail_inserts(monkeypatch, store, error):
    """Every INSERT of the store fails with `error` as the driver raised it, wrapped by
    peewee as peewee does: a fault injected at the engine's boundary. Inserts go through
    peewee's execute_sql or, for the creates, the prepared statements of store/prepared.py."""
    original = store.db.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("INSERT"):
            fail()
        return original(sql, params, *args, **kwargs)

    def fail(*args, **kwargs):
        with peewee.__exception_wrapper__:
            raise error

    monkeypatch.setattr(store.db, "execute_sql", execute_sql)
    monkeypatch.setattr(prepared, "insert_all", fail)


@pytest.mark.parametrize("error, cause", [
    (_sqlite_error(266, "SQLITE_IOERR_READ", "disk I/O error"), "disk I/O error"),
    (_sqlite_error(13, "SQLITE_FULL", "database or disk is full"), "database or disk is full"),
    (_sqlite_error(15, "SQLITE_PROTOCOL", "locking protocol"), "locking protocol"),
    (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    (OSError(errno.EROFS, "Read-only file system"), "Read-only file system"),
])
def test_injected_storage_faults_are_503_until_the_cause_is_gone(
        client, admin, store, monkeypatch, caplog, error, cause):
    with monkeypatch.context() as injected:
        _fail_inserts(injected, store, error)
        result = client.simulate_post(ORGS, json={"name": "Hooli", "slug": "hooli"}, headers=admin)
        assert_unavailable(result, caplog, cause)
    assert organization_count(store) == 0
    assert_envelope(client.simulate_post(ORGS, json={"name": "Hooli", "slug": "hooli"},
                                         headers=admin), 201)


def test_other_database_errors_stay_500(client, admin, store, monkeypatch, caplog):
    _fail_inserts(monkeypatch, store, _sqlite_error(11, "SQLITE_CORRUPT",
                                                    "database disk image is malformed"))
    result = client.simulate_post(ORGS, json={"name": "Hooli", "slug": "hooli"}, headers=admin)
    assert_envelope(result, 500, "GR_INTERNAL_ERROR")
    assert "Retry-After" not in result.headers


def test_readiness_keeps_the_configured_busy_timeout_and_its_503_says_when_to_retry(
        client, store, config):
    """/readyz cuts the busy timeout for its probe and must give back database.busy_timeout_ms,
    not the default, or every write after a probe would wait 10 s; its 503 is the storage
    faults' code, so it carries Retry-After too, and still says what is wrong."""
    assert_envelope(client.simulate_get("/readyz"), 200)
    busy_timeout, = store.db.execute_sql("PRAGMA busy_timeout").fetchone()
    assert busy_timeout == BUSY_TIMEOUT_MS
    other = sqlite3.connect(config.database.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        not_ready = client.simulate_get("/readyz")
        error = assert_envelope(not_ready, 503, "GR_SERVICE_UNAVAILABLE")
        assert "write lock" in error["message"]
        assert int(not_ready.headers["Retry-After"]) >= 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    busy_timeout, = store.db.execute_sql("PRAGMA busy_timeout").fetchone()
    assert busy_timeout == BUSY_TIMEOUT_MS


def test_the_openapi_document_publishes_503_with_retry_after(client):
    document = client.simulate_get("/api/v1/openapi.json").json
    codes = {row["code"]: row["status"] for row in document["x-error-codes"]}
    assert codes["GR_SERVICE_UNAVAILABLE"] == 503
    assert document["components"]["headers"]["Retry-After"]["required"] is True
    for path, item in document["paths"].items():
        for method, op in item.items():
            unavailable = op["responses"]["503"]
            assert unavailable["x-error-codes"] == ["GR_SERVICE_UNAVAILABLE"], (method, path)
            assert unavailable["headers"]["Retry-After"] == {
                "$ref": "#/components/headers/Retry-After"}, (method, path)


def test_a_database_busy_timeout_below_one_millisecond_is_refused(tmp_path):
    from goldenrecord.settings import ConfigError

    with pytest.raises(ConfigError, match=r"^database\.busy_timeout_ms: must be at least 1"):
        apps.config_for(tmp_path / "x.db", **{"database.busy_timeout_ms": 0})
