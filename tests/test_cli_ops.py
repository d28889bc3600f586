"""The operator's command line, in process: keys list/revoke/rotate, refused names, the
first-start key's tier, progress reporting, the access log's fields and JSON lines, and
the one-line explanations of failures that a real process cannot stage as root."""
import dataclasses
import errno
import io
import json
import logging
import sqlite3
from pathlib import Path

import falcon.testing
import pytest

import apps
import goldenrecord
from goldenrecord import cli, store as store_package
from goldenrecord.cli import progress
from goldenrecord.store.sqlite import checks
from goldenrecord.cli.serve import bind_failure
from goldenrecord.store.migrations import MIGRATIONS
from goldenrecord.store.sqlite.backup import backup
from support import Ticking, progress_lines, reindex_steps, ticking

# ------------------------------------------------------------------ helpers


def run(capsys, *argv, **options):
    """`goldenrecord argv` in process: (exit status, stdout, stderr)."""
    status = goldenrecord.main(list(argv), **options)
    captured = capsys.readouterr()
    return status, captured.out, captured.err




@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "cli.db")


def served(db, **overrides):
    """A started service on the database `db` the CLI wrote, with default rate limits."""
    return apps.service(apps.config_for(db, **overrides))


# ------------------------------------------------------------------ keys


def _key(db, **fields):
    opened = store_package.Store(db)
    opened.migrate()
    try:
        return opened.api_keys.create(**{"name": "app", "scopes": ["users:read"], **fields})
    finally:
        opened.close()


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_keys_create_refuses_an_empty_name(db, capsys, name):
    status, out, err = run(capsys, "keys", "create", "--db", db, "--name", name,
                           "--scope", "users:read")
    assert (status, out) == (2, "")
    assert err.strip() == "goldenrecord: error: name: name must not be empty"


def test_keys_list_shows_metadata_never_a_key(db, capsys):
    _key(db, name="ops", scopes=["*:*"], tier="pro")
    reader, reader_plaintext = _key(db, name="reader\x1b[31m")  # a name meant for a terminal
    status, out, err = run(capsys, "keys", "list", "--db", db)
    assert status == 0 and "gr_live_" not in out + err
    head, *rows = out.splitlines()
    assert head.split() == ["ID", "NAME", "SCOPES", "ORG", "TIER", "ACTIVE", "EXPIRES"]
    assert len(rows) == 2 and "\x1b" not in out
    assert rows[1].split()[:3] == [reader.id, "reader\N{REPLACEMENT CHARACTER}[31m", "users:read"]
    assert rows[0].split()[2:6] == ["*:*", "-", "pro", "yes"]

    status, out, _ = run(capsys, "keys", "list", "--db", db, "--json")
    listed = json.loads(out)
    assert [k["name"] for k in listed] == ["ops", "reader\x1b[31m"]
    assert set(listed[0]) >= {"id", "name", "scopes", "organizationId", "tier", "isActive",
                              "expiresAt", "keyPrefix"} and "key" not in listed[0]


def test_keys_revoke_locks_the_key_out_of_the_api(db, capsys, caplog):
    caplog.set_level(logging.INFO, "goldenrecord")
    key, plaintext = _key(db)
    status, out, err = run(capsys, "keys", "revoke", key.id, "--db", db)
    assert (status, out) == (0, "") and f"revoked API key {key.id}" in caplog.text
    with served(db) as service:
        result = falcon.testing.TestClient(service.app).simulate_get(
            "/api/v1/users", headers={"Authorization": f"Bearer {plaintext}"})
    assert result.status_code == 401
    again = run(capsys, "keys", "revoke", key.id, "--db", db)
    assert again[0] == 2 and again[2].count("\n") == 1 and f"no usable API key {key.id}" in again[2]


def test_keys_rotate_prints_the_new_key_alone_and_both_work(db, capsys, caplog):
    caplog.set_level(logging.INFO, "goldenrecord")
    key, old_plaintext = _key(db, tier="basic", allowed_ips=["127.0.0.1"])
    status, out, err = run(capsys, "keys", "rotate", key.id, "--db", db)
    new_plaintext = out.strip()
    assert status == 0 and out == new_plaintext + "\n" and new_plaintext.startswith("gr_live_")
    assert "the old one works until" in caplog.text and new_plaintext not in caplog.text + err
    with served(db) as service:
        client = falcon.testing.TestClient(service.app)
        for plaintext in (old_plaintext, new_plaintext):
            answer = client.simulate_get("/api/v1/users", remote_addr="127.0.0.1",
                                         headers={"Authorization": f"Bearer {plaintext}"})
            assert answer.status_code == 200
        rotated = service.store.api_keys.find(new_plaintext)
        assert (rotated.name, rotated.tier, rotated.allowed_ips) == ("app", "basic", ["127.0.0.1"])
        assert service.store.api_keys.find(old_plaintext).expires_at is not None
    status, out, err = run(capsys, "keys", "rotate", "key_nope", "--db", db)
    assert (status, out) == (2, "") and "no usable API key key_nope" in err


# ------------------------------------------------------------- first-start key tier


@pytest.mark.parametrize("env", [{}, {"GOLDENRECORD_BOOTSTRAP_KEY": "gr_live_" + "b" * 40}])
def test_the_operator_key_carries_a_busy_dashboard_minute(tmp_path, clock, env):
    """The issue's session: 69 requests in 15 s, 9 of them refused. Three times that, in
    one minute of the fake clock, all pass under the default limits."""
    with apps.service(apps.config_for(tmp_path / "op.db"), clock=clock) as service:
        announced = []
        goldenrecord.ensure_admin_key(service.store, env, announced.append)
        plaintext = env.get("GOLDENRECORD_BOOTSTRAP_KEY") or announced[0]
        assert service.store.api_keys.find(plaintext).tier == "enterprise"
        client = falcon.testing.TestClient(service.app)
        headers = {"Authorization": f"Bearer {plaintext}"}
        statuses = {client.simulate_get("/api/v1/organizations", headers=headers).status_code
                    for _ in range(200)}
        last = client.simulate_get("/api/v1/organizations", headers=headers)
    assert statuses == {200}
    assert last.headers["X-RateLimit-Limit"] == "5000"


def test_migration_13_lifts_older_operator_keys_to_enterprise(tmp_path):
    opened = store_package.Store(tmp_path / "old.db")
    opened.migrate()
    first, _ = opened.api_keys.create(name="admin (first start)", scopes=["*:*"])
    bootstrap, _ = opened.api_keys.create(name="bootstrap", scopes=["*:*"],
                                          plaintext="gr_live_" + "c" * 40)
    narrow, _ = opened.api_keys.create(name="bootstrap", scopes=["users:read"])
    other, _ = opened.api_keys.create(name="ops", scopes=["*:*"])
    opened.db.execute_sql("DELETE FROM schema_migrations WHERE version = 13")
    assert opened.migrate() == [13]
    tiers = {key_id: opened.api_keys.get(key_id).tier
             for key_id in (first.id, bootstrap.id, narrow.id, other.id)}
    opened.close()
    assert tiers == {first.id: "enterprise", bootstrap.id: "enterprise",
                     narrow.id: "free", other.id: "free"}


# ------------------------------------------------------------------ progress


def test_lines_come_every_interval_not_every_call(caplog):
    caplog.set_level(logging.INFO, "goldenrecord.progress")
    reporter = progress.Progress(clock=Ticking(), interval=5, stream=io.StringIO()).reporter(
        "job", "steps")
    for count in range(1, 13):
        reporter(count, 12)
    reporter.close()
    # made at second 1, called at seconds 2..13: lines at 6 and 11
    assert progress_lines(caplog, "job") == ["job: 5/12 steps (41%)", "job: 10/12 steps (83%)"]


def test_a_terminal_gets_a_bar_with_counts_and_eta():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    with progress.Progress(stream=screen).reporter("search reindex", "steps") as reporter:
        for count in range(1, 51):
            reporter(count, 50)
    drawn = screen.getvalue()
    assert "search reindex" in drawn and "50/50" in drawn and "100%" in drawn
    assert "<00:00" in drawn  # elapsed<remaining: the ETA


def test_quiet_reports_nothing(caplog):
    caplog.set_level(logging.INFO, "goldenrecord.progress")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    reporter = progress.Progress(quiet=True, stream=screen, clock=Ticking(), interval=0).reporter(
        "job", "steps")
    for count in range(10):
        reporter(count, 10)
    assert screen.getvalue() == "" and progress_lines(caplog, "job") == []


def _seeded(db, capsys):
    assert run(capsys, "seed", "--demo", "--db", db, "--quiet")[0] == 0


def test_search_reindex_reports_records_copied_read_and_swept(db, capsys, caplog):
    _seeded(db, capsys)
    caplog.set_level(logging.INFO, "goldenrecord.progress")
    total = reindex_steps(db)
    status, _, _ = run(capsys, "search", "reindex", "--db", db, progress=ticking(interval=0))
    assert status == 0
    counts = [int(line.split(": ")[1].split("/")[0]) for line in
              progress_lines(caplog, "search reindex")]
    # after each short write transaction: the two full-text copies, the variants of each
    # kind, the two sweeps; each count once, growing, up to the total
    assert len(counts) >= 4 and counts == sorted(set(counts)) and counts[-1] == total
    assert progress_lines(caplog, "search reindex") == [
        f"search reindex: {n}/{total} steps ({100 * n // total}%)" for n in counts]
    caplog.clear()
    assert run(capsys, "search", "reindex", "--db", db, "--quiet",
               progress=ticking(interval=0))[0] == 0
    assert progress_lines(caplog, "search reindex") == []


@pytest.mark.parametrize("argv, label, last", [
    (["migrate"], "migrate", f"migrate: {len(MIGRATIONS)}/{len(MIGRATIONS)} migrations (100%)"),
    (["seed", "--demo"], "seed", "seed: 14/14 records (100%)"),
])
def test_migrate_and_seed_report_progress(db, capsys, caplog, argv, label, last):
    caplog.set_level(logging.INFO, "goldenrecord.progress")
    assert run(capsys, *argv, "--db", db, progress=ticking(interval=0))[0] == 0
    assert progress_lines(caplog, label)[-1] == last


def test_backup_reports_pages_from_one_snapshot(tmp_path):
    source, copy = tmp_path / "src.db", tmp_path / "copy.db"
    connection = sqlite3.connect(source, isolation_level=None)
    connection.execute("PRAGMA journal_mode=wal")
    connection.execute("CREATE TABLE t (x)")
    connection.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 400)
    writer = sqlite3.connect(source, isolation_level=None)
    reports = []

    def report(count, total):  # a writer commits between every two steps
        reports.append((count, total))
        writer.execute("INSERT INTO t VALUES ('late')")

    backup(str(source), str(copy), report, pages_per_step=20)
    total = reports[-1][1]
    assert reports == [(min(n, total), total) for n in range(20, total + 20, 20)]
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM t").fetchone() == (400,)
    writer.close()
    connection.close()


# ------------------------------------------------------------------ access log


def test_the_access_log_carries_client_route_and_key_never_the_query(tmp_path, clock):
    entries = []
    config = apps.config_for(tmp_path / "log.db")
    config = dataclasses.replace(config, server=dataclasses.replace(
        config.server, trusted_proxies=("10.0.0.0/8",)))
    with apps.service(config, clock=clock, access_log=entries.append) as service:
        key, plaintext = service.store.api_keys.create(name="a", scopes=["*:*"])
        client = falcon.testing.TestClient(service.app)
        client.simulate_get("/api/v1/organizations/00000000-0000-4000-8000-000000000000",
                            remote_addr="10.1.2.3",
                            headers={"Authorization": f"Bearer {plaintext}",
                                     "X-Forwarded-For": "203.0.113.9"})
        client.simulate_get("/api/v1/organizations", query_string="search=hush-hush",
                            headers={"Authorization": f"Bearer {plaintext}"})
        client.simulate_get("/healthz", remote_addr="192.0.2.1")
    assert entries[0] == {"client": "203.0.113.9", "method": "GET",
                          "route": "/api/v1/organizations/{id}", "status": 404,
                          "durationMs": entries[0]["durationMs"],
                          "requestId": entries[0]["requestId"], "keyId": key.id}
    assert (entries[1]["route"], entries[1]["status"]) == ("/api/v1/organizations", 200)
    assert entries[2]["client"] == "192.0.2.1" and entries[2]["keyId"] is None
    assert "hush" not in json.dumps(entries) and plaintext not in json.dumps(entries)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_batched_handler_writes_access_lines_as_text_or_json(capsys, log_format):
    import goldenrecord.restapi  # noqa: F401  (serving has loaded it when lines are written)

    handler = cli.BatchedStderrHandler(interval=60)
    handler.setFormatter(cli.logs.formatter(log_format))
    handler.log_request({"client": "192.0.2.1", "method": "GET", "route": "/api/v1/users/{id}",
                         "status": 200, "durationMs": 1.5, "requestId": "req_1", "keyId": None})
    handler.close()
    line = capsys.readouterr().err
    assert line.count("\n") == 1
    if log_format == "json":
        entry = json.loads(line)
        assert {k: entry[k] for k in ("logger", "client", "route", "status", "keyId")} == {
            "logger": "goldenrecord.access", "client": "192.0.2.1",
            "route": "/api/v1/users/{id}", "status": 200, "keyId": None}
        assert entry["time"].endswith("Z")
    else:
        assert line.endswith(" INFO goldenrecord.access: 192.0.2.1 GET /api/v1/users/{id} "
                             "200 1.5ms req_1 -\n")


# ------------------------------------------- failures a root test process cannot stage


def test_a_port_that_needs_privileges_is_one_line(db, capsys, monkeypatch):
    """Root may bind port 80, so the refusal an ordinary user gets is injected."""
    import waitress

    def refuse(app, **options):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(waitress, "create_server", refuse)
    status, out, err = run(capsys, "serve", "--db", db, "--port", "80")
    assert (status, out) == (2, "")
    assert err == ("goldenrecord: error: server.port: listening on port 80 needs privileges "
                   "this user lacks (ports below 1024 are reserved); choose a port from 1024 "
                   "up (--port), and put a reverse proxy on the low port\n")
    assert "Golden Record created an admin API key" not in err
    assert store_package.Store(db).api_keys.any_usable() is False  # not made, not shown


@pytest.mark.parametrize("error, says", [
    (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "is read-only"),
    (sqlite3.OperationalError("unable to open database file"), "SQLite cannot open"),
    (sqlite3.DatabaseError("file is not a database"), "is not a SQLite database"),
])
def test_database_errors_are_explained(error, says):
    """Unreadable files cannot be staged as root (root reads everything): the mapping
    from the errors SQLite and the system raise is checked here instead."""
    line = str(checks.explain("/srv/gr.db", error))
    assert line.startswith("database.path: ") and says in line and "/srv/gr.db" in line


def test_an_unknown_database_error_keeps_its_traceback():
    assert checks.explain("/srv/gr.db", sqlite3.OperationalError("disk I/O error")) is None


def test_bind_errors_are_explained():
    in_use = bind_failure("127.0.0.1", 8080, OSError(errno.EADDRINUSE, "in use"))
    assert in_use.startswith("server.port: 127.0.0.1:8080 is in use")
    assert bind_failure("127.0.0.1", 8080, OSError(errno.ENOBUFS, "no")) is None


def test_every_command_is_in_the_operations_guide():
    from goldenrecord.cli.commands import COMMANDS

    guide = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    section = guide[guide.index("## Command line"):guide.index("## Health, readiness and metrics")]
    assert [name for name in COMMANDS if f"`goldenrecord {name}" not in section] == []


def test_the_zipapp_takes_tqdm_without_its_windows_only_dependency():
    """tqdm requires colorama on Windows only; the bundle must not look for it here."""
    from goldenrecord.embedding import bundle

    assert bundle.dependencies("tqdm") == []
