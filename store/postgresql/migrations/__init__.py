"""PostgreSQL's migrations, numbered as SQLite's (store/migrations/), so that a database
of either engine tells its schema by the same versions.

`MIGRATIONS` lists (versions, name, module): the versions one module brings the schema
to, recorded together in `schema_migrations`. The baseline makes in one step what
SQLite's 1 to 15 made; each later SQLite migration m00NN gets a module pNNNN_<name>.py
here with `VERSIONS = (NN,)` and `apply(db, now)` (or `apply(db, now, seal)` with
`SEALS_SECRETS = True`), listed below: the same change in PostgreSQL's dialect
(docs/postgresql.md, *Adding a migration*). tests/test_postgresql.py checks that every
SQLite version has its PostgreSQL module.

Migrating takes a session advisory lock first, so replicas that start together migrate
one after the other: the second finds nothing left to do. Each module runs in its own
transaction with its history rows, as on SQLite.
"""
from datetime import datetime, timezone

from ...migrations import MIGRATIONS as SQLITE_MIGRATIONS
from . import (p0015_baseline, p0016_authorization, p0017_active_counts, p0018_search_folding,
               p0019_events_audit, p0020_search_at_scale, p0021_joining, p0022_workos_orgs,
               p0023_scim, p0024_group_roles,
               p0025_scim_users, p0026_webhook_secret_grace,
               p0027_search_term_ids, p0028_organization_rows,
               p0029_search_vocab_primary)

MIGRATIONS = [
    (p0015_baseline.VERSIONS, "baseline", p0015_baseline),
    (p0016_authorization.VERSIONS, "authorization", p0016_authorization),
    (p0017_active_counts.VERSIONS, "active_counts", p0017_active_counts),
    (p0018_search_folding.VERSIONS, "search_folding", p0018_search_folding),
    (p0019_events_audit.VERSIONS, "events_audit", p0019_events_audit),
    (p0020_search_at_scale.VERSIONS, "search_at_scale", p0020_search_at_scale),
    (p0021_joining.VERSIONS, "joining", p0021_joining),
    (p0022_workos_orgs.VERSIONS, "workos_orgs", p0022_workos_orgs),
    (p0023_scim.VERSIONS, "scim", p0023_scim),
    (p0024_group_roles.VERSIONS, "group_roles", p0024_group_roles),
    (p0025_scim_users.VERSIONS, "scim_users", p0025_scim_users),
    (p0026_webhook_secret_grace.VERSIONS, "webhook_secret_grace", p0026_webhook_secret_grace),
    (p0027_search_term_ids.VERSIONS, "search_term_ids", p0027_search_term_ids),
    (p0028_organization_rows.VERSIONS, "organization_rows", p0028_organization_rows),
    (p0029_search_vocab_primary.VERSIONS, "search_vocab_primary", p0029_search_vocab_primary),
]

# The advisory lock key migrations hold (any constant; `goldenrecord` spelt in hex-ish).
MIGRATION_LOCK = 0x601D_4EC0


def _history(db):
    db.execute_sql("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   'name TEXT COLLATE "C" NOT NULL, applied_at TEXT COLLATE "C" NOT NULL)')


def applied_versions(db):
    """The versions recorded; None when there is no history table yet."""
    exists = db.execute_sql("SELECT to_regclass('schema_migrations')").fetchone()[0]
    if exists is None:
        return None
    return {row[0] for row in db.execute_sql("SELECT version FROM schema_migrations")}


def migrate(db, now=None, progress=None, seal=None):
    """Bring the schema up to date under the migration lock; returns the versions
    applied (empty when current)."""
    done = []
    db.execute_sql("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
    try:
        _history(db)
        for checked, (versions, name, module) in enumerate(MIGRATIONS, start=1):
            with db.atomic():
                if not set(versions) <= (applied_versions(db) or set()):
                    stamp = now or datetime.now(timezone.utc)
                    _apply(module, db, stamp, seal)
                    for version in versions:
                        db.execute_sql("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                       (version, _name(version, name),
                                        stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
                    done.extend(versions)
            if progress is not None:
                progress(checked, len(MIGRATIONS))
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))
    return done


def _apply(module, db, now, seal):
    """Apply `module`; one that seals secrets is given `seal`, as on SQLite."""
    if not getattr(module, "SEALS_SECRETS", False):
        return module.apply(db, now)
    if seal is None:
        raise TypeError(f"{module.__name__} seals secrets: migrate() needs `seal`")
    return module.apply(db, now, seal)


def _name(version, name):
    """The history name of `version`: SQLite's name for it, so both engines agree."""
    return next((n for v, n, _ in SQLITE_MIGRATIONS if v == version), name)


def pending(db):
    """The versions of SQLite's history that `db` lacks, read without writing."""
    applied = applied_versions(db) or set()
    known = {v for versions, _, _ in MIGRATIONS for v in versions}
    return [version for version, _, _ in SQLITE_MIGRATIONS
            if version not in applied or version not in known]


def current_version(db):
    versions = applied_versions(db)
    return max(versions) if versions else 0
