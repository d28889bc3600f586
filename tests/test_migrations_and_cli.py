import sqlite3

import pytest

import goldenrecord
from goldenrecord import store
from goldenrecord.store.migrations import LATEST, MIGRATIONS, current_version
from support import variant_rows


def test_migrate_is_idempotent_and_recorded(tmp_path):
    path = tmp_path / "m.db"
    opened = store.Store(path)
    assert opened.migrate() == [v for v, _, _ in MIGRATIONS]
    assert opened.migrate() == []
    assert current_version(opened.db) == LATEST
    opened.close()
    rows = sqlite3.connect(path).execute("SELECT version, name FROM schema_migrations").fetchall()
    assert rows == [(v, n) for v, n, _ in MIGRATIONS]


def test_database_settings(tmp_path):
    opened = store.Store(tmp_path / "p.db")
    pragma = lambda name: opened.db.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    # NORMAL: a COMMIT appends to the WAL; the writer then waits for the group fsync
    # (store/sqlite/durability.py, tests/test_group_commit.py) before a 2xx
    assert pragma("synchronous") == 1
    assert pragma("busy_timeout") >= 5000
    opened.close()


def test_seeded_once(tmp_path):
    opened = store.Store(tmp_path / "s.db")
    opened.migrate()
    opened.migrate()
    count = opened.db.execute_sql("SELECT count(*) FROM permission").fetchone()[0]
    assert count == 8
    opened.close()


def test_keys_create_prints_only_the_key(tmp_path, capsys):
    db = str(tmp_path / "k.db")
    assert goldenrecord.main(["keys", "create", "--db", db, "--name", "ci", "--scope", "users:read",
                              "--scope", "roles:read", "--tier", "pro", "--allowed-ip", "10.0.0.0/8",
                              "--expires-at", "2099-01-01T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    plaintext = out.strip()
    assert out == plaintext + "\n" and plaintext.startswith("gr_live_")
    opened = store.Store(db)
    key = opened.api_keys.find(plaintext)
    assert key.scopes == ["users:read", "roles:read"]
    assert (key.tier, key.allowed_ips, key.name) == ("pro", ["10.0.0.0/8"], "ci")
    assert key.expires_at.year == 2099
    opened.close()


@pytest.mark.parametrize("args, named", [
    (["--scope", "nope:nope"], "scopes"),
    (["--scope", "users:read", "--tier", "gold"], "tier"),
    (["--scope", "users:read", "--allowed-ip", "300.1.1.1"], "allowedIps"),
    (["--scope", "users:read", "--expires-at", "2001-01-01T00:00:00Z"], "expiresAt"),
    (["--scope", "users:read", "--org", "00000000-0000-4000-8000-000000000000"], "organizationId"),
])
def test_keys_create_refuses_bad_input(tmp_path, capsys, args, named):
    code = goldenrecord.main(["keys", "create", "--db", str(tmp_path / "k.db"), "--name", "x", *args])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert named in captured.err


def test_bootstrap_key_from_environment(store):
    wanted = "gr_live_" + "b" * 40
    announced = []
    goldenrecord.ensure_admin_key(store, {"GOLDENRECORD_BOOTSTRAP_KEY": wanted}, announced.append)
    goldenrecord.ensure_admin_key(store, {"GOLDENRECORD_BOOTSTRAP_KEY": wanted}, announced.append)
    assert announced == []
    key = store.api_keys.find(wanted)
    assert key.scopes == ["*:*"]
    assert store.db.execute_sql("SELECT count(*) FROM api_key").fetchone()[0] == 1


def test_malformed_bootstrap_key_is_a_startup_error(store):
    with pytest.raises(goldenrecord.ConfigError, match="GOLDENRECORD_BOOTSTRAP_KEY"):
        goldenrecord.ensure_admin_key(store, {"GOLDENRECORD_BOOTSTRAP_KEY": "gr_live_short"}, print)


def test_first_start_key_is_announced_once(store):
    announced = []
    goldenrecord.ensure_admin_key(store, {}, announced.append)
    goldenrecord.ensure_admin_key(store, {}, announced.append)
    assert len(announced) == 1
    assert store.api_keys.find(announced[0]).scopes == ["*:*"]


def test_an_existing_database_upgrades_in_place_without_loss(tmp_path, monkeypatch):
    """Today's database under tomorrow's code: the new migration runs once, data stays."""
    import types

    from goldenrecord.store import migrations

    path = tmp_path / "u.db"
    opened = store.Store(path)
    opened.migrate()
    org = opened.organizations.create(name="Kept", slug="kept")
    opened.close()

    def add_column(db, now):
        db.execute_sql("ALTER TABLE organization ADD COLUMN tagline TEXT NOT NULL DEFAULT ''")

    future = types.SimpleNamespace(apply=add_column)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (LATEST + 1, "tagline", future)])
    reopened = store.Store(path)
    assert reopened.migrate() == [LATEST + 1]
    assert reopened.migrate() == []
    row = reopened.db.execute_sql("SELECT name, slug, tagline FROM organization WHERE id = ?",
                                  (org.id,)).fetchone()
    assert row == ("Kept", "kept", "")
    reopened.close()


def test_migration_12_drops_orphaned_and_unbounded_typo_variants(tmp_path):
    """A database written before the variant index had bounds and upkeep: the rows left
    by deleted names, and every 2-deletion variant of a 40-letter term, go; the variants
    of the names still there are those a rebuild makes."""
    from goldenrecord import search

    opened = store.Store(tmp_path / "v.db")
    opened.migrate()
    opened.organizations.create(name="Acme Corporation", slug="acme")
    long_term = "x" * 20 + "y" * 20
    left = {(v, t) for t in ("umbrella", long_term) for v in search.typos.variants(t)}
    opened.db.execute_sql("INSERT INTO search_term (term) VALUES ('umbrella'), (?)", (long_term,))
    opened.db.connection().executemany(
        "INSERT INTO search_variant SELECT ?, id FROM search_term WHERE term = ?", left)
    opened.db.execute_sql("DELETE FROM schema_migrations WHERE version = 12")
    kept = variant_rows(opened.db) - left
    assert opened.migrate() == [12]
    rows = variant_rows(opened.db)
    assert rows == kept and {t for _, t in rows} >= {"acme", "corporation"}
    opened.close()


def test_migration_16_upgrades_memberships_and_permissions_in_place(tmp_path, monkeypatch):
    """A database from before issue 19: its memberships become active, the reference's
    eight permissions built in, its roles environment-wide, and the check works on them."""
    from goldenrecord.store import migrations

    # m0024 ranks roles by organization_id, which m0016 adds: it waits for m0016 too
    before = [m for m in MIGRATIONS if m[0] not in (16, 24)]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    opened = store.Store(tmp_path / "m16.db")
    opened.migrate()
    org = opened.organizations.create(name="Kept", slug="kept")
    user = opened.users.create(email="kept@example.com")
    opened.db.execute_sql(
        "INSERT INTO membership (id, organization_id, user_id, role_id, is_owner, created_at, "
        "updated_at) VALUES ('mem_1', ?, ?, 'role_member', 0, '2026-01-01T00:00:00.000000Z', "
        "'2026-01-01T00:00:00.000000Z')", (org.id, user.id))
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS)
    assert opened.migrate() == [16, 24]
    assert opened.db.execute_sql("SELECT status FROM membership").fetchall() == [("active",)]
    assert opened.db.execute_sql(
        "SELECT id FROM permission WHERE is_system = 1 ORDER BY id").fetchall() == [
        (f"perm_0{n}",) for n in range(1, 9)]
    assert opened.db.execute_sql(
        "SELECT count(*) FROM role WHERE organization_id IS NOT NULL").fetchone() == (0,)
    authorized, role = opened.authorization.check(user.id, org.id, "organizations:read")
    assert authorized is True and role.slug == "member"
    opened.close()


def test_migration_24_ranks_existing_roles(tmp_path, monkeypatch):
    """A database from before role priority: Admin, Member, then environment roles as made;
    an organization's roles below them, in its own order; memberships' roles set by hand."""
    from goldenrecord.store import migrations

    monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != 24])
    opened = store.Store(tmp_path / "m24.db")
    opened.migrate()
    org = opened.organizations.create(name="Kept", slug="kept")
    for role_id, organization_id, made in (("role_b", None, "02"), ("role_a", None, "01"),
                                           ("role_o2", org.id, "04"), ("role_o1", org.id, "03")):
        opened.db.execute_sql(
            "INSERT INTO role (id, name, slug, is_system, organization_id, created_at) "
            "VALUES (?, ?, ?, 0, ?, ?)",
            (role_id, role_id, role_id.replace("_", "-"), organization_id,
             f"2026-01-{made}T00:00:00.000000Z"))
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS)
    assert opened.migrate() == [24]
    assert opened.db.execute_sql("SELECT id, priority FROM role ORDER BY priority").fetchall() == [
        ("role_admin", 1000), ("role_member", 2000), ("role_a", 3000), ("role_b", 4000),
        ("role_o1", 4001), ("role_o2", 4002)]
    opened.close()


def test_migration_27_carries_the_typo_index_over_by_term_id(tmp_path):
    """A database from before migration 27, whose variant rows hold their term's text: its
    terms are numbered in their order, every variant row is kept under its term's id (a
    stale one, whose term is gone, is dropped), and every search finds what it found."""
    from goldenrecord.store.migrations import m0004_search

    opened = store.Store(tmp_path / "m26.db")
    opened.migrate()
    for name, slug in (("Acme Corporation", "acme"), ("Globexian Industries", "globex"),
                       ("Umbrella Holdings", "umbrella"), ("Łódź Ørsted", "lodz")):
        opened.organizations.create(name=name, slug=slug)
    opened.users.create(email="ximena@initech.com", first_name="Ximena")
    queries = ("acme", "acme corp", "acmw", "globx industres", "umbrela hodlings", "lodx", "orst")

    def searches():
        return ([[o.id for o in opened.organizations.list(
                     limit=5, search=q, include_staging=True).items] for q in queries],
                [u.id for u in opened.users.list(limit=5, search="ximeana").items])

    terms = [row[0] for row in opened.db.execute_sql("SELECT term FROM search_term ORDER BY term")]
    rows, found = variant_rows(opened.db), searches()
    assert all(found[0][:-1]) and found[1]
    # migration 27 taken back out: the tables as migration 4 made them, with the same rows
    for sql in ("ALTER TABLE search_term RENAME TO new_term",
                "ALTER TABLE search_variant RENAME TO new_variant",
                *m0004_search.STATEMENTS[-2:],
                "INSERT INTO search_term SELECT term FROM new_term",
                "INSERT INTO search_variant SELECT v.variant, t.term FROM new_variant v "
                "JOIN new_term t ON t.id = v.term_id",
                "INSERT INTO search_variant VALUES ('zzz', 'gone')",
                "DROP TABLE new_variant", "DROP TABLE new_term",
                "DELETE FROM schema_migrations WHERE version = 27"):
        opened.db.execute_sql(sql)
    assert opened.migrate() == [27]
    assert opened.db.execute_sql("SELECT term FROM search_term ORDER BY id").fetchall() == [
        (term,) for term in terms]
    assert variant_rows(opened.db) == rows and searches() == found
    later = opened.organizations.create(name="Acmeo Labs", slug="acmeo")  # ids go on
    assert later.id in [o.id for o in opened.organizations.list(limit=5, search="acmeu",
                                                               include_staging=True).items]
    opened.close()
