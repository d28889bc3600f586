"""The hot lists' pages are encoded by SQLite (store/listjson.py, issue 17), and show each
row exactly as a read of that row does (store/records.py in Python)."""
import json

import pytest
from support import traced_statements

from goldenrecord.store import listjson, records
from goldenrecord.store.models import Membership, Organization, Role, User

AWKWARD = "Łódź Ørsted \"quoted\" back\\slash\ttab\nline 🚀 \u2028 \x7f"
METADATA = {"nested": {"list": [1, 2.5, -3e-7, True, None, "ü"], "empty": {}},
            "big": 12345678901234567890, "text": AWKWARD, "zero": 0.0}


LISTS = {"organizations": "limit=100&includeStaging=true", "users": "limit=100",
         "memberships": "limit=100"}


def _page(client, admin, kind):
    result = client.simulate_get(f"/api/v1/{kind}", query_string=LISTS[kind], headers=admin)
    assert result.status_code == 200, result.text
    return result.json["data"]


def _read(client, admin, path):
    result = client.simulate_get(path, headers=admin)
    assert result.status_code == 200, result.text
    return result.json["data"]


@pytest.fixture
def rows(client, admin, make, clock):
    """Organizations, users and memberships of every sort: full and bare, active and not,
    unicode and escapes, nested metadata, an owner; each made a millisecond after the last,
    so lists show them in the order made."""
    def made(row):
        clock.advance(milliseconds=1)
        return row

    full = made(make.org(name=AWKWARD, domain="lodz.example", logoUrl="https://x.example/l.png",
                         externalId="ext-ü", metadata=METADATA))
    bare = made(make.org(name="Bare"))
    staged = made(make.org(verified=False, name="Staged"))
    someone = made(make.user(firstName=AWKWARD, lastName="Ørsted", metadata=METADATA,
                             externalId="u-1", avatarUrl="https://x.example/a.png"))
    nobody = made(make.user())
    owner = made(make.membership(full, someone, isOwner=True))
    plain = made(make.membership(staged, nobody))
    for path in (f"/api/v1/organizations/{bare['id']}", f"/api/v1/users/{nobody['id']}"):
        result = client.simulate_put(path, json={"isActive": False}, headers=admin)
        assert result.status_code == 200, result.text
    return {"organizations": [full, bare, staged], "users": [someone, nobody],
            "memberships": [owner, plain]}


@pytest.mark.parametrize("kind", LISTS)
def test_a_listed_row_is_what_a_read_of_it_shows(client, admin, rows, kind):
    listed = _page(client, admin, kind)
    assert [item["id"] for item in listed] == [row["id"] for row in rows[kind]]
    for item in listed:
        read = _read(client, admin, f"/api/v1/{kind}/{item['id']}")
        assert item == read
        assert list(item) == list(read)  # the same keys, in the same order


@pytest.mark.sqlite_only  # SQLite builds the page's JSON; PostgreSQL encodes instances
def test_a_page_is_encoded_without_a_model_instance_per_row(client, admin, rows, monkeypatch):
    """The page's JSON comes from its statement: no row goes through Python's models."""
    made = []
    for model in (Organization, User, Membership, Role):
        original = model.from_row.__func__
        monkeypatch.setattr(model, "from_row", classmethod(
            lambda cls, values, original=original: made.append(cls) or original(cls, values)))
    for kind in LISTS:
        assert _page(client, admin, kind)
    assert made == []


@pytest.mark.sqlite_only  # SQLite builds the page's JSON; PostgreSQL encodes instances
def test_the_store_page_still_gives_model_instances(store, rows):
    """Callers of the store (the CLI's demo, SCIM) read rows as models: only the API asks
    for pages encoded."""
    page = store.memberships.list(limit=10)
    assert [m.id for m in page.items] == [m["id"] for m in rows["memberships"]]
    assert page.items[0].user.email == rows["users"][0]["email"]
    assert [records.membership(m) for m in page.items] == rows["memberships"]
    encoded = store.memberships.list(limit=10, encoded=True)
    assert encoded.items is None
    assert json.loads(encoded.memo[records.membership]) == rows["memberships"]


@pytest.mark.parametrize("shape, model", [
    (listjson.ORGANIZATION, Organization), (listjson.USER, User),
    (listjson.MEMBERSHIP, Membership)])
def test_each_shape_has_exactly_its_records_keys(store, rows, shape, model):
    """A field added to records.py and not to its SQL shape (or the reverse) fails here."""
    instance = model.select().first()
    assert shape.keys() == list(shape.presents(instance))


def test_a_row_with_unreadable_stored_json_still_lists(client, admin, store, rows):
    """Metadata SQLite's json() cannot read (NaN, which the API's body decoder refuses but
    another writer may have stored): that page is made in Python as before, not a 500."""
    victim = rows["organizations"][0]["id"]
    store.db.execute_sql("UPDATE organization SET metadata = ? WHERE id = ?",
                         ('{"ratio":NaN}', victim))
    result = client.simulate_get("/api/v1/organizations", params={"includeStaging": "true"},
                                 headers=admin)
    assert result.status_code == 200
    assert '"ratio": NaN' in result.text
    assert [item["id"] for item in json.loads(result.text)["data"]] == [
        row["id"] for row in rows["organizations"]]


@pytest.mark.parametrize("kind", LISTS)
def test_an_uncached_page_is_one_statement_with_its_total(client, admin, store, rows, kind):
    """The page's rows, JSON, position and meta.total come from one statement: each more
    statement would hand the GIL over again (docs/performance.md)."""
    with traced_statements(store) as statements:  # a page not asked before: not kept
        result = client.simulate_get(f"/api/v1/{kind}", query_string=LISTS[kind], headers=admin)
    assert result.json["meta"]["total"] == len(rows[kind])
    # the change counters' read (store/changes.py) is not the page's
    page_statements = [s for s in statements if "search_generation" not in s]
    assert len(page_statements) == 1, page_statements
