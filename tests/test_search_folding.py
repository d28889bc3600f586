"""Search folds the index and the query the same way (search/text.py, search/forms.py):
transliterated Latin letters (Ł, Ø, Æ, ß, Þ) and compatibility characters (ﬁ, fullwidth,
Ⅻ) are found by their plain letters, exactly, as a prefix and within typos, and the map
of the index's own forms stays in step with every write."""
import pytest

import apps
from support import assert_envelope, index_state, orphan_terms, rebuilt_from_scratch
from test_search import named  # noqa: F401  (the fixture: organizations by name, verified)

ORGS, USERS = "/api/v1/organizations", "/api/v1/users"


def _names(client, admin, text):
    result = client.simulate_get(ORGS, params={"search": text}, headers=admin)
    return [o["name"] for o in assert_envelope(result, 200)]


@pytest.mark.parametrize("name, queries", [
    ("Łódź Works", ["lodz", "Lodz", "łódź", "ŁÓDŹ", "lod", "lodz works", "works lo"]),
    ("Ørsted", ["orsted", "Ørsted", "ors"]),
    ("Æon Flux", ["aeon", "Æon", "AEON flux", "ae"]),
    ("Großmann Straße", ["grossmann", "strasse", "straße", "gross"]),
    ("Þór Hammer", ["thor", "þór", "THOR hammer"]),  # 4 letters: `thor` is no typo of `þor`
    ("ＡＣＭＥ Ｃｏｒｐ", ["acme", "acme corp", "ＡＣＭＥ", "Acme Co"]),   # fullwidth
    ("ﬁrm Ventures", ["firm", "ﬁrm", "fir"]),                         # a ligature
    ("Louis Ⅻ", ["louis xii", "Ⅻ"]),                                   # a Roman numeral
])
def test_found_by_plain_letters_exactly_and_as_a_prefix(client, admin, named, name, queries):
    named(name, "Unrelated Holdings")
    for query in queries:
        assert _names(client, admin, query) == [name], query


def test_a_transliterated_match_ranks_as_exact_not_as_a_typo(client, admin, named):
    named("Lodzia", "Łódź", "Lodz Bis")
    # exact in the name first (shorter first), then the prefix match
    assert _names(client, admin, "lodz") == ["Łódź", "Lodz Bis", "Lodzia"]


def test_typos_reach_folded_words(client, admin, named):
    named("Ørstedholm", "Łódź")
    assert _names(client, admin, "orstedhlom") == ["Ørstedholm"]  # 1 transposition
    assert _names(client, admin, "lodx") == ["Łódź"]


def test_users_are_folded_too(client, admin, make):
    """Words too short for a typo: only the fold can find them."""
    user = make.user(firstName="Bjørn", lastName="Øy")
    make.user(firstName="Other", lastName="Person")
    for query in ("bjorn oy", "oy", "ØY"):
        result = client.simulate_get(USERS, params={"search": query}, headers=admin)
        assert [u["id"] for u in assert_envelope(result, 200)] == [user["id"]], query


def test_autocomplete_marks_the_folded_words(client, admin, named):
    named("Łódź Ørsted")
    result = client.simulate_get(f"{ORGS}/autocomplete", params={"q": "lodz ors"}, headers=admin)
    [hit] = assert_envelope(result, 200)
    assert hit["matches"]["name"] == [[0, 4], [5, 11]]


@pytest.mark.sqlite_only  # the map of FTS5's index forms; PostgreSQL's token index has none
def test_the_map_follows_renames_and_deletes(client, admin, named, store):
    org = named("Łódź Ørsted")["Łódź Ørsted"]
    folds = lambda: store.db.execute_sql(  # noqa: E731
        "SELECT fold, term FROM search_fold ORDER BY fold").fetchall()
    assert folds() == [("lodz", "łodz"), ("orsted", "ørsted")]
    client.simulate_put(f"{ORGS}/{org['id']}", json={"name": "Łódź Central"}, headers=admin)
    assert folds() == [("lodz", "łodz")]
    assert _names(client, admin, "orsted") == []
    client.simulate_delete(f"{ORGS}/{org['id']}", headers=admin)
    assert folds() == [] and orphan_terms(store.db) == set()
    assert _names(client, admin, "lodz") == []


def test_a_term_two_documents_hold_stays_until_the_last_goes(client, admin, named, store):
    orgs = named("Łódź One", "Łódź Two")
    client.simulate_delete(f"{ORGS}/{orgs['Łódź One']['id']}", headers=admin)
    assert _names(client, admin, "lodz") == ["Łódź Two"]
    assert _names(client, admin, "lodx") == ["Łódź Two"]


def test_a_database_from_before_is_rebuilt_in_batches_by_the_migration(tmp_path, clock):
    """Migration 17 asks for the batched rebuild; it runs after the migrations, leaves what
    a rebuild from scratch makes, and clears its request. The database from before is
    made by taking migration 18 back out of a current one: no map, and typo variants of
    the old fold (`łodz`, as FTS5 reads it) instead of today's."""
    config = apps.config_for(tmp_path / "old.db")
    with apps.service(config, clock=clock) as old:
        old.store.organizations.create(name="Łódź Ørsted", slug="lodz")
        old.store.users.create(email="bjorn@example.com", first_name="Bjørn")
        db = old.store.db
        for sql in ("DROP TABLE search_fold", "DELETE FROM schema_migrations WHERE version = 18",
                    "DELETE FROM search_variant WHERE term_id IN (SELECT id FROM search_term "
                    "WHERE term IN ('lodz', 'orsted', 'bjorn'))",
                    "UPDATE search_term SET term = 'łodz' WHERE term = 'lodz'"):
            db.execute_sql(sql)
    with apps.service(config, clock=clock) as new:
        db = new.store.db
        assert db.execute_sql("SELECT name FROM sqlite_master WHERE name = "
                              "'search_rebuild_due'").fetchall() == []
        terms = {row[0] for row in db.execute_sql("SELECT term FROM search_term")}
        assert {"lodz", "orsted", "bjorn"} <= terms and "łodz" not in terms
        state = index_state(db)
        assert state == rebuilt_from_scratch(db, new.store.engine.write_transaction)
        found = new.store.organizations.list(limit=5, search="lodx", include_staging=True)
        assert [o.name for o in found.items] == ["Łódź Ørsted"]
        assert [u.email for u in new.store.users.list(limit=5, search="bjorn").items] == [
            "bjorn@example.com"]


def test_a_rebuild_the_migration_asked_for_and_did_not_finish_runs_at_the_next_start(
        tmp_path, clock):
    config = apps.config_for(tmp_path / "cut.db")
    with apps.service(config, clock=clock) as first:
        first.store.organizations.create(name="Łódź", slug="lodz")
        db = first.store.db
        db.execute_sql("DELETE FROM search_fold")  # as if cut short before its folds
        db.execute_sql("CREATE TABLE search_rebuild_due (since TEXT NOT NULL)")
        db.execute_sql("INSERT INTO search_rebuild_due VALUES ('now')")
    with apps.service(config, clock=clock) as second:
        assert second.store.db.execute_sql("SELECT fold, term FROM search_fold").fetchall() == [
            ("lodz", "łodz")]
        assert second.store.db.execute_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'search_rebuild_due'").fetchall() == []
