"""Search over a word most rows hold (search/engine.py): the total counted up to a cap and
flagged when capped, and large tiers walked in rank order (migration 20's index) with the
same pages, cursors and filters as the sort they replace.

The thresholds are lowered for the test (TOTAL_CAP, DENSE_TIER), so a dozen rows stand for
the hundreds of thousands they are meant for.
"""
import pytest
from goldenrecord.search import engine
from support import assert_envelope, traced_statements

ORGS = "/api/v1/organizations"
# names of several lengths, all holding "company"; some staging (unverified)
NAMES = ["Company", "Blue Company", "Red Company Ltd", "Company of Oxford",
         "Green Company", "Company North West", "Old Company", "Company Europe",
         "Grey Company Partners", "Company East", "Big Company", "Tiny Company Inc"]


@pytest.fixture
def companies(make):
    return [make.org(name=name, slug=f"c{i}", verified=i % 3 != 0)
            for i, name in enumerate(NAMES)]


def _walk(client, admin, params, limit=2):
    """Every page of a search, following cursors: the ids in order and the first meta."""
    ids, cursor, first = [], None, None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.simulate_get(ORGS, params=query, headers=admin)
        ids += [org["id"] for org in assert_envelope(page, 200)]
        first = first or page.json["meta"]
        cursor = page.json["meta"]["nextCursor"]
        if cursor is None:
            return ids, first


def test_a_search_total_stops_at_the_cap_and_says_so(client, admin, companies, monkeypatch):
    monkeypatch.setattr(engine, "TOTAL_CAP", 5)
    every = {"search": "company", "includeStaging": "true"}
    meta = client.simulate_get(ORGS, params={**every, "limit": 3}, headers=admin).json["meta"]
    assert (meta["total"], meta["totalCapped"], meta["hasMore"]) == (5, True, True)
    # the pages still reach every match: only the count stopped
    ids, _ = _walk(client, admin, every)
    assert sorted(ids) == sorted(org["id"] for org in companies)
    few = client.simulate_get(ORGS, params={"search": "oxford", "includeStaging": "true"},
                              headers=admin).json["meta"]
    assert (few["total"], few["totalCapped"]) == (1, False)


def test_lists_say_their_total_is_exact(client, admin, companies):
    meta = client.simulate_get(ORGS, params={"includeStaging": "true"}, headers=admin).json["meta"]
    assert (meta["total"], meta["totalCapped"]) == (len(NAMES), False)
    searched = client.simulate_get(ORGS, params={"search": "company", "includeStaging": "true"},
                                   headers=admin).json["meta"]
    assert (searched["total"], searched["totalCapped"]) == (len(NAMES), False)


# sqlite_only: the walk of SQLite's rank-order index (INDEXED BY), asked of FTS5 row by row
@pytest.mark.sqlite_only
@pytest.mark.parametrize("walk_rows", [2000, 3])
@pytest.mark.parametrize("staging", ["true", "false"])
def test_a_dense_tier_is_walked_in_rank_order_with_the_same_pages(
        client, admin, store, companies, monkeypatch, staging, walk_rows):
    """The walk (rows in rank order, each asked of the full-text index) gives exactly the
    pages, cursors and filter the sort gave; the sort stays for small tiers, and takes
    over when the rows a walk may read hold too few matches (walk_rows 3)."""
    params = {"search": "company", "includeStaging": staging}
    sorted_ids, sorted_meta = _walk(client, admin, params)
    monkeypatch.setattr(engine, "DENSE_TIER", 3)
    monkeypatch.setattr(engine, "TOTAL_CAP", 2)  # a total counted whole rules a walk out
    monkeypatch.setattr(engine, "WALK_ROWS", walk_rows)
    with traced_statements(store) as statements:
        walked_ids, walked_meta = _walk(client, admin, params)
    assert any("INDEXED BY organization_rank_order" in sql for sql in statements)
    assert walked_ids == sorted_ids
    assert len(set(walked_ids)) == len(walked_ids)
    assert walked_meta["total"] == 2 and walked_meta["totalCapped"]
    assert sorted_meta["total"] == len(sorted_ids)
    verified = {org["id"] for i, org in enumerate(companies) if i % 3 != 0}
    expected = {org["id"] for org in companies} if staging == "true" else verified
    assert set(walked_ids) == expected
    lengths = [len(NAMES[[o["id"] for o in companies].index(i)]) for i in walked_ids]
    assert lengths == sorted(lengths)  # shorter names first within the tier


def test_a_walk_skips_nothing_when_rows_arrive_between_pages(client, admin, make, companies,
                                                           monkeypatch):
    monkeypatch.setattr(engine, "DENSE_TIER", 3)
    monkeypatch.setattr(engine, "TOTAL_CAP", 2)
    params = {"search": "company", "includeStaging": "true", "limit": 4}
    first = client.simulate_get(ORGS, params=params, headers=admin)
    seen = [org["id"] for org in assert_envelope(first, 200)]
    make.org(name="Co Company", slug="early")  # ranks before the cursor: not shown again
    cursor = first.json["meta"]["nextCursor"]
    while cursor:
        page = client.simulate_get(ORGS, params={**params, "cursor": cursor}, headers=admin)
        seen += [org["id"] for org in assert_envelope(page, 200)]
        cursor = page.json["meta"]["nextCursor"]
    assert len(seen) == len(set(seen))
    assert set(seen) >= {org["id"] for org in companies}


def _searched(client, admin, text):
    found = client.simulate_get(ORGS, params={"search": text, "includeStaging": "true"},
                                headers=admin)
    return {org["name"] for org in assert_envelope(found, 200)}


# sqlite_only: the FTS5 expressions a prefix becomes (the token table reads a key range)
@pytest.mark.sqlite_only
def test_a_prefix_is_asked_as_the_terms_it_stands_for(client, admin, store, make, monkeypatch):
    """FTS5 merges every doclist of a prefix query before its first row; a prefix of few
    indexed terms is asked as those terms instead, kept as documents arrive."""
    for name in ("Zephyrine Farms", "Zephyrus Ltd", "Quartz Telecom"):
        make.org(name=name, verified=False)
    with traced_statements(store) as statements:
        assert _searched(client, admin, "zephy") == {"Zephyrine Farms", "Zephyrus Ltd"}
    matches = [sql for sql in statements if "_fts MATCH" in sql]
    assert matches and not any('"zephy"*' in sql for sql in matches)
    assert any('"zephyrine"' in sql and '"zephyrus"' in sql for sql in matches)
    make.org(name="Zephyrite Studio", verified=False)  # a new term, added as it is indexed
    assert _searched(client, admin, "zephy") == {"Zephyrine Farms", "Zephyrus Ltd",
                                                "Zephyrite Studio"}
    monkeypatch.setattr(engine, "MAX_EXPANSION", 2)  # too many terms: a walk (wide.py)
    with traced_statements(store) as statements:
        assert _searched(client, admin, "zephy") == {"Zephyrine Farms", "Zephyrus Ltd",
                                                    "Zephyrite Studio"}
    assert not any('"zephy"*' in sql for sql in statements)
    assert any("INDEXED BY organization_rank_order" in sql for sql in statements)


# sqlite_only: FTS5's triggers index a row written around the store; PostgreSQL's token
# table is written by the store, so such a row is found there after `search reindex`
@pytest.mark.sqlite_only
def test_a_reindex_gives_rows_written_by_raw_sql_their_prefixes(client, admin, store, make):
    """The vocabulary is kept by the store's writes. A row written around the store is
    found by its whole words, and by a prefix no known term has (FTS5 is asked then);
    by a prefix it shares with a known term once `search reindex` has run."""
    store.db.execute_sql(
        "INSERT INTO organization (id, name, slug, is_verified, is_active, metadata, "
        "created_at, updated_at) VALUES ('raw-1', 'Xylophonic Tools', 'xylophonic', 1, 1, "
        "'{}', '2026-01-15T10:30:00Z', '2026-01-15T10:30:00Z')")
    assert _searched(client, admin, "xylophonic tools") == {"Xylophonic Tools"}
    assert _searched(client, admin, "xylopho") == {"Xylophonic Tools"}
    make.org(name="Xylophone Works")
    assert _searched(client, admin, "xylopho") == {"Xylophone Works"}
    store.reindex_search()
    assert _searched(client, admin, "xylopho") == {"Xylophone Works", "Xylophonic Tools"}
