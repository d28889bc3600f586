"""A prefix standing for many indexed terms (search/wide.py) finds and ranks exactly what
the full-text index finds: the same pages, order, totals and cursors as the same search
with its prefix expanded, whichever plan the wide prefix takes (candidates of the other
words, a walk in rank order, FTS5 once a walk cannot settle a tier).

The thresholds are lowered for the test (MAX_EXPANSION, DENSE_TIER, WALK_ROWS,
TOTAL_CAP), so a few dozen rows stand for the millions they are meant for.
"""
import pytest

from goldenrecord.search import engine
from support import assert_envelope, traced_statements

ORGS = "/api/v1/organizations"
# (name, domain): words that share prefixes across names and domains, some only in a
# domain, accented and transliterated names, and a few names of one word
ROWS = [("Orbit Labs", "orbit.io"), ("Organic Farms", "organic-farms.com"),
        ("Oracle Partners", None), ("Ørsted Energy", "orsted.dk"), ("Órla Studio", "orla.ie"),
        ("Blue Orchid", "blueorchid.com"), ("Acme Org", "acme.org"), ("Company North", "cn.com"),
        ("Organization", "org.example"), ("Org", None), ("Blue Ocean Organics", "boo.com"),
        ("Acme Orbital Systems", "orbital.acme.com"), ("Straße Orten", "strasse.de"),
        ("Zed", "org1.example"), ("Zed Two", "org2.example"), ("Organisation Blue", None),
        ("Coral Orgs", "coral.org"), ("Oro", "o.co")]
QUERIES = ["o", "or", "org", "orb", "ors", "ó", "c", "co", "blue o", "acme or", "acme org",
           "blue org", "zed o", "organization o", "organizaton o", "labs or", "orten s",
           "nothing o", "org1", "st", "orbit labs", "orbti", "organics", "acme orbitla",
           "blue ocaen", "straße", "strasse orten", "orsted", "oracle partnrs", "zed tow"]


@pytest.fixture
def rows(make):
    return [make.org(name=name, slug=f"p{i}", domain=domain, verified=i % 4 != 0)
            for i, (name, domain) in enumerate(ROWS)]


def _walk(client, admin, text, limit, staging):
    """Every page of a search (ids, in order) and its first meta."""
    ids, cursor, first = [], None, None
    while True:
        params = {"search": text, "limit": limit, "includeStaging": staging,
                  **({"cursor": cursor} if cursor else {})}
        page = client.simulate_get(ORGS, params=params, headers=admin)
        ids += [org["id"] for org in assert_envelope(page, 200)]
        first = first or page.json["meta"]
        cursor = page.json["meta"]["nextCursor"]
        if cursor is None:
            return ids, (first["total"], first["totalCapped"])


def _answers(client, admin, queries=QUERIES, page=3):
    """Each query's full walk and meta (pages of `page`), staging or not, and its
    autocomplete hits."""
    found = {}
    for text in queries:
        for staging in ("true", "false"):
            found[text, staging] = _walk(client, admin, text, page, staging)
        hits = client.simulate_get(f"{ORGS}/autocomplete", params={"q": text, "limit": 5},
                                   headers=admin)
        found[text, "autocomplete"] = [(h["id"], h["matches"]) for h in assert_envelope(hits, 200)]
    return found


# sqlite_only: the plans of SQLite's search (PostgreSQL's is store/postgresql/text.py)
@pytest.mark.sqlite_only
@pytest.mark.parametrize("plan", [
    {},                                    # candidates of the other words; else a walk
    {"DENSE_TIER": 1},                     # other words too common: always a walk
    {"DENSE_TIER": 1, "WALK_ROWS": 2},     # walks too short to settle: FTS5 takes over
    {"TOTAL_CAP": 2},                      # totals capped on the walk
    {"DENSE_TIER": 1, "TOTAL_CAP": 2, "WALK_ROWS": 4},
])
def test_a_wide_prefix_finds_and_ranks_what_the_expanded_prefix_does(
        client, admin, store, rows, monkeypatch, plan):
    for name, value in plan.items():
        monkeypatch.setattr(engine, name, value)
    expanded = _answers(client, admin)
    monkeypatch.setattr(engine, "MAX_EXPANSION", 0)  # every known prefix is wide
    with traced_statements(store) as statements:
        assert _answers(client, admin) == expanded
    assert any("INDEXED BY organization_rank_order" in sql for sql in statements)
    assert any(ids for (_, kind), ids in expanded.items() if kind == "autocomplete")


# sqlite_only: the statements of SQLite's search
@pytest.mark.sqlite_only
def test_a_wide_prefix_of_a_common_word_never_asks_fts5_for_the_prefix(
        client, admin, store, rows, monkeypatch):
    """`o`, `or`, `org` as typed: the walk settles every page from the rows in rank order,
    so FTS5's prefix query (which merges every doclist of the prefix) is never run."""
    monkeypatch.setattr(engine, "MAX_EXPANSION", 0)
    monkeypatch.setattr(engine, "DENSE_TIER", 1)
    monkeypatch.setattr(engine, "TOTAL_CAP", 2)
    for text in ("o", "or", "org", "blue o"):
        with traced_statements(store) as statements:
            first = client.simulate_get(ORGS, params={"search": text, "limit": 2,
                                                      "includeStaging": "true"}, headers=admin)
        assert len(assert_envelope(first, 200)) == 2
        assert first.json["meta"]["totalCapped"]
        assert not any(f'"{text.split()[-1]}"*' in sql for sql in statements), text


# sqlite_only: the plans of SQLite's search
@pytest.mark.sqlite_only
def test_few_matches_ranked_in_python_rank_as_fts5_tiers_do(client, admin, rows, monkeypatch):
    """A query of few matches has them ranked in Python (search/ranked.py); asked of FTS5
    tier by tier instead, every page, order, total and highlight is the same."""
    in_python = _answers(client, admin)
    monkeypatch.setattr(engine, "RANKED_IN_PYTHON", 0)  # never: FTS5's tiers
    assert _answers(client, admin) == in_python


def test_users_are_found_by_a_wide_prefix_as_by_its_terms(client, admin, make, monkeypatch):
    for i, (first, last) in enumerate([("Ola", "Orr"), ("Olga", "Berg"), ("Ben", "Olsen"),
                                       ("Omar", "Oz"), ("Ann", "Lee")]):
        make.user(email=f"{first.lower()}{i}@example.com", firstName=first, lastName=last)

    def found(text):
        page = client.simulate_get("/api/v1/users", params={"search": text, "limit": 10},
                                   headers=admin)
        return [u["email"] for u in assert_envelope(page, 200)]

    expanded = {text: found(text) for text in ("o", "ol", "ben o", "e")}
    monkeypatch.setattr(engine, "MAX_EXPANSION", 0)
    assert {text: found(text) for text in expanded} == expanded
    assert expanded["o"] and expanded["ol"]


# Queries whose words some primary column holds in no row (`com`, `io`, `org1`: only in
# domains) or holds in some (`org`, `blue`), whole or as a prefix.
PRIMARY_QUERIES = ["co", "com", "io", "dk", "org1", "org1 ex", "acme co", "blue com", "c",
                   "orbit io", "example", "exampel", "org", "blue", "zed"]


# sqlite_only: the plans of SQLite's search (PostgreSQL has no primary vocabulary)
@pytest.mark.sqlite_only
@pytest.mark.parametrize("plan", [
    {"RANKED_IN_PYTHON": 0},                                   # FTS5's tiers
    {"RANKED_IN_PYTHON": 0, "MAX_EXPANSION": 0},               # every prefix wide: walks
    {"RANKED_IN_PYTHON": 0, "MAX_EXPANSION": 0, "DENSE_TIER": 1, "WALK_ROWS": 2},
    {"RANKED_IN_PYTHON": 0, "DENSE_TIER": 1, "TOTAL_CAP": 2},  # tiers walked in rank order
])
def test_primary_tiers_no_primary_column_holds_are_left_out_and_nothing_changes(
        client, admin, rows, monkeypatch, plan):
    for name, value in plan.items():
        monkeypatch.setattr(engine, name, value)
    left_out = _answers(client, admin, PRIMARY_QUERIES, page=2)
    monkeypatch.setattr(engine, "_primary_tiers", lambda db, groups: (0, 2))  # every tier asked
    assert _answers(client, admin, PRIMARY_QUERIES, page=2) == left_out
    assert left_out["co", "true"][0] and left_out["org1", "true"][0]


# sqlite_only: the statements of SQLite's search
@pytest.mark.sqlite_only
def test_a_primary_tier_no_name_holds_is_not_asked_of_fts5(client, admin, store, rows,
                                                           monkeypatch):
    """`io` and `dk` are in domains only: FTS5 is never asked for names holding them,
    whole or as a prefix (it would read the whole doclist to find none, as for `co` at
    1M organizations: `com`); `org` is in names, and is asked."""
    monkeypatch.setattr(engine, "RANKED_IN_PYTHON", 0)
    for text, asked in (("io", False), ("dk", False), ("org", True)):
        with traced_statements(store) as statements:
            found = client.simulate_get(ORGS, params={"search": text, "limit": 2,
                                                      "includeStaging": "true"}, headers=admin)
        assert assert_envelope(found, 200)
        assert any("{name} :" in sql for sql in statements) == asked, text


# sqlite_only: the primary vocabulary is SQLite's
@pytest.mark.sqlite_only
def test_renamed_and_deleted_rows_keep_the_primary_tiers_right(client, admin, rows,
                                                               monkeypatch):
    """A term a write puts in a name is asked in the primary tiers from then on (`com`,
    `example` once a name holds them); one a rename or a delete takes out of every name
    stays in the primary vocabulary ("may hold": only slower), and answers are the same
    as with every tier asked."""
    monkeypatch.setattr(engine, "RANKED_IN_PYTHON", 0)
    zed, comet = rows[13], rows[7]  # "Zed" (org1.example), "Company North" (cn.com)

    def same():
        answers = _answers(client, admin, PRIMARY_QUERIES, page=2)
        with monkeypatch.context() as every_tier:
            every_tier.setattr(engine, "_primary_tiers", lambda db, groups: (0, 2))
            assert _answers(client, admin, PRIMARY_QUERIES, page=2) == answers
        return answers

    def first(text):
        page = client.simulate_get(ORGS, params={"search": text, "limit": 1,
                                                 "includeStaging": "true"}, headers=admin)
        return assert_envelope(page, 200)[0]["id"]

    same()
    for org, name in ((zed, "Zed Example"), (comet, "Com Comet")):
        changed = client.simulate_put(f"{ORGS}/{org['id']}", json={"name": name},
                                      headers=admin)
        assert_envelope(changed, 200)
    same()
    assert first("example") == zed["id"] and first("com") == comet["id"]
    assert_envelope(client.simulate_put(f"{ORGS}/{comet['id']}", json={"name": "North"},
                                        headers=admin), 200)
    assert_envelope(client.simulate_delete(f"{ORGS}/{zed['id']}", headers=admin), 200)
    same()


# sqlite_only: the plans of SQLite's search
@pytest.mark.sqlite_only
def test_users_whose_names_hold_no_prefix_of_their_emails_are_ranked_the_same(
        client, admin, make, monkeypatch):
    """The user search `u` where every email begins `user…` and no name does."""
    for i, (first, last) in enumerate([("Ola", "Orr"), ("Uma", "Berg"), ("Ben", None),
                                       (None, "Ulm"), ("Ann", "Lee")]):
        make.user(email=f"user{i}@example.com", firstName=first, lastName=last)
    monkeypatch.setattr(engine, "RANKED_IN_PYTHON", 0)

    def found():
        answers = {}
        for text in ("u", "us", "user1", "user1 b", "e", "ex", "example", "b", "um"):
            page = client.simulate_get("/api/v1/users", params={"search": text, "limit": 10},
                                       headers=admin)
            answers[text] = ([u["email"] for u in assert_envelope(page, 200)],
                             page.json["meta"]["total"])
        return answers

    for expansion in (40, 0):
        monkeypatch.setattr(engine, "MAX_EXPANSION", expansion)
        left_out = found()
        with monkeypatch.context() as every_tier:
            every_tier.setattr(engine, "_primary_tiers", lambda db, groups: (0, 2))
            assert found() == left_out
        emails = left_out["u"][0]  # the names holding `u` first (Uma, Ulm), then the rest
        assert set(emails[:2]) == {"user1@example.com", "user3@example.com"} and len(emails) == 5


# sqlite_only: SQLite's migration 29 (PostgreSQL's table stays empty)
@pytest.mark.sqlite_only
def test_migration_29_fills_the_primary_vocabulary_with_what_names_hold(store, rows):
    """From FTS5's own vocabulary of the name column: what the writes keep, but for the
    folds of non-ASCII names (`orsted` for `ørsted`), which the writes add too."""
    from goldenrecord.store.migrations import m0029_search_vocab_primary

    def primary():
        return {term for term, in store.db.execute_sql("SELECT term FROM search_vocab_primary")}

    kept = primary()
    store.db.execute_sql("DROP TABLE search_vocab_primary")
    m0029_search_vocab_primary.apply(store.db, None)
    filled = primary()
    assert {"orbit", "labs", "ørsted", "org"} <= filled <= kept
    assert kept - filled == {"orsted", "strasse"}
    assert not {"io", "com", "dk", "example", "org1", "p0"} & kept
