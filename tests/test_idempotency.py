"""Idempotency-Key on POST: replays, conflicts, expiry, per-key scope, concurrency."""
import pytest

from support import assert_envelope, race

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
    rows = store.db.execute_sql("SELECT idempotency_key FROM idempotent_request").fetchall()
    assert rows == [("k-5",)]


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
