"""Idempotency-Key on POST: replays, conflicts, expiry, per-key scope, concurrency, and
the secrets in stored answers."""
import sqlite3

import pytest

from goldenrecord import store as store_package
from goldenrecord.store import migrations
from goldenrecord.store.sealing import SealingKey, Tampered
import apps
from support import assert_envelope, database_bytes, race

ORGS = "/api/v1/organizations"


def _post(client, headers, key, body, path=ORGS):
    return client.simulate_post(path, json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retry_replays_the_first_answer_without_acting_again(client, admin, store):
    first = _post(client, admin, "k-1", {"name": "Acme", "slug": "acme"})
    again = _post(client, admin, "k-1", {"name": "Acme", "slug": "acme"})
    assert_envelope(first, 201)
    assert_envelope(again, 201)
    assert again.json == first.json  # same body, its request id included
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert store.organizations.list(limit=10, include_staging=True).total == 1


def test_same_key_different_request_is_409(client, admin):
    assert_envelope(_post(client, admin, "k-2", {"name": "Acme", "slug": "acme"}), 201)
    other = _post(client, admin, "k-2", {"name": "Other", "slug": "other"})
    assert_envelope(other, 409, "GR_IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")
    elsewhere = _post(client, admin, "k-2", {"email": "a@example.com"}, path="/api/v1/users")
    assert_envelope(elsewhere, 409, "GR_IDEMPOTENCY_KEY_REUSED")


def test_keys_are_per_api_key(client, keys):
    one, two = keys.headers("*:*"), keys.headers("*:*")
    assert_envelope(_post(client, one, "shared", {"name": "A", "slug": "a"}), 201)
    second = _post(client, two, "shared", {"name": "A", "slug": "a"})
    assert_envelope(second, 409, "GR_DUPLICATE_SLUG")  # acted: a different key's namespace


def test_refused_requests_are_not_stored(client, admin):
    assert_envelope(_post(client, admin, "k-3", {"name": "A"}), 400, "GR_VALIDATION_ERROR", "slug")
    fixed = _post(client, admin, "k-3", {"name": "A", "slug": "a"})
    assert_envelope(fixed, 201)


def test_answers_expire_after_24_hours(client, admin, clock, store):
    assert_envelope(_post(client, admin, "k-4", {"name": "A", "slug": "a"}), 201)
    clock.advance(hours=23, minutes=59)
    assert _post(client, admin, "k-4", {"name": "A", "slug": "a"}).headers.get("Idempotent-Replayed")
    clock.advance(minutes=2)
    late = _post(client, admin, "k-4", {"name": "A", "slug": "a"})
    assert_envelope(late, 409, "GR_DUPLICATE_SLUG")  # acted again: the key had expired
    clock.advance(hours=2)
    _post(client, admin, "k-5", {"name": "B", "slug": "b"})  # the next claim prunes
    assert store.db.execute_sql("SELECT count(*) FROM idempotent_answer").fetchone() == (1,)


@pytest.mark.parametrize("value", ["", "has space", "x" * 256, "ünï"])
def test_malformed_keys_are_400(client, admin, value):
    result = client.simulate_post(ORGS, json={"name": "A", "slug": "a"},
                                  headers={**admin, "Idempotency-Key": value.encode("utf-8").decode("latin-1")})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "Idempotency-Key")


def test_actions_and_rotation_replay_too(client, admin, make):
    org = make.org(verified=False)
    path = f"{ORGS}/{org['id']}/verify"
    first = client.simulate_post(path, headers={**admin, "Idempotency-Key": "v"})
    again = client.simulate_post(path, headers={**admin, "Idempotency-Key": "v"})
    assert first.json == again.json and first.json["data"]["isVerified"] is True  # toggled once
    key = make.key()
    rotate = f"/api/v1/keys/{key['id']}"
    a = client.simulate_post(rotate, params={"action": "rotate"}, headers={**admin, "Idempotency-Key": "r"})
    b = client.simulate_post(rotate, params={"action": "rotate"}, headers={**admin, "Idempotency-Key": "r"})
    assert a.status_code == b.status_code == 201 and a.json == b.json


def test_concurrent_duplicates_act_once(client, admin, store):
    results = race(8, lambda i: _post(client, admin, "race", {"name": "Race", "slug": "race"}))
    assert [r.status_code for r in results] == [201] * 8
    assert len({r.json["data"]["id"] for r in results}) == 1
    assert sum(1 for r in results if r.headers.get("Idempotent-Replayed")) == 7
    assert store.organizations.list(limit=10, include_staging=True).total == 1


# ------------------------------------------------------------ secrets in stored answers

def _stored_rows(store):
    return store.db.execute_sql("SELECT * FROM idempotent_answer").fetchall()


def _anywhere_in(rows, text):
    """Whether `text` is in any column of `rows`, as text or as bytes."""
    found = (text in value if isinstance(value, str) else text.encode() in bytes(value)
             for row in rows for value in row if isinstance(value, (str, bytes)))
    return any(found)


def _database_bytes(store):
    store.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return database_bytes(store.path)


@pytest.mark.sqlite_only
def test_a_replayed_key_create_returns_the_same_key_which_is_stored_nowhere(client, admin, store):
    body = {"name": "ci", "scopes": ["users:read"]}
    first = _post(client, admin, "create-key-7f3a", body, path="/api/v1/keys")
    plaintext = assert_envelope(first, 201)["key"]
    again = _post(client, admin, "create-key-7f3a", body, path="/api/v1/keys")
    assert assert_envelope(again, 201)["key"] == plaintext  # what a retrying client expects
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    rows = _stored_rows(store)
    assert len(rows) == 1
    assert not _anywhere_in(rows, plaintext) and not _anywhere_in(rows, "create-key-7f3a")
    raw = _database_bytes(store)
    assert plaintext.encode() not in raw
    assert plaintext[len("gr_live_"):].encode() not in raw


@pytest.mark.sqlite_only
def test_a_replayed_rotation_returns_the_same_new_key_which_is_stored_nowhere(client, admin,
                                                                              make, store):
    rotate = f"/api/v1/keys/{make.key()['id']}"
    headers = {**admin, "Idempotency-Key": "rotate-1"}
    first = client.simulate_post(rotate, params={"action": "rotate"}, headers=headers)
    again = client.simulate_post(rotate, params={"action": "rotate"}, headers=headers)
    plaintext = assert_envelope(first, 201)["newKey"]["key"]
    assert assert_envelope(again, 201)["newKey"]["key"] == plaintext
    assert not _anywhere_in(_stored_rows(store), plaintext)
    assert plaintext.encode() not in _database_bytes(store)


def test_a_replayed_webhook_create_returns_the_same_secret_which_is_not_stored_with_it(
        tmp_path, clock):
    import falcon.testing

    import goldenrecord

    config = goldenrecord.load_config(env={}, overrides={
        "database.path": str(tmp_path / "wh.db"), "webhooks.allow_private_targets": "true"})
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        _, key = service.store.api_keys.create(name="k", scopes=["*:*"])
        headers = {"Authorization": f"Bearer {key}"}
        body = {"name": "hook", "url": "http://127.0.0.1:9/hook", "events": ["*"]}
        first = _post(client, headers, "hook-1", body, path="/api/v1/webhooks")
        again = _post(client, headers, "hook-1", body, path="/api/v1/webhooks")
        secret = assert_envelope(first, 201)["secret"]
        assert assert_envelope(again, 201)["secret"] == secret
        assert not _anywhere_in(_stored_rows(service.store), secret)
        assert not _anywhere_in(_stored_rows(service.store), secret[len("whsec_"):])


def test_another_api_key_with_the_same_idempotency_key_gets_a_key_of_its_own(client, keys):
    one, two = keys.headers("*:*"), keys.headers("*:*")
    body = {"name": "ci", "scopes": ["users:read"]}
    mine = assert_envelope(_post(client, one, "shared", body, path="/api/v1/keys"), 201)
    theirs = _post(client, two, "shared", body, path="/api/v1/keys")
    assert "Idempotent-Replayed" not in theirs.headers
    assert assert_envelope(theirs, 201)["key"] != mine["key"]
    assert theirs.json["data"]["id"] != mine["id"]


def test_a_sealed_answer_opens_only_under_its_own_keys():
    sealing = SealingKey.derive("key_1", "idem-1")
    sealed = sealing.seal(b'{"key": "gr_live_secret"}')
    assert b"gr_live_secret" not in sealed
    assert sealing.open(sealed) == b'{"key": "gr_live_secret"}'
    assert sealing.seal(b"same") != sealing.seal(b"same")  # a fresh nonce each time
    assert sealing.open(sealing.seal(b"")) == b""
    for other in (SealingKey.derive("key_2", "idem-1"), SealingKey.derive("key_1", "idem-2")):
        assert other.lookup != sealing.lookup
        with pytest.raises(Tampered):
            other.open(sealed)
    for position in (0, 16, len(sealed) - 1):  # nonce, ciphertext, tag
        changed = bytearray(sealed)
        changed[position] ^= 1
        with pytest.raises(Tampered):
            sealing.open(bytes(changed))
    with pytest.raises(Tampered):
        sealing.open(sealed[:20])


def test_the_upgrade_wipes_answers_stored_in_plain_text(tmp_path, monkeypatch):
    """A database written before answers were sealed: its plaintext answers are dropped and
    leave no trace in the file."""
    path = tmp_path / "old.db"
    sealed_at = [v for v, name, _ in migrations.MIGRATIONS if name == "idempotency_sealed"][0]
    before = [m for m in migrations.MIGRATIONS if m[0] < sealed_at]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    old = store_package.Store(path)
    old.migrate()
    secret = "gr_live_" + "S3cr3t" * 8
    old.db.execute_sql("INSERT INTO idempotent_request VALUES ('key_1', 'k', 'f', 201, ?, "
                       "'2026-01-15T10:30:00.000000Z')", (f'{{"data": {{"key": "{secret}"}}}}',))
    old.close()
    monkeypatch.undo()
    upgraded = store_package.Store(path)
    assert upgraded.migrate() == [m[0] for m in migrations.MIGRATIONS if m[0] >= sealed_at]
    assert secret.encode() not in _database_bytes(upgraded)
    upgraded.close()
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert ("idempotent_request",) not in tables and ("idempotent_answer",) in tables
