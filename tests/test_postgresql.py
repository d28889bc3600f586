"""PostgreSQL as the engine, and what holds when several replicas share its database
(docs/postgresql.md). Each test runs on a fresh PostgreSQL database (`pg_config`): the
server of GOLDENRECORD_TEST_DATABASE_URL, or a throwaway cluster (tests/postgres.py).

Two replicas cannot share one process (the store binds one database per process), so the
other replica is played here by what it would do to the shared database: a connection of
its own writing (and notifying), its own limiter counting in the shared window, its own
claim on the outbox. The real thing — two `goldenrecord serve` behind nginx — is in
tests/test_replicas.py.
"""
import contextlib
import json

import falcon.testing
import psycopg
import pytest

import apps
import goldenrecord
from goldenrecord.restapi.ratelimit import SharedWindowLimiter, lease_size
from goldenrecord.store import engine_for
from goldenrecord.store.migrations import MIGRATIONS as SQLITE_MIGRATIONS
from goldenrecord.store.postgresql import PostgresEngine
from goldenrecord.store.postgresql.migrations import MIGRATIONS
from goldenrecord.store.ratelimits import RateWindows
from support import Receiver, assert_envelope, race, traced_statements

ORGS = "/api/v1/organizations"


@pytest.fixture
def pg(pg_config, clock):
    with apps.service(pg_config, clock=clock) as service:
        yield service


@pytest.fixture
def pg_client(pg):
    _, key = pg.store.api_keys.create(name="admin", scopes=["*:*"])
    return falcon.testing.TestClient(pg.app, headers={"Authorization": f"Bearer {key}"})


def other_replica(service):
    """A connection of another process to the same database."""
    return psycopg.connect(service.store.engine.url, autocommit=True)


def test_every_sqlite_migration_has_its_postgresql_version():
    covered = sorted(v for versions, _, _ in MIGRATIONS for v in versions)
    assert covered == [version for version, _, _ in SQLITE_MIGRATIONS]


def test_a_postgresql_url_selects_postgresql_and_migrates_to_sqlites_history(pg):
    assert isinstance(pg.store.engine, PostgresEngine)
    assert pg.store.schema_version() == SQLITE_MIGRATIONS[-1][0]
    assert pg.store.engine.pending_migrations() == []
    assert pg.store.migrate() == []  # a second migrate finds nothing to do


def test_the_environment_variable_names_the_database(pg_config):
    config = goldenrecord.load_config(env={"GOLDENRECORD_DATABASE_URL": pg_config.database.url,
                                           "GOLDENRECORD_SECRET_KEY": pg_config.database.secret_key})
    engine = engine_for(config.database)
    assert isinstance(engine, PostgresEngine) and engine.url == pg_config.database.url


def test_the_api_answers_alike_on_postgresql(pg_client):
    created = assert_envelope(pg_client.simulate_post(ORGS, json={"name": "Globex Industries",
                                                                  "slug": "globex"}), 201)
    duplicate = pg_client.simulate_post(ORGS, json={"name": "Other", "slug": "globex"})
    assert_envelope(duplicate, 409, "GR_DUPLICATE_SLUG", "slug")
    listed = pg_client.simulate_get(ORGS, params={"includeStaging": "true"})
    assert [o["id"] for o in assert_envelope(listed, 200)] == [created["id"]]
    assert listed.json["meta"]["total"] == 1  # the row count kept by PL/pgSQL triggers
    found = pg_client.simulate_get(ORGS, params={"search": "globx industres",
                                                 "includeStaging": "true"})
    assert [o["id"] for o in assert_envelope(found, 200)] == [created["id"]]  # two typos


def test_search_ranks_exact_then_prefix_then_typos_on_postgresql(pg_client):
    for name, slug in (("Acme Widgets", "widgets-co"), ("Acmex", "acmex"),
                       ("Acne Labs", "acne-labs"), ("Zeta", "acme")):
        assert_envelope(pg_client.simulate_post(ORGS, json={"name": name, "slug": slug}), 201)
    found = pg_client.simulate_get(ORGS, params={"search": "acme", "includeStaging": "true"})
    # exact in the name, exact elsewhere (the slug), a prefix, then one typo
    assert [o["name"] for o in assert_envelope(found, 200)] == [
        "Acme Widgets", "Zeta", "Acmex", "Acne Labs"]


def test_the_slug_race_gives_exactly_one_201(pg_client):
    statuses = race(20, lambda i: pg_client.simulate_post(
        ORGS, json={"name": f"Racer {i}", "slug": "contested"}).status_code)
    assert sorted(statuses) == [201] + [409] * 19


def test_a_key_revoked_by_another_replica_is_refused_once_notified(pg, pg_client):
    _, key = pg.store.api_keys.create(name="doomed", scopes=["*:*"])
    headers = {"Authorization": f"Bearer {key}"}
    assert_envelope(pg_client.simulate_get("/api/v1/roles", headers=headers), 200)  # cached
    with other_replica(pg) as connection:
        connection.execute("UPDATE api_key SET revoked_at = '2026-01-15T10:00:00.000000Z' "
                           "WHERE name = 'doomed'")
    watch = pg.store.changes.watch
    for _ in range(50):  # the notification of this process's own creating commit may come first
        watch.poll(timeout=0.1)
        result = pg_client.simulate_get("/api/v1/roles", headers=headers)
        if result.status_code == 401:
            break
    assert_envelope(result, 401)


def test_this_processs_own_commits_do_not_move_the_watch_twice(pg):
    """A commit of this process moved the watch's token at once; its notification, arriving
    later, must not move it again (answers cached in between would be dropped for nothing,
    and a check said to run no statement would run one). Another process's commit does."""
    from goldenrecord.store.postgresql.watch import NotifyWatch

    engine = pg.store.engine
    watch = NotifyWatch(engine.url, engine._db.backend_pids)  # stepped here, no thread
    watch._connection, watch._current = watch._listen(), next(watch._generation)
    first = watch.token()
    try:
        pg.store.organizations.create(name="Ours", slug="ours")
        assert watch.poll(timeout=5) and watch.token() == first
        with other_replica(pg) as connection:
            connection.execute("UPDATE organization SET name = 'Theirs' WHERE slug = 'ours'")
        for _ in range(50):  # this process's later notifications may come first
            if watch.poll(timeout=0.1) and watch.token() != first:
                break
        assert watch.token() != first
    finally:
        watch.close()


@contextlib.contextmanager
def limited(pg_config, clock, limit):
    """(service, client, key row, key): an instance whose free tier allows `limit` a
    minute, with a free key."""
    config = apps.config_for("unused.db", **{"database.url": pg_config.database.url,
                                             "database.secret_key": pg_config.database.secret_key,
                                             "rate_limits.free": str(limit)})
    with apps.service(config, clock=clock) as service:
        key_row, key = service.store.api_keys.create(name="k", scopes=["*:*"])
        yield service, falcon.testing.TestClient(service.app), key_row, key


def test_rate_limits_count_every_replicas_requests(pg_config, clock):
    with limited(pg_config, clock, 5) as (service, client, key_row, key):
        # the other replica: its own limiter, counting in the shared window
        other = SharedWindowLimiter(clock, RateWindows(service.store.db))
        assert [other.hit(key_row.id, 5).allowed for _ in range(3)] == [True] * 3
        headers = {"Authorization": f"Bearer {key}"}
        first = client.simulate_get("/api/v1/roles", headers=headers)
        assert first.headers["X-RateLimit-Remaining"] == "1"
        assert_envelope(client.simulate_get("/api/v1/roles", headers=headers), 200)
        assert_envelope(client.simulate_get("/api/v1/roles", headers=headers), 429,
                        "GR_RATE_LIMITED")
        assert not other.hit(key_row.id, 5).allowed


def test_a_replica_takes_a_keys_tokens_in_leases_never_past_the_limit(pg_config, clock):
    with limited(pg_config, clock, 1000) as (service, client, key_row, key):
        headers = {"Authorization": f"Bearer {key}"}
        assert lease_size(1000) == 10  # 1% of the limit
        first = client.simulate_get("/api/v1/roles", headers=headers)
        assert first.headers["X-RateLimit-Remaining"] == "999"  # a lease of 10, 1 spent
        with traced_statements(service.store) as statements:
            for _ in range(4):  # spent from the lease: no statement on the shared window
                assert_envelope(client.simulate_get("/api/v1/roles", headers=headers), 200)
        assert statements and [s for s in statements if "rate_window" in s] == []
        # the other replica takes the rest of the window, lease by lease, and is refused
        # while this one still holds 5: the bound's low side, limit - (2 - 1) * (10 - 1)
        other = SharedWindowLimiter(clock, RateWindows(service.store.db))
        on_other = sum(other.hit(key_row.id, 1000).allowed for _ in range(1000))
        assert on_other == 990 and 5 + on_other >= 1000 - 9
        # this one spends what it holds, then refuses: the limit, never more, in all
        for _ in range(5):
            assert_envelope(client.simulate_get("/api/v1/roles", headers=headers), 200)
        refused = client.simulate_get("/api/v1/roles", headers=headers)
        assert_envelope(refused, 429, "GR_RATE_LIMITED")
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert not other.hit(key_row.id, 1000).allowed
        clock.advance(seconds=60)  # a new window: new leases
        assert_envelope(client.simulate_get("/api/v1/roles", headers=headers), 200)


def test_a_search_reads_one_page_from_the_server_however_many_match(pg, pg_client, monkeypatch):
    """Ranking happens in the server: the search's statement returns the page (and one
    more, to tell that more follow), not every match for Python to rank."""
    from goldenrecord.search import engine

    for i in range(12):
        assert_envelope(pg_client.simulate_post(ORGS, json={"name": f"Company {'x' * i}",
                                                            "slug": f"c{i}"}), 201)
    db, returned = pg.store.db, []
    execute = db.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        cursor = execute(sql, params, *args, **kwargs)
        if "search_token" in sql and sql.lstrip().startswith("WITH"):
            returned.append(cursor.rowcount)
        return cursor

    monkeypatch.setattr(db, "execute_sql", counting)
    monkeypatch.setattr(engine, "TOTAL_CAP", 5)
    every = {"search": "company", "includeStaging": "true", "limit": 3}
    page = pg_client.simulate_get(ORGS, params=every)
    assert [o["name"] for o in assert_envelope(page, 200)] == ["Company", "Company x", "Company xx"]
    assert (page.json["meta"]["total"], page.json["meta"]["totalCapped"]) == (5, True)
    assert returned == [4]  # 3 and one more, of 12 matches
    typos = pg_client.simulate_get(ORGS, params={**every, "search": "compani"})
    assert len(assert_envelope(typos, 200)) == 3 and returned[1:] == [4]


def test_a_delivery_is_claimed_by_one_replica_and_retried_after_a_kill(pg_config, clock):
    config = apps.config_for("unused.db", **{"database.url": pg_config.database.url,
                                             "database.secret_key": pg_config.database.secret_key,
                                             "webhooks.allow_private_targets": "true"})
    receiver = Receiver()
    service = goldenrecord.GoldenRecord(config, clock=clock)  # the sender is stepped here
    try:
        _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
        client = falcon.testing.TestClient(service.app, headers={"Authorization": f"Bearer {key}"})
        assert_envelope(client.simulate_post("/api/v1/webhooks", json={
            "name": "r", "url": receiver.url, "events": ["organization.created"]}), 201)
        assert_envelope(client.simulate_post(ORGS, json={"name": "A", "slug": "a"}), 201)
        # a replica claims the delivery, then is killed before it sends
        [claimed] = service.store.events.due(clock(), 10)
        assert service.webhooks.deliver_due() == []  # claimed: no other replica sends it
        clock.advance(seconds=61)  # the claim's lease has passed
        [outcome] = service.webhooks.deliver_due()
        assert (outcome["id"], outcome["status"]) == (claimed.id, "succeeded")
        assert [json.loads(r["body"])["event"] for r in receiver.wait_for(1)] == [
            "organization.created"]
    finally:
        service.close()
        receiver.close()


def test_a_periodic_job_runs_once_across_replicas(pg, clock):
    from datetime import timedelta

    jobs = pg.store.jobs
    every = timedelta(hours=1)
    assert [jobs.due("demo", clock(), every), jobs.due("demo", clock(), every)] == [True, False]
    clock.advance(minutes=61)
    assert jobs.due("demo", clock(), every)


def test_backup_is_refused_with_the_command_to_use(pg, tmp_path):
    from goldenrecord.store import BackupError

    with pytest.raises(BackupError, match="pg_dump"):
        pg.store.engine.backup(str(tmp_path / "copy.db"))
    assert not (tmp_path / "copy.db").exists()


def test_the_password_is_never_shown():
    engine = PostgresEngine("postgresql://gr:s3cret@127.0.0.1:1/gr", secret_key="0" * 64)
    assert engine.path == "postgresql://gr:***@127.0.0.1:1/gr"


def test_copy_moves_a_sqlite_installation_with_a_count_check(tmp_path, pg_template, capsys):
    import postgres

    sqlite_config = apps.config_for(tmp_path / "old.db")
    with apps.service(sqlite_config) as old:
        _, key = old.store.api_keys.create(name="kept", scopes=["*:*"])
        client = falcon.testing.TestClient(old.app, headers={"Authorization": f"Bearer {key}"})
        for name, slug in (("Globex Industries", "globex"), ("Initech", "initech")):
            assert_envelope(client.simulate_post(ORGS, json={"name": name, "slug": slug}), 201)
        assert_envelope(client.simulate_post("/api/v1/users", json={"email": "a@example.com"}), 201)
        before = assert_envelope(client.simulate_get(ORGS, params={"includeStaging": "true"}), 200)
        (intact, audited), latest = old.store.audit.verify(), old.store.feed.latest()
        assert intact is None and audited >= 4 and latest == 3
    url = postgres.create(f"gr_copy_{id(tmp_path)}")
    try:
        status = goldenrecord.main(["copy", "--from", f"sqlite:{tmp_path / 'old.db'}",
                                    "--to", url, "--quiet"])
        assert status == 0, capsys.readouterr().err
        moved = apps.config_for(tmp_path / "unused.db", **{
            "database.url": url, "database.secret_key_file": str(tmp_path / "old.db.key")})
        with apps.service(moved) as new:
            client = falcon.testing.TestClient(new.app, headers={"Authorization": f"Bearer {key}"})
            after = client.simulate_get(ORGS, params={"includeStaging": "true"})
            assert assert_envelope(after, 200) == before and after.json["meta"]["total"] == 2
            # the audit chain and the feed come along as they were, and go on from there
            assert new.store.audit.verify() == (None, audited)
            assert new.store.feed.latest() == latest
            assert_envelope(client.simulate_post(ORGS, json={"name": "Hooli", "slug": "hooli"}), 201)
            assert new.store.audit.verify()[0] is None
            assert new.store.feed.latest() == latest + 1
            found = client.simulate_get(ORGS, params={"search": "initeh", "includeStaging": "true"})
            assert [o["slug"] for o in assert_envelope(found, 200)] == ["initech"]
            # the planner has statistics of the tables filled in bulk (typo look-ups by key)
            analyzed = new.store.db.execute_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL AND "
                "relname IN ('organization', 'search_token', 'search_variant')").fetchall()
            assert len(analyzed) == 3
        # a second copy into the now full database is refused, and changes nothing
        again = goldenrecord.main(["copy", "--from", f"sqlite:{tmp_path / 'old.db'}",
                                   "--to", url, "--quiet"])
        assert again == 2 and "already holds" in capsys.readouterr().err
    finally:
        postgres.drop(f"gr_copy_{id(tmp_path)}")


def test_copy_takes_every_table_of_sqlites_schema(tmp_path):
    import sqlite3

    from goldenrecord.store.postgresql.copying import NOT_COPIED, TABLES

    with apps.service(apps.config_for(tmp_path / "schema.db")):
        pass
    with sqlite3.connect(tmp_path / "schema.db") as db:
        tables = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_fts_%'")}
    assert tables - set(NOT_COPIED) == set(TABLES)


def test_tokens_indexed_before_migration_18_are_rebuilt_by_it(pg_template, tmp_path, clock,
                                                               monkeypatch):
    """A database at version 17 holds the tokens of the old fold (`łodz`); migrating it
    marks a rebuild, which the engine runs at once: `lodz` then finds the organization,
    and the mark is gone."""
    import postgres
    from goldenrecord.store import Store
    from goldenrecord.store.postgresql import migrations as pg_migrations

    name = f"gr_before18_{id(tmp_path)}"
    config = apps.config_for(tmp_path / "unused.db", **{
        "database.url": postgres.create(name), "database.secret_key": pg_template.key})
    try:
        monkeypatch.setattr(pg_migrations, "MIGRATIONS",
                            [m for m in pg_migrations.MIGRATIONS if max(m[0]) < 18])
        old = Store(engine_for(config.database), clock=clock)
        old.migrate()
        stamp = "2026-01-01T00:00:00.000000Z"
        old.db.execute_sql("INSERT INTO organization (id, name, slug, is_verified, created_at, "
                           "updated_at) VALUES ('org_old', 'Łódź Works', 'lodz-works', 1, ?, ?)",
                           (stamp, stamp))
        old.db.execute_sql("INSERT INTO search_token VALUES ('organization', 'łodz', 'org_old', 0), "
                           "('organization', 'works', 'org_old', 0)")
        old.engine.close()
        monkeypatch.undo()
        with apps.service(config, clock=clock) as new:
            assert new.store.db.execute_sql(
                "SELECT to_regclass('search_rebuild_due')").fetchone()[0] is None
            _, key = new.store.api_keys.create(name="admin", scopes=["*:*"])
            client = falcon.testing.TestClient(new.app, headers={"Authorization": f"Bearer {key}"})
            found = client.simulate_get(ORGS, params={"search": "lodz"})
            assert [o["id"] for o in assert_envelope(found, 200)] == ["org_old"]
    finally:
        postgres.drop(name)


def test_typo_index_before_migration_27_is_carried_over_by_term_id(pg_template, tmp_path,
                                                                    clock, monkeypatch):
    """A database at version 26 keeps each variant row with its term's text; migration 27
    numbers the terms and keeps every row under its term's id (a stale row, whose term is
    gone, is dropped): a typo still finds the organization, and a new term gets the next id."""
    import postgres
    from goldenrecord.search import typos
    from goldenrecord.store import Store
    from goldenrecord.store.postgresql import migrations as pg_migrations

    name = f"gr_before27_{id(tmp_path)}"
    config = apps.config_for(tmp_path / "unused.db", **{
        "database.url": postgres.create(name), "database.secret_key": pg_template.key})
    try:
        monkeypatch.setattr(pg_migrations, "MIGRATIONS",
                            [m for m in pg_migrations.MIGRATIONS if max(m[0]) < 27])
        old = Store(engine_for(config.database), clock=clock)
        old.migrate()
        stamp = "2026-01-01T00:00:00.000000Z"
        old.db.execute_sql("INSERT INTO organization (id, name, slug, is_verified, created_at, "
                           "updated_at) VALUES ('org_old', 'Umbrella Works', 'umbrella', 1, ?, ?)",
                           (stamp, stamp))
        old.db.execute_sql("INSERT INTO search_token VALUES ('organization', 'umbrella', "
                           "'org_old', 0), ('organization', 'works', 'org_old', 0)")
        rows = {(v, t) for t in ("umbrella", "works")
                for v in typos.variants(t, typos.term_edits(t))}
        old.db.execute_sql("INSERT INTO search_term VALUES ('umbrella'), ('works')")
        old.db.connection().executemany("INSERT INTO search_variant VALUES (?, ?)",
                                        [*rows, ("zzz", "gone")])
        old.engine.close()
        monkeypatch.undo()
        with apps.service(config, clock=clock) as new:
            db = new.store.db
            assert db.execute_sql("SELECT term FROM search_term ORDER BY id").fetchall() == [
                ("umbrella",), ("works",)]
            assert set(db.execute_sql("SELECT v.variant, t.term FROM search_variant v "
                                      "JOIN search_term t ON t.id = v.term_id").fetchall()) == rows
            assert db.execute_sql("SELECT count(*) FROM search_variant").fetchone()[0] == len(rows)
            _, key = new.store.api_keys.create(name="admin", scopes=["*:*"])
            client = falcon.testing.TestClient(new.app, headers={"Authorization": f"Bearer {key}"})
            found = client.simulate_get(ORGS, params={"search": "umbrela"})
            assert [o["id"] for o in assert_envelope(found, 200)] == ["org_old"]
            new.store.organizations.create(name="Umbrellas", slug="umbrellas")
            assert db.execute_sql("SELECT id FROM search_term WHERE term = 'umbrellas'"
                                  ).fetchone()[0] > 2
    finally:
        postgres.drop(name)
