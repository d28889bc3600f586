"""The bulk creates (store `create_many`, issue 17): an import batch or a WorkOS page reads
the database a fixed number of times however many records it holds, and writes exactly
the rows, search terms, events and deliveries that the same creates one by one would."""
import contextlib
import io
import itertools
import json
import string

import falcon.testing
import pytest

import apps
from conftest import UNLIMITED
from goldenrecord.cli import importing
from goldenrecord.workos_sync.mapping import workos_user
from support import (FakeClock, assert_envelope, index_state, rebuilt_from_scratch,
                     traced_statements, variant_rows)

# Two-letter words have no typo variants, so records named with them share every
# variant-indexed term ("northwind", "traders", "example"): what a batch then reads is
# what the batch itself costs, not the index's upkeep for new words.
PAIRS = ["".join(p) for p in itertools.product(string.ascii_lowercase, repeat=2)]


def _ndjson(records):
    return io.StringIO("".join(json.dumps(record) + "\n" for record in records))


def _import(store, kind, records, **options):
    return importing.import_records(store, kind, importing.records(_ndjson(records), "ndjson"),
                                    **options)


def _selects(store, action):
    """The SELECTs `action` runs on this thread's connection."""
    with traced_statements(store) as statements:
        action()
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def _organizations(words):
    return [{"name": f"Northwind Traders {w}", "slug": f"nw-{w}"} for w in words]


def _users(words):
    return [{"email": f"{w}@example.com", "firstName": w} for w in words]


def _memberships(store, words):
    """Membership records for a fresh organization and user per word."""
    orgs = [store.organizations.create(name=f"Org {w}", slug=f"org-{w}") for w in words]
    users = [store.users.create(email=f"m{w}@example.com") for w in words]
    return [{"organizationId": o.id, "userId": u.id, "roleId": "role_admin"}
            for o, u in zip(orgs, users)]


RECORDS = {
    "organizations": lambda store, words: _organizations(words),
    "users": lambda store, words: _users(words),
    "memberships": _memberships,
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_an_import_batch_reads_the_database_a_fixed_number_of_times(store, kind):
    make = RECORDS[kind]
    _import(store, kind, make(store, PAIRS[:1]))  # its shared words are indexed once
    few, many = make(store, PAIRS[1:6]), make(store, PAIRS[6:66])

    small = _selects(store, lambda: _import(store, kind, few, batch_size=100))
    large = _selects(store, lambda: _import(store, kind, many, batch_size=100))

    assert len(small) == len(large) > 0, large
    assert store.db.execute_sql("SELECT count(*) FROM event WHERE type = ?",
                                (f"{kind[:-1]}.created",)).fetchone()[0] == 66


@pytest.mark.sqlite_only
def test_new_words_of_an_import_batch_cost_no_statement_each(store):
    """Every record brings words the index has never seen, with typo variants, one of them
    in a form FTS5 keeps apart (`bjørn…`, folded to `bjorn…`): a batch of 60 reads the
    database as often as one of 5 (no look-up per new term), and the index holds what a
    rebuild from scratch makes, which asks the full-text index about every term."""
    def records(words):
        return [{"name": f"Zorblat {w}ka Bjørn{w}", "slug": f"zb-{w}", "domain": f"{w}ka.com"}
                for w in words]

    _import(store, "organizations", records(PAIRS[:1]))
    small = _selects(store, lambda: _import(store, "organizations", records(PAIRS[1:6])))
    large = _selects(store, lambda: _import(store, "organizations", records(PAIRS[6:66])))

    assert len(small) == len(large) and not any("MATCH" in s for s in large), large
    assert index_state(store.db) == rebuilt_from_scratch(store.db, store.engine.write_transaction)
    found = store.organizations.list(limit=5, search="bjrnbq", include_staging=True).items
    assert [o.slug for o in found] == ["zb-bq"]  # one typo away: its variants are indexed


@pytest.mark.sqlite_only
def test_a_workos_page_of_new_users_reads_the_database_a_fixed_number_of_times(store):
    def page(words):
        return [workos_user({"id": f"user_{w}", "email": f"{w}@example.com", "first_name": w,
                             "updated_at": "2026-01-01T00:00:00.000Z"}) for w in words]

    store.workos.sync_page(page(PAIRS[:1]))
    small = _selects(store, lambda: store.workos.sync_page(page(PAIRS[1:6])))
    large = _selects(store, lambda: store.workos.sync_page(page(PAIRS[6:100])))

    assert len(small) == len(large) > 0, large
    assert store.db.execute_sql("SELECT count(*) FROM \"user\"").fetchone()[0] == 100


@pytest.fixture
def services():
    """Opens services for a test (`services.enter_context`) and closes them when it ends."""
    with contextlib.ExitStack() as stack:
        yield stack


def _one_by_one_and_in_bulk(services, tmp_path, records, create, kind):
    """Two fresh services on the same clock, each with a subscription to every event:
    one gets `records` created one by one over HTTP by `create(client, key, record)`, the
    other imported as one batch; returns both stores after the writes."""
    clock = FakeClock()
    stores = []
    for name, bulk in (("one.db", False), ("bulk.db", True)):
        service = services.enter_context(apps.service(
            apps.config_for(tmp_path / name, **UNLIMITED), clock=clock))
        store = service.store
        store.webhooks.create(name="all", url="https://receiver.example/hook", events=["*"])
        if bulk:
            outcome = _import(store, kind, records)
            assert (outcome.written, outcome.errors) == (len(records), [])
        else:
            client = falcon.testing.TestClient(service.app)
            _, key = store.api_keys.create(name="t", scopes=["*:*"])
            for record in records:
                assert_envelope(create(client, key, record), 201)
        stores.append(store)
    return stores


def _written(store, kind):
    """What the creates left behind, ids aside: the rows, the variant index, and each
    event's data and delivery count in order."""
    table, columns = {"organizations": ("organization", "name, slug, domain, metadata, "
                                                        "is_verified, created_at"),
                      "users": ("user", "email, email_key, first_name, created_at")}[kind]
    rows = sorted(store.db.execute_sql(f'SELECT {columns} FROM "{table}"').fetchall())
    events = []
    for event_id, payload in store.db.execute_sql(
            "SELECT id, payload FROM event ORDER BY seq").fetchall():
        data = json.loads(payload)["data"]
        data.pop("id")
        deliveries = store.db.execute_sql("SELECT count(*) FROM delivery WHERE event_id = ?",
                                          (event_id,)).fetchone()[0]
        events.append((json.loads(payload)["event"], data, deliveries))
    return rows, variant_rows(store.db), events


@pytest.mark.parametrize("kind", ["organizations", "users"])
def test_bulk_creates_write_exactly_what_one_by_one_creates_write(services, tmp_path, kind):
    records = {
        "organizations": [{"name": "Acme Corporation", "slug": "acme", "domain": "acme.com",
                           "metadata": {"tier": 2}},
                          {"name": "Acmé Corp Holdings", "slug": "acme-holdings"},
                          {"name": "Globex Internationalization", "slug": "globex"}],
        "users": [{"email": "Ada.Lovelace@Example.com", "firstName": "Ada"},
                  {"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"},
                  {"email": "alan@example.org", "lastName": "Turing"}],
    }[kind]

    def create(client, key, record):
        return client.simulate_post(f"/api/v1/{kind}", json=record,
                                    headers={"Authorization": f"Bearer {key}"})

    one, bulk = _one_by_one_and_in_bulk(services, tmp_path, records, create, kind)
    rows, variants, events = _written(bulk, kind)
    assert (rows, variants, events) == _written(one, kind)
    assert len(rows) == 3 and variants
    assert [(event, deliveries) for event, _, deliveries in events] == [
        (f"{kind[:-1]}.created", 1)] * 3


@pytest.mark.sqlite_only
def test_bulk_memberships_reach_only_the_subscriptions_that_want_them(store):
    orgs = [store.organizations.create(name=name, slug=name.lower()) for name in ("A", "B")]
    users = [store.users.create(email=f"{name}@example.com") for name in ("x", "y")]
    only_a = store.webhooks.create(name="a", url="https://r.example/a",
                                   events=["membership.created"], org_scope=orgs[0].id)
    store.webhooks.create(name="users", url="https://r.example/u", events=["user.created"])

    outcome = _import(store, "memberships", [
        {"organizationId": orgs[0].id, "userId": users[0].id},
        {"organizationId": orgs[1].id, "userId": users[0].id},
        {"organizationId": orgs[0].id, "userId": users[1].id, "isOwner": True}])

    assert (outcome.written, outcome.errors) == (3, [])
    delivered = store.db.execute_sql(
        "SELECT d.webhook_id, e.payload FROM delivery d JOIN event e ON e.id = d.event_id "
        "ORDER BY e.seq").fetchall()
    assert [w for w, _ in delivered] == [only_a.id, only_a.id]
    assert [(json.loads(p)["data"]["userId"], json.loads(p)["data"]["isOwner"])
            for _, p in delivered] == [(users[0].id, False), (users[1].id, True)]


@pytest.mark.parametrize("kind, records, refused", [
    ("organizations", [{"name": "A", "slug": "same"}, {"name": "B", "slug": "other"},
                       {"name": "C", "slug": "same"}], (3, "slug")),
    ("users", [{"email": "a@example.com"}, {"email": "A@EXAMPLE.COM"}], (2, "email")),
])
def test_a_duplicate_within_a_batch_is_named_by_its_line_and_nothing_is_written(
        store, kind, records, refused):
    outcome = _import(store, kind, records)
    assert [(e.line, e.field) for e in outcome.errors] == [refused]
    assert outcome.written == 0
    assert store.db.execute_sql("SELECT count(*) FROM event").fetchone()[0] == 0


def test_a_membership_batch_names_the_first_line_the_store_refuses(store):
    org = store.organizations.create(name="A", slug="a")
    user = store.users.create(email="x@example.com")
    outcome = _import(store, "memberships", [
        {"organizationId": org.id, "userId": user.id},
        {"organizationId": org.id, "userId": user.id, "roleId": "role_nope"},
        {"organizationId": org.id, "userId": user.id}])
    assert [(e.line, e.field) for e in outcome.errors] == [(2, "roleId")]
    assert store.db.execute_sql("SELECT count(*) FROM membership").fetchone()[0] == 0
    again = _import(store, "memberships", [
        {"organizationId": org.id, "userId": user.id},
        {"organizationId": org.id, "userId": user.id}])
    assert [(e.line, e.field) for e in again.errors] == [(2, "userId")]


def test_a_workos_page_mixing_new_known_and_clashing_users_lands_as_one_by_one(store):
    store.users.create(email="Known@Example.com")

    def user(workos_id, email, **fields):
        return workos_user({"id": workos_id, "email": email,
                            "updated_at": "2026-01-01T00:00:00.000Z", **fields})

    counts = store.workos.sync_page([
        user("user_a", "a@example.com", first_name="Ann"),
        user("user_known", "known@example.com"),        # links the existing user
        user("user_c", "c@example.com"),
        user("user_c2", "C@example.com"),               # C's email, another WorkOS user
        user("user_a", "a@example.com", first_name="Anna"),  # A again, changed
        user("user_d", "d@example.com"),
    ])

    assert counts == {"created": 3, "linked": 1, "failed": 1, "updated": 1}
    rows = dict(store.db.execute_sql("SELECT workos_user_id, first_name FROM \"user\"").fetchall())
    assert rows == {"user_a": "Anna", "user_known": None, "user_c": None, "user_d": None}
    found = store.users.list(limit=10, search="anna")
    assert [u.workos_user_id for u in found.items] == ["user_a"]
