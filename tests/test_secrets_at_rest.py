"""No secret at rest in plain text: webhook signing secrets and the per-database signing
secrets are sealed under a secret key kept outside the database (store/vault.py), which
backups carry beside them; the database's files, the key file and backups are readable by
their owner only, and start-up warns about database files others can open."""
import base64
import hashlib
import hmac
import logging
import os
import shutil
import sqlite3
import stat
import subprocess
import sys

import falcon.testing
import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

import apps
import goldenrecord
from conftest import UNLIMITED
from goldenrecord.admin_ui.session import COOKIE
from goldenrecord.embedding import template
from goldenrecord.store import migrations
from process import ROOT, clean_env
from support import Receiver, assert_envelope, database_bytes, race

WARNING = "goldenrecord.store"


@pytest.fixture
def usual_umask():
    """The common umask 022, under which files are created readable by everyone unless
    their creator asks otherwise (restored afterwards)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def _config(path):
    return goldenrecord.load_config(env={}, overrides={"database.path": str(path), **UNLIMITED})


def _write_through_the_api(path):
    """Start an instance on `path`, change something over HTTP (so the WAL and its index
    exist), and return the instance, still open."""
    service = goldenrecord.GoldenRecord(_config(path))
    _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
    client = falcon.testing.TestClient(service.app)
    created = client.simulate_post("/api/v1/organizations", json={"name": "Acme", "slug": "acme"},
                                   headers={"Authorization": f"Bearer {key}"})
    assert_envelope(created, 201)
    return service


def test_database_wal_shm_and_key_file_are_created_owner_only(tmp_path, usual_umask):
    db = tmp_path / "gr.db"
    service = _write_through_the_api(db)
    try:
        files = [db, tmp_path / "gr.db-wal", tmp_path / "gr.db-shm", tmp_path / "gr.db.key"]
        assert {str(path): _mode(path) for path in files} == {str(path): "0o600" for path in files}
    finally:
        service.close()


def test_backup_is_created_owner_only(tmp_path, usual_umask):
    db, copy = tmp_path / "gr.db", tmp_path / "copy.db"
    _write_through_the_api(db).close()
    assert goldenrecord.main(["backup", "--db", str(db), str(copy)]) == 0
    assert _mode(copy) == "0o600"


def test_a_template_copy_is_owner_only(tmp_path, usual_umask):
    template.build_template()
    assert template.copy_template(tmp_path / "copy.db")
    assert _mode(tmp_path / "copy.db") == "0o600"


def test_start_up_warns_once_about_files_others_can_read(tmp_path, caplog):
    db = tmp_path / "gr.db"
    _write_through_the_api(db).close()
    # another process's connection keeps the -wal and -shm in place, as a running server would
    holder = sqlite3.connect(db)
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
    os.chmod(db, 0o644)
    os.chmod(tmp_path / "gr.db-shm", 0o640)
    with caplog.at_level(logging.WARNING, logger=WARNING):
        goldenrecord.GoldenRecord(_config(db)).close()
    holder.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == WARNING]
    assert len(warnings) == 1, warnings
    # (SQLite may make the -wal anew on opening, with the database file's mode)
    named, command = warnings[0].split(": open to other users")
    assert {str(db), f"{db}-shm"} <= set(named.split(", "))
    assert command.endswith(" ".join(named.split(", ")))


def test_no_warning_for_owner_only_files(tmp_path, caplog):
    db = tmp_path / "gr.db"
    _write_through_the_api(db).close()
    with caplog.at_level(logging.WARNING, logger=WARNING):
        goldenrecord.GoldenRecord(_config(db)).close()
    assert [r for r in caplog.records if r.name == WARNING] == []


# ---------------------------------------------------------------- secrets sealed at rest

HOOKS = "/api/v1/webhooks"
ORGS = "/api/v1/organizations"
SECRET_SETTINGS = ("cursor_secret", "admin_session_secret")


def _hub(path, clock=goldenrecord.utc_now, **overrides):
    """A built, unstarted instance on `path` that may deliver to loopback: the test steps
    its sender (deliver_due())."""
    return goldenrecord.GoldenRecord(apps.config_for(
        path, **UNLIMITED, **{"webhooks.allow_private_targets": True}, **overrides), clock=clock)


def _admin(service):
    """A test client of `service` sending a new *:* key, and that key."""
    _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
    return falcon.testing.TestClient(service.app, headers=_bearer(key)), key


def _bearer(key):
    return {"Authorization": f"Bearer {key}"}


def _subscribe(client, url):
    return assert_envelope(client.simulate_post(
        HOOKS, json={"name": "hook", "url": url, "events": ["*"]}), 201)


def _sign_in(client, key):
    """The dashboard's session cookie and CSRF token for `key`."""
    result = client.simulate_post("/admin/session", json={"key": key}, headers={})
    return result.cookies[COOKIE].value, assert_envelope(result, 200)["csrfToken"]


def _as_dashboard(client, session):
    cookie, csrf = session
    return client.simulate_get(ORGS, cookies={COOKIE: cookie}, headers={"X-CSRF-Token": csrf})


def _secrets_of(service, *webhook_secrets):
    """Every secret the database keeps, as plain text: the webhook secrets (as shown at
    creation, and their key part) and the per-database signing secrets."""
    parts = [s.removeprefix("whsec_") for s in webhook_secrets]
    return [*webhook_secrets, *parts, *(service.store.setting(name) for name in SECRET_SETTINGS)]


def _assert_nowhere_in(path, plaintexts):
    raw = database_bytes(path)
    assert len(raw) > 4096, "no database read"
    assert [secret for secret in plaintexts if secret.encode() in raw] == []


def _assert_signed_with(request, secret):
    """A Receiver's `request` verifies with `secret`, by the spec's scheme and by a
    Standard Webhooks library."""
    headers, body = request["headers"], request["body"]
    signed = f"{headers['X-Webhook-Timestamp']}.{body.decode()}".encode()
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Webhook-Signature"], expected)
    StandardWebhook(secret).verify(body, headers)


def _deliver_one(service, receiver):
    """Step the sender: one delivery succeeds; returns what the receiver got."""
    assert [o["status"] for o in service.webhooks.deliver_due()] == ["succeeded"]
    return receiver.wait_for(1)[-1]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_no_secret_made_through_the_api_is_in_the_database_files(tmp_path, receiver):
    """A subscription's secret, the session- and cursor-signing secrets: none is in the
    database or its WAL (read before any checkpoint, and after close), yet deliveries
    verify with the secret shown at creation and the dashboard signs in."""
    db = tmp_path / "gr.db"
    service = _hub(db)
    try:
        client, key = _admin(service)
        hook = _subscribe(client, receiver.url)
        assert_envelope(_as_dashboard(client, _sign_in(client, key)), 200)
        assert_envelope(client.simulate_post(ORGS, json={"name": "Acme", "slug": "acme"}), 201)
        plaintexts = _secrets_of(service, hook["secret"])
        _assert_nowhere_in(db, plaintexts)
        _assert_signed_with(_deliver_one(service, receiver), hook["secret"])
    finally:
        service.close()
    _assert_nowhere_in(db, plaintexts)


def _database_before_sealing(path, monkeypatch):
    """A database as the release before migration 14 left it, holding a subscription whose
    secret is plain text; returns that secret and the plain setting secrets."""
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [m for m in migrations.MIGRATIONS if m[1] != "secrets_sealed"])
    old = goldenrecord.store.Store(path)
    old.migrate()
    monkeypatch.undo()
    secret = "whsec_" + base64.b64encode(b"an old plain secret, 32 bytes..").decode()
    old.db.execute_sql(
        "INSERT INTO webhook (id, name, url, secret, events, is_active, metadata, created_at, "
        "updated_at) VALUES ('wh_old', 'old', ?, ?, '[\"*\"]', 1, '{}', "
        "'2026-01-15T10:30:00.000000Z', '2026-01-15T10:30:00.000000Z')", (RECEIVER_URL, secret))
    settings = dict(old.db.execute_sql("SELECT key, value FROM setting").fetchall())
    old.close()
    return secret, settings


RECEIVER_URL = "http://127.0.0.1:9/"  # rewritten to the test's receiver after the upgrade


def test_the_upgrade_seals_the_secrets_an_old_database_kept_in_plain_text(tmp_path, receiver,
                                                                         monkeypatch):
    db = tmp_path / "old.db"
    secret, settings = _database_before_sealing(db, monkeypatch)
    assert set(settings) == set(SECRET_SETTINGS)
    assert secret.encode() in database_bytes(db)
    service = _hub(db)
    try:
        assert {name: service.store.setting(name) for name in SECRET_SETTINGS} == settings
        _assert_nowhere_in(db, [secret, *settings.values()])
        client, _ = _admin(service)
        assert_envelope(client.simulate_put(f"{HOOKS}/wh_old", json={"url": receiver.url}), 200)
        assert_envelope(client.simulate_post(ORGS, json={"name": "Acme", "slug": "acme"}), 201)
        _assert_signed_with(_deliver_one(service, receiver), secret)
    finally:
        service.close()
    _assert_nowhere_in(db, [secret, *settings.values()])
    assert _mode(f"{db}.key") == "0o600"


def _sealed_database(path):
    """A database with a subscription, closed; its key file is beside it."""
    with apps.service(apps.config_for(path, **{"webhooks.allow_private_targets": True})) as service:
        _subscribe(_admin(service)[0], "http://127.0.0.1:9/")
    return f"{path}.key"


def _start_up_error(capsys, db, *args):
    """Run `goldenrecord migrate` on `db`: the exit status and the lines on stderr."""
    capsys.readouterr()
    status = goldenrecord.main(["migrate", "--db", str(db), *args])
    return status, capsys.readouterr().err.strip().splitlines()


def test_a_missing_key_file_stops_start_up_and_no_new_key_is_made(tmp_path, capsys):
    db = tmp_path / "gr.db"
    os.remove(_sealed_database(db))
    status, lines = _start_up_error(capsys, db)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"goldenrecord: error: database.secret_key_file: {db}.key is missing")
    assert not os.path.exists(f"{db}.key")


@pytest.mark.parametrize("written", ["another", "malformed", "empty"])
def test_a_wrong_key_file_stops_start_up_naming_it(tmp_path, capsys, written):
    db = tmp_path / "gr.db"
    key_file = _sealed_database(db)
    text = {"another": base64.b64encode(os.urandom(32)).decode(), "malformed": "not a key",
            "empty": ""}[written]
    with open(key_file, "w") as handle:
        handle.write(text)
    status, lines = _start_up_error(capsys, db)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"goldenrecord: error: database.secret_key_file: {key_file}")


def test_a_wrong_key_in_the_environment_stops_start_up_naming_it(tmp_path, capsys, monkeypatch):
    db = tmp_path / "gr.db"
    _sealed_database(db)
    monkeypatch.setenv("GOLDENRECORD_SECRET_KEY", os.urandom(32).hex())
    status, lines = _start_up_error(capsys, db)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("goldenrecord: error: database.secret_key (GOLDENRECORD_SECRET_KEY)")
    assert str(db) in lines[0]


def test_a_key_file_elsewhere_is_used_and_required(tmp_path, capsys):
    db, key_file = tmp_path / "gr.db", tmp_path / "vault" / "gr.key"
    key_file.parent.mkdir()
    with apps.service(apps.config_for(db, **{"database.secret_key_file": str(key_file)})):
        pass
    assert os.path.exists(key_file) and not os.path.exists(f"{db}.key")
    assert _start_up_error(capsys, db, "--config", _toml(tmp_path, key_file))[0] == 0
    status, lines = _start_up_error(capsys, db)  # without it: the default place is empty
    assert status == 2 and f"{db}.key is missing" in lines[0]


def _toml(folder, key_file):
    path = folder / "gr.toml"
    path.write_text(f'[database]\nsecret_key_file = "{key_file}"\n')
    return str(path)


def test_a_key_given_as_text_seals_without_a_key_file(tmp_path, receiver):
    db, key = tmp_path / "gr.db", os.urandom(32)
    given = {"database.secret_key": base64.urlsafe_b64encode(key).decode()}
    service = _hub(db, **given)
    try:
        client, _ = _admin(service)
        hook = _subscribe(client, receiver.url)
        plaintexts = _secrets_of(service, hook["secret"])
    finally:
        service.close()
    assert not os.path.exists(f"{db}.key")
    _assert_nowhere_in(db, plaintexts)
    again = _hub(db, **{"database.secret_key": key.hex()})  # the same key, written in hex
    try:
        client, _ = _admin(again)
        assert_envelope(client.simulate_post(ORGS, json={"name": "Acme", "slug": "acme"}), 201)
        _assert_signed_with(_deliver_one(again, receiver), hook["secret"])
    finally:
        again.close()


def test_a_backup_restored_elsewhere_keeps_its_secrets_and_sessions(tmp_path, receiver, clock,
                                                                   usual_umask):
    """backup → a new folder → serve from it: the webhook secret still signs and a
    dashboard session signed before the backup still works."""
    db, copy = tmp_path / "gr.db", tmp_path / "backup.db"
    with apps.service(apps.config_for(db, **UNLIMITED, **{"webhooks.allow_private_targets": True}),
                      clock=clock) as service:
        client, key = _admin(service)
        hook = _subscribe(client, receiver.url)
        session = _sign_in(client, key)
    assert goldenrecord.main(["backup", "--db", str(db), str(copy)]) == 0
    assert _mode(f"{copy}.key") == "0o600"
    elsewhere = tmp_path / "restored"
    elsewhere.mkdir()
    shutil.copy(copy, elsewhere / "gr.db")
    shutil.copy(f"{copy}.key", elsewhere / "gr.db.key")
    restored = _hub(elsewhere / "gr.db", clock)
    try:
        client = falcon.testing.TestClient(restored.app)
        assert_envelope(_as_dashboard(client, session), 200)
        assert_envelope(client.simulate_post(ORGS, json={"name": "Acme", "slug": "acme"},
                                             headers=_bearer(key)), 201)
        _assert_signed_with(_deliver_one(restored, receiver), hook["secret"])
    finally:
        restored.close()


def test_a_backup_without_its_key_file_is_refused_at_start_up(tmp_path, capsys):
    db, copy = tmp_path / "gr.db", tmp_path / "backup.db"
    _sealed_database(db)
    assert goldenrecord.main(["backup", "--db", str(db), str(copy)]) == 0
    os.remove(f"{copy}.key")
    status, lines = _start_up_error(capsys, copy)
    assert status == 2 and f"{copy}.key is missing" in lines[0]


def test_a_backup_of_a_database_keyed_from_the_environment_writes_no_key(tmp_path, capsys,
                                                                        caplog, monkeypatch):
    """The operator keeps that key elsewhere on purpose: the backup needs the same key."""
    db, copy, key = tmp_path / "gr.db", tmp_path / "backup.db", os.urandom(32).hex()
    _hub(db, **{"database.secret_key": key}).close()
    monkeypatch.setenv("GOLDENRECORD_SECRET_KEY", key)
    with caplog.at_level(logging.INFO, logger="goldenrecord"):
        assert goldenrecord.main(["backup", "--db", str(db), str(copy)]) == 0
    assert "restoring needs that same key" in caplog.text
    assert not os.path.exists(f"{copy}.key")
    assert _start_up_error(capsys, copy)[0] == 0
    monkeypatch.delenv("GOLDENRECORD_SECRET_KEY")
    assert _start_up_error(capsys, copy)[0] == 2


def test_instances_opening_one_new_database_at_once_share_one_key(tmp_path):
    """Two processes starting on a new database race to make its key: one key wins, and
    every one of them uses it."""
    from goldenrecord.store import vault

    db = str(tmp_path / "new.db")
    keys = race(8, lambda i: vault.key_from_file(f"{db}.key", db, None))
    assert len(set(keys)) == 1
    assert vault.read_key_file(f"{db}.key") == keys[0]
    assert [name for name in os.listdir(tmp_path) if name.endswith(".partial")] == []


@pytest.mark.slow
def test_serve_with_a_wrong_key_exits_2_with_one_line(tmp_path):
    db = tmp_path / "gr.db"
    with open(_sealed_database(db), "w") as handle:
        handle.write(os.urandom(32).hex())
    result = subprocess.run([sys.executable, str(ROOT / "goldenrecord.py"), "serve", "--db",
                             str(db), "--port", "0"], env=clean_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"goldenrecord: error: database.secret_key_file: {db}.key does not open the "
                     f"secrets sealed in {db}: use the key made with this database (a backup's "
                     "is BACKUP.key beside it)"]
