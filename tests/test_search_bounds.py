"""Search and indexing stay bounded whatever the text: limits are counted after
normalization, long tokens get no typo variants, a query's look-ups and a document's
variant rows have a budget, no statement exceeds SQLite's variable limit, and variant
rows no document needs any more go with the deletes and renames that orphan them."""
import random
import re
import threading
import time

import pytest

from goldenrecord import search
from goldenrecord.search import engine, typos
from support import assert_envelope, orphan_terms, variant_bytes, variant_rows

ORGS = "/api/v1/organizations"
USERS = "/api/v1/users"
SQUARES = "".join(map(chr, range(0x3300, 0x3358)))  # each 2-6 letters after NFKD
# The characters that expand most: 200 of them are one token of over 1,000 letters, whose
# 2-deletion variants would be half a million SQL variables (and gigabytes of strings).
WIDEST = "".join(c for c in SQUARES if len(search.tokens(c)[0]) >= 5)
# Every search route: (path, parameter).
SEARCHES = [(ORGS, "search"), (f"{ORGS}/autocomplete", "q"), (USERS, "search")]
_PROBES = re.compile(r"FROM search_variant WHERE variant IN \((.*?)\)")


def random_mix(seed, length=200):
    """Mostly characters of U+3300-U+3357, some letters, a few spaces: tokens of every
    length, most of them too long for typos (one of 32 letters has 529 variants)."""
    rng = random.Random(seed)
    return "".join(rng.choices([rng.choice(SQUARES), rng.choice("abcdefgh"), " "],
                               weights=[16, 3, 1])[0] for _ in range(length))


@pytest.fixture
def traced(store):
    """The SQL statements the requests made meanwhile send, values expanded."""
    statements = []
    connection = store.db.connection()
    connection.set_trace_callback(statements.append)
    yield statements
    connection.set_trace_callback(None)


def typo_probes(statements):
    """For each typo look-up statement, how many variants it sent."""
    return [len(re.findall(r"'[^']*'", found.group(1)))
            for found in map(_PROBES.search, statements) if found]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("path, param", SEARCHES)
def test_a_query_that_normalizes_to_one_huge_token_gets_no_typo_look_up(client, admin, make,
                                                                        traced, path, param):
    make.org(name="Acme Corporation", slug="acme")
    text = (WIDEST * 20)[:200]
    assert len(search.tokens(text)[0]) > 1000
    assert assert_envelope(client.simulate_get(path, params={param: text}, headers=admin),
                           200) == []
    assert typo_probes(traced) == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize("path, param", SEARCHES)
def test_a_random_mix_is_answered_within_the_variable_limit_and_the_budget(client, admin, make,
                                                                          traced, path, param):
    make.org(name="Acme Corporation", slug="acme")
    assert_envelope(client.simulate_get(path, params={param: random_mix(1)}, headers=admin), 200)
    probes = typo_probes(traced)
    assert probes, "typo tolerance is bounded, not switched off"
    assert max(probes) <= engine.SQL_VARIABLES
    # 10 tokens of at most 20 letters would be 2,110 variants unbounded; the budget is in
    # bytes, and each variant of these katakana tokens counts at least 2 * 3 bytes.
    assert sum(probes) <= typos.MAX_VARIANT_BYTES // 6


def test_the_query_budget_leaves_ordinary_queries_whole(client, admin, make):
    make.org(name="Internationalization Consulting Partners Worldwide Holdings", slug="icpwh")
    # One typo in each of the five words, the 20-letter one included.
    query = "internationalisation consultinq partnres worldwid holdinsg"
    result = client.simulate_get(ORGS, params={"search": query}, headers=admin)
    assert [o["slug"] for o in assert_envelope(result, 200)] == ["icpwh"]


def test_long_words_are_found_exactly_and_by_prefix_but_not_with_typos(client, admin, make, store):
    long_word = "pneumonoultramicroscopic"  # 24 letters: more than 20 + 2
    make.org(name=f"Acme {long_word.title()}", slug="acme")
    make.org(name="Internationalization Labs", slug="i18n")  # 20 letters: typos allowed
    assert not any(term == long_word for _, term in variant_rows(store.db))

    def slugs(text):
        result = client.simulate_get(ORGS, params={"search": text}, headers=admin)
        return [o["slug"] for o in assert_envelope(result, 200)]

    assert slugs(long_word) == ["acme"]
    assert slugs(long_word[:12]) == ["acme"]
    assert slugs(long_word.replace("micro", "mikro")) == []
    assert slugs("internationalisation") == ["i18n"]


@pytest.mark.parametrize("name", [SQUARES[:50], (WIDEST * 20)[:200], random_mix(2),
                                  " ".join(SQUARES[i:i + 2] for i in range(0, 88, 2))])
@pytest.mark.sqlite_only
def test_creating_an_organization_adds_a_bounded_variant_index(client, admin, store, name):
    before = variant_bytes(store.db)
    result = client.simulate_post(ORGS, json={"name": name, "slug": "hostile"}, headers=admin)
    assert_envelope(result, 201)
    assert variant_bytes(store.db) - before <= typos.MAX_VARIANT_BYTES
    assert orphan_terms(store.db) == set()


@pytest.mark.sqlite_only
def test_a_document_gives_typos_to_its_first_words_that_fit_the_budget(client, admin, store):
    rng = random.Random(8)
    words = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(20)) for _ in range(9)]
    before = variant_bytes(store.db)
    created = client.simulate_post(ORGS, json={"name": " ".join(words), "slug": "long"},
                                   headers=admin)
    assert_envelope(created, 201)
    assert 0 < variant_bytes(store.db) - before <= typos.MAX_VARIANT_BYTES

    def slugs(text):
        result = client.simulate_get(ORGS, params={"search": text, "includeStaging": "true"},
                                     headers=admin)
        return [o["slug"] for o in assert_envelope(result, 200)]

    assert slugs(words[0][:-1] + "a") == ["long"]  # the first word got its variants
    assert slugs(words[-1][:-1] + "a") == []  # the budget was spent before the last
    assert slugs(words[-1]) == ["long"]  # which is still found as written


@pytest.mark.sqlite_only
def test_user_names_and_emails_add_a_bounded_variant_index(client, admin, store, make):
    before = variant_bytes(store.db)
    user = make.user(email=f"{SQUARES[:60]}@{SQUARES[60:80]}.example", firstName=random_mix(3, 100),
                     lastName=" ".join(SQUARES[i:i + 2] for i in range(0, 66, 2)))
    assert variant_bytes(store.db) - before <= typos.MAX_VARIANT_BYTES
    renamed = client.simulate_put(f"{USERS}/{user['id']}", json={"firstName": random_mix(4, 100)},
                                  headers=admin)
    assert_envelope(renamed, 200)
    assert variant_bytes(store.db) - before <= typos.MAX_VARIANT_BYTES


def test_renames_and_deletes_leave_no_orphan_variant_rows(client, admin, make, store):
    umbrella = make.org(name="Umbrellex Corporation", slug="umbrellex", domain="umbrellex.com")
    other = make.org(name="Corporation Wayland", slug="wayland")
    user = make.user(email="ripley@weyland.example", firstName="Ellen", lastName="Ripley")
    terms = lambda: {term for _, term in variant_rows(store.db)}  # noqa: E731
    assert {"umbrellex", "corporation", "ripley"} <= terms()

    client.simulate_put(f"{ORGS}/{umbrella['id']}", json={"name": "Tyrellex Corporation",
                                                          "domain": None}, headers=admin)
    assert "tyrellex" in terms()
    assert "umbrellex" in terms()  # the slug still holds it
    client.simulate_put(f"{ORGS}/{umbrella['id']}", json={"slug": "tyrellex"}, headers=admin)
    assert "umbrellex" not in terms()

    client.simulate_delete(f"{ORGS}/{umbrella['id']}", headers=admin)
    assert "tyrellex" not in terms()
    assert "corporation" in terms()  # Corporation Wayland holds it
    client.simulate_put(f"{USERS}/{user['id']}", json={"lastName": "Bishop"}, headers=admin)
    assert ("ripley" in terms(), "bishop" in terms()) == (True, True)  # the email holds ripley
    client.simulate_delete(f"{USERS}/{user['id']}", headers=admin)
    client.simulate_delete(f"{ORGS}/{other['id']}", headers=admin)
    assert orphan_terms(store.db) == set()
    assert variant_rows(store.db) == set()


@pytest.mark.sqlite_only
def test_after_any_writes_the_variant_index_is_what_a_rebuild_makes(client, admin, make, store):
    orgs = [make.org(name=name, slug=f"o{i}") for i, name in enumerate(
        ["Acme Corporation", "Globexian Industries", random_mix(5), "Initech"])]
    users = [make.user(firstName=name) for name in ("Jane", "Robert", random_mix(6, 100))]
    client.simulate_put(f"{ORGS}/{orgs[0]['id']}", json={"name": "Acme Renamed"}, headers=admin)
    client.simulate_put(f"{ORGS}/{orgs[2]['id']}", json={"name": random_mix(7)}, headers=admin)
    client.simulate_delete(f"{ORGS}/{orgs[1]['id']}", headers=admin)
    client.simulate_put(f"{USERS}/{users[0]['id']}", json={"firstName": "Janet"}, headers=admin)
    client.simulate_delete(f"{USERS}/{users[2]['id']}", headers=admin)
    incremental = variant_rows(store.db)
    store.reindex_search()
    assert variant_rows(store.db) == incremental
    assert orphan_terms(store.db) == set()


def _numbered(store, numbers):
    """Organizations named "Alpha N" for each of `numbers` (7-digit strings)."""
    for number in numbers:
        store.organizations.create(name=f"Alpha {number}", slug=f"alpha-{number}")


def test_a_word_joins_only_its_nearest_typo_alternatives(client, admin, store, monkeypatch):
    monkeypatch.setattr(engine, "MAX_TYPO_ALTERNATIVES", 3)
    # 0000500 asked: two within 1 edit, then 2 edits keeping 5, 4 and 2 letters, then 3 edits
    _numbered(store, ["1000500", "0000501", "0000511", "0000610", "0010501", "0001511"])

    def names(text):
        result = client.simulate_get(ORGS, params={"search": text, "includeStaging": "true"},
                                     headers=admin)
        return [o["name"] for o in assert_envelope(result, 200)]

    assert names("0000500") == ["Alpha 0000501", "Alpha 1000500", "Alpha 0000511"]
    monkeypatch.setattr(engine, "MAX_TYPO_ALTERNATIVES", 2)
    assert names("0000500") == ["Alpha 0000501", "Alpha 1000500"]
    monkeypatch.setattr(engine, "MAX_TYPO_ALTERNATIVES", 64)
    assert names("0000500") == ["Alpha 0000501", "Alpha 1000500", "Alpha 0000511",
                                "Alpha 0000610", "Alpha 0010501"]


@pytest.mark.parametrize("seed", range(6))
def test_the_alternatives_are_the_nearest_of_every_term_within_the_edits(store, monkeypatch,
                                                                        seed):
    """What the two rounds of look-ups find, capped, is what grading every indexed term
    would keep: nothing nearer is left out."""
    rng = random.Random(seed)
    monkeypatch.setattr(engine, "MAX_TYPO_ALTERNATIVES", rng.choice([1, 4, 10, 30]))
    _numbered(store, sorted({"".join(rng.choice("0012") for _ in range(7))
                             for _ in range(120)}))
    terms = [term for (term,) in store.db.execute_sql("SELECT term FROM search_term")]
    for token in {"".join(rng.choice("0012") for _ in range(7)) for _ in range(15)}:
        every = sorted((typos.distance(token, term, 2), -engine._common_prefix(token, term), term)
                       for term in terms if term != token and typos.distance(token, term, 2) <= 2)
        for few in (0, 10**6):  # every candidate checked, or in rank order
            monkeypatch.setattr(engine, "FEW_CANDIDATES", few)
            found = engine._near_terms(store.db, token, 2, engine.MAX_TYPO_CANDIDATES)
            assert [(a.edits, -a.kept, a.term) for a in found] == \
                every[:engine.MAX_TYPO_ALTERNATIVES], (token, few)


def test_a_number_checks_the_distance_of_a_few_candidates_only(store, monkeypatch):
    """Most numbers of 7 digits share a two-letter deletion with a number asked: those
    candidates are checked in the order they would rank, and only until the places left
    are filled."""
    _numbered(store, [f"{n:07d}" for n in range(0, 3000, 3)])
    checked = []
    measured = typos.distance
    monkeypatch.setattr(engine, "distance",
                        lambda a, b, limit: checked.append(b) or measured(a, b, limit))
    found = engine._near_terms(store.db, "0000500", 2, engine.MAX_TYPO_CANDIDATES)
    assert len(found) == engine.MAX_TYPO_ALTERNATIVES
    assert len(checked) < 4 * engine.MAX_TYPO_ALTERNATIVES


@pytest.mark.sqlite_only
def test_searches_take_turns_two_at_a_time(store, monkeypatch):
    """At most CONCURRENT_SEARCHES searches run at once on SQLite (store/sqlite): the
    others wait, asleep, instead of trading the GIL with them at every SQLite step."""
    store.organizations.create(name="Acme Rockets", slug="acme")
    running, most, lock, release = [0], [0], threading.Lock(), threading.Event()
    measured = search.find

    def held(*args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(30)
        try:
            return measured(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(search, "find", held)
    found = []
    askers = [threading.Thread(target=lambda: found.append(
        store.text.find("organization", "acme", limit=5).ids)) for _ in range(6)]
    for asker in askers:
        asker.start()
    waiting = store.text._turns._cond._waiters  # the askers asleep, waiting for a turn
    deadline = time.monotonic() + 30
    while (running[0] < 2 or len(waiting) < 4) and time.monotonic() < deadline:
        time.sleep(0.001)
    assert (running[0], len(waiting)) == (2, 4)
    release.set()
    for asker in askers:
        asker.join(30)
    assert most[0] == 2
    assert len(found) == 6 and all(len(ids) == 1 for ids in found)
