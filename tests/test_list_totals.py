"""Lists stay flat as the directory grows: `meta.total` comes from counts kept by
triggers (migration 15), never from a scan, and stays exact through every kind of write;
a cursor walk over search results neither repeats nor skips a row while others change."""
import re
import sqlite3

from goldenrecord.store import migrations

import apps
from support import assert_envelope, traced_statements

V1 = "/api/v1"
COUNTING = re.compile(r"\bcount\s*\(", re.IGNORECASE)


def _meta(client, admin, path, **params):
    result = client.simulate_get(V1 + path, params={"limit": 2, **params}, headers=admin)
    assert_envelope(result, 200)
    return result.json["meta"]


def _directory(client, admin, make, store):
    """Organizations (one staging), users, memberships, keys, a subscription and deliveries."""
    # made in the store: the API would resolve the target's host, and tests stay offline
    webhook = {"id": store.webhooks.create(name="hook", url="https://example.com/hook",
                                           events=["organization.created"]).id}
    orgs = [make.org() for _ in range(3)] + [make.org(verified=False)]
    users = [make.user() for _ in range(4)]
    for user in users[:3]:
        make.membership(orgs[0], user)
    make.membership(orgs[1], users[0])
    make.key(organizationId=orgs[0]["id"])
    return orgs, users, webhook


def _lists(orgs, users, webhook):
    """(path, query) of every list and filter the API answers, with the SQL that counts it."""
    org, user = orgs[0]["id"], users[0]["id"]
    return [
        ("/organizations", {}, "SELECT count(*) FROM organization WHERE is_verified", ()),
        ("/organizations", {"includeStaging": "true"}, "SELECT count(*) FROM organization", ()),
        ("/users", {}, 'SELECT count(*) FROM "user"', ()),
        ("/users", {"organizationId": org},
         "SELECT count(*) FROM membership WHERE organization_id = ?", (org,)),
        ("/memberships", {}, "SELECT count(*) FROM membership", ()),
        ("/memberships", {"organizationId": org},
         "SELECT count(*) FROM membership WHERE organization_id = ?", (org,)),
        ("/memberships", {"userId": user}, "SELECT count(*) FROM membership WHERE user_id = ?",
         (user,)),
        ("/keys", {}, "SELECT count(*) FROM api_key", ()),
        ("/keys", {"organizationId": org}, "SELECT count(*) FROM api_key WHERE organization_id = ?",
         (org,)),
        ("/webhooks", {}, "SELECT count(*) FROM webhook", ()),
        (f"/webhooks/{webhook['id']}/deliveries", {},
         "SELECT count(*) FROM delivery WHERE webhook_id = ?", (webhook["id"],)),
    ]


def _assert_totals_exact(client, admin, store, lists):
    for path, params, sql, args in lists:
        expected = store.db.execute_sql(sql, args).fetchone()[0]
        assert _meta(client, admin, path, **params)["total"] == expected, (path, params)


def test_no_list_counts_its_rows_to_answer_its_total(client, admin, make, store):
    lists = _lists(*_directory(client, admin, make, store))
    for path, params, _, _ in lists:
        with traced_statements(store) as statements:
            _meta(client, admin, path, **params)
        assert not [s for s in statements if COUNTING.search(s)], (path, params, statements)


def test_totals_stay_exact_through_creates_deletes_cascades_and_flips(client, admin, make, store):
    orgs, users, webhook = _directory(client, admin, make, store)
    lists = _lists(orgs, users, webhook)
    _assert_totals_exact(client, admin, store, lists)
    assert _meta(client, admin, "/organizations")["total"] == 3

    # a verification flip, a refused (rolled back) create, a cascade, a user delete
    client.simulate_post(f"{V1}/organizations/{orgs[3]['id']}/verify", json={"isVerified": True},
                         headers=admin)
    refused = client.simulate_post(f"{V1}/organizations", headers=admin,
                                   json={"name": "Again", "slug": orgs[1]["slug"]})
    assert_envelope(refused, 409)
    assert_envelope(client.simulate_delete(f"{V1}/organizations/{orgs[1]['id']}", headers=admin), 200)
    assert_envelope(client.simulate_delete(f"{V1}/users/{users[1]['id']}", headers=admin), 200)
    _assert_totals_exact(client, admin, store, lists)
    assert _meta(client, admin, "/organizations")["total"] == 3
    assert _meta(client, admin, "/memberships", organizationId=orgs[0]["id"])["total"] == 2

    # a writer outside the API: raw SQL on a connection of its own, as another process would
    other = sqlite3.connect(store.path)
    other.execute("PRAGMA foreign_keys = ON")
    other.execute("DELETE FROM membership WHERE organization_id = ?", (orgs[0]["id"],))
    other.execute("UPDATE organization SET is_verified = 0 WHERE id = ?", (orgs[0]["id"],))
    other.commit()
    other.close()
    store.changes.watch.poll()  # what the watch's thread does every 20 ms
    _assert_totals_exact(client, admin, store, lists)
    assert _meta(client, admin, "/users", organizationId=orgs[0]["id"])["total"] == 0


def test_the_migration_counts_rows_written_before_it(tmp_path, monkeypatch, clock):
    """A database from before migration 15 gets its counts from its existing rows."""
    config = apps.config_for(tmp_path / "old.db")
    # every migration but 15: the store of today writes what later ones made (search_vocab)
    monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m[0] != 15])
    with apps.service(config, clock=clock) as old:
        made = [old.store.organizations.create(name=f"Old {i}", slug=f"old-{i}") for i in range(3)]
        old.store.organizations.set_verified(made[0].id, True)
    monkeypatch.undo()
    with apps.service(config, clock=clock) as new:
        assert new.store.organizations.list(limit=1, include_staging=True).total == 3
        assert new.store.organizations.list(limit=1).total == 1
        with traced_statements(new.store) as statements:
            new.store.organizations.list(limit=1)
        assert not [s for s in statements if COUNTING.search(s)]


def _search_walk(client, admin, query, limit, between_pages):
    """Walk `?search=query` pages, calling `between_pages(n)` after page n; the ids seen."""
    seen, cursor, page = [], None, 0
    while True:
        params = {"search": query, "limit": limit, **({"cursor": cursor} if cursor else {})}
        result = client.simulate_get(f"{V1}/organizations", params=params, headers=admin)
        seen += [org["id"] for org in assert_envelope(result, 200)]
        page += 1
        cursor = result.json["meta"]["nextCursor"]
        if cursor is None:
            return seen
        between_pages(page)


def test_a_search_walk_neither_repeats_nor_skips_while_rows_come_and_go(client, admin, make):
    # names of every length, so rows inserted meanwhile rank before, between and after them
    staying = [make.org(name="Acme " + "x" * i, slug=f"acme-{i}")["id"] for i in range(12)]
    leaving = [make.org(name="Acme " + "y" * i, slug=f"acme-y{i}")["id"] for i in range(4)]

    def churn(page):
        if page > 4:
            return
        for length in (0, 6, 14):  # matches that rank first, in the middle and last
            make.org(name="Acme " + "z" * length, slug=f"acme-new-{page}-{length}")
        if leaving:
            client.simulate_delete(f"{V1}/organizations/{leaving.pop()}", headers=admin)

    seen = _search_walk(client, admin, "acme", 3, churn)
    assert len(seen) == len(set(seen)), "a row came twice"
    assert set(staying) <= set(seen), "a row that matched throughout was skipped"


def test_search_pages_follow_one_total_order(client, admin, make):
    """Page after page gives the same rows in the same order as one big page."""
    for i in range(9):
        make.org(name=f"Globex {'Corp ' * (i % 3)}{i}", slug=f"globex-{i}")
    make.org(name="Zeta", slug="zeta", domain="globex.example.com")  # only the domain matches
    whole = client.simulate_get(f"{V1}/organizations", params={"search": "globex", "limit": 100},
                                headers=admin)
    everything = [org["id"] for org in assert_envelope(whole, 200)]
    assert _search_walk(client, admin, "globex", 4, lambda page: None) == everything
    assert everything[-1] == whole.json["data"][-1]["id"]
    assert whole.json["data"][-1]["name"] == "Zeta"  # a name match ranks above a domain match


def test_a_list_page_is_answered_from_memory_until_a_table_it_shows_changes(client, admin, make,
                                                                            store):
    org, user = make.org(), make.user(firstName="Ada")
    make.membership(org, user)
    path = f"{V1}/memberships"

    def shown():
        result = client.simulate_get(path, params={"organizationId": org["id"]}, headers=admin)
        [item] = assert_envelope(result, 200)
        return item["user"]["firstName"], item["organization"]["name"], result.json["meta"]

    shown()
    with traced_statements(store) as statements:
        assert shown()[:2] == ("Ada", org["name"])
    assert statements == [], "a page kept in memory ran statements"

    # each table a membership page shows: the user, the organization, the membership itself
    client.simulate_put(f"{V1}/users/{user['id']}", json={"firstName": "Grace"}, headers=admin)
    assert shown()[0] == "Grace"
    client.simulate_put(f"{V1}/organizations/{org['id']}", json={"name": "Renamed"},
                          headers=admin)
    assert shown()[1] == "Renamed"
    make.membership(org, make.user())
    result = client.simulate_get(path, params={"organizationId": org["id"]}, headers=admin)
    assert result.json["meta"]["total"] == 2 and len(result.json["data"]) == 2
