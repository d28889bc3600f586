"""Cursor pagination as the contract settles it."""
import base64
import json
import zlib

import itsdangerous
from itsdangerous.encoding import base64_encode

import pytest

import apps
from support import assert_envelope

ORGS = "/api/v1/organizations"


def _walk(client, admin, path, limit, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        result = client.simulate_get(path, params=query, headers=admin)
        data = assert_envelope(result, 200)
        meta = result.json["meta"]
        assert meta["limit"] == limit
        seen += data
        pages += 1
        if not meta["hasMore"]:
            assert meta["nextCursor"] is None
            return seen, pages, meta["total"]
        cursor = meta["nextCursor"]


def test_walk_visits_every_item_once_in_creation_order(client, admin, make, clock):
    created = []
    for _ in range(23):
        created.append(make.user()["id"])
        clock.advance(milliseconds=1)
    seen, pages, total = _walk(client, admin, "/api/v1/users", 5)
    assert [u["id"] for u in seen] == created
    assert (pages, total) == (5, 23)


def test_same_timestamp_is_ordered_by_id(client, admin, make):
    created = [make.user()["id"] for _ in range(7)]  # the fake clock stands still
    seen, _, _ = _walk(client, admin, "/api/v1/users", 3)
    assert [u["id"] for u in seen] == sorted(created)


def test_inserts_during_a_walk_do_not_duplicate_or_skip(client, admin, make, clock):
    for _ in range(6):
        make.user()
        clock.advance(seconds=1)
    first = client.simulate_get("/api/v1/users", params={"limit": 3}, headers=admin)
    for _ in range(4):
        make.user()
        clock.advance(seconds=1)
    rest, _, total = [], None, None
    cursor = first.json["meta"]["nextCursor"]
    while cursor:
        page = client.simulate_get("/api/v1/users", params={"limit": 3, "cursor": cursor}, headers=admin)
        rest += page.json["data"]
        cursor = page.json["meta"]["nextCursor"]
        total = page.json["meta"]["total"]
    ids = [u["id"] for u in first.json["data"] + rest]
    assert len(ids) == len(set(ids)) == 10
    assert total == 10


def test_total_counts_matches_of_the_filter(client, admin, make):
    for _ in range(3):
        make.org(verified=True)
    for _ in range(2):
        make.org(verified=False)
    assert client.simulate_get(ORGS, params={"limit": 1}, headers=admin).json["meta"]["total"] == 3
    staged = client.simulate_get(ORGS, params={"limit": 1, "includeStaging": "true"}, headers=admin)
    assert staged.json["meta"]["total"] == 5


def test_default_limit_is_20(client, admin, make):
    for _ in range(21):
        make.user()
    result = client.simulate_get("/api/v1/users", headers=admin)
    assert len(result.json["data"]) == 20
    assert result.json["meta"]["limit"] == 20 and result.json["meta"]["hasMore"] is True


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", "1e2", "9999999999"])
def test_bad_limit_is_400(client, admin, limit):
    result = client.simulate_get(ORGS, query_string=f"limit={limit}", headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "limit")


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(client, admin, limit):
    assert_envelope(client.simulate_get(ORGS, params={"limit": limit}, headers=admin), 200)


def _cursor(client, admin, make, path="/api/v1/users"):
    for _ in range(3):
        make.user()
    return client.simulate_get(path, params={"limit": 1}, headers=admin).json["meta"]["nextCursor"]


def test_tampered_cursor_is_400(client, admin, make):
    cursor = _cursor(client, admin, make)
    forged = itsdangerous.URLSafeSerializer("not the secret", salt="goldenrecord.cursor").dumps(
        ["users", "2026-01-15T10:30:00.000000Z", "00000000-0000-4000-8000-000000000000"])
    payload, _, signature = cursor.rpartition(".")
    unsigned = base64.urlsafe_b64encode(b'["users","x","y"]').decode().rstrip("=")
    # a changed signature character: the second-to-last one, since the last carries only four
    # bits of the HMAC and a base64 decoder ignores the rest (so "x" can decode as "w" did)
    changed = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad in [forged, changed, "garbage", "a.b", cursor + "x", f"{unsigned}.{signature}"]:
        result = client.simulate_get("/api/v1/users", params={"cursor": bad}, headers=admin)
        assert_envelope(result, 400, "GR_VALIDATION_ERROR", "cursor")


def test_a_cursor_compressed_by_an_earlier_release_still_loads(client, admin, make, store):
    # itsdangerous compresses a payload when zlib shortens it; cursors are no longer
    # dumped compressed (restapi/cursors.py), but one handed out before must still work
    cursor = _cursor(client, admin, make)
    assert not cursor.startswith(".")
    signer = itsdangerous.URLSafeSerializer(store.setting("cursor_secret"),
                                            salt="goldenrecord.cursor")
    position = signer.loads(cursor)
    packed = zlib.compress(json.dumps(position, separators=(",", ":")).encode())
    compressed = signer.make_signer().sign(b"." + base64_encode(packed)).decode()
    assert compressed.startswith(".") and signer.loads(compressed) == position

    pages = [client.simulate_get("/api/v1/users", params={"limit": 1, "cursor": token},
                                 headers=admin) for token in (cursor, compressed)]
    assert assert_envelope(pages[1], 200) == assert_envelope(pages[0], 200) != []


def test_cursors_are_dumped_without_zlib_even_when_it_would_shorten_them():
    from goldenrecord.restapi.cursors import Cursors

    cursors = Cursors("s" * 32)
    position = ("2026-01-15T10:30:00.000000Z", "a" * 300)  # zlib would halve this
    token = cursors.dump("users", position)
    assert not token.startswith(".")
    assert cursors.load("users", token) == position


def test_cursor_from_another_list_is_400(client, admin, make):
    cursor = _cursor(client, admin, make)
    result = client.simulate_get("/api/v1/roles", params={"cursor": cursor}, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "cursor")


def test_cursor_from_another_database_is_400(client, admin, make, tmp_path):
    import falcon.testing

    cursor = _cursor(client, admin, make)
    with apps.service(apps.config_for(tmp_path / "other.db")) as other_service:
        other = falcon.testing.TestClient(other_service.app)
        _, key = other_service.store.api_keys.create(name="k", scopes=["*:*"])
        result = other.simulate_get("/api/v1/users", params={"cursor": cursor},
                                    headers={"Authorization": f"Bearer {key}"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "cursor")


def test_cursors_survive_a_restart(config, admin, make, client):
    import falcon.testing

    cursor = _cursor(client, admin, make)
    with apps.service(config) as restarted:
        fresh = falcon.testing.TestClient(restarted.app)
        result = fresh.simulate_get("/api/v1/users", params={"cursor": cursor}, headers=admin)
    assert_envelope(result, 200)
