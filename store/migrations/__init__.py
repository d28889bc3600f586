"""Numbered schema migrations, applied in order and recorded in `schema_migrations`.

Each migration is a module with `apply(db, now)`; one that seals secrets
(`SEALS_SECRETS = True`) has `apply(db, now, seal)` and is given the database's sealing
function, since the key that seals them is kept outside the database. They are listed
here by import rather than discovered on disk, so they work the same from a checkout, a
wheel or a zipapp.
A released migration is never edited: a later change is a new module appended below.
"""
from datetime import datetime, timezone

import peewee as pw

from . import (m0001_initial, m0002_request_log, m0003_webhooks, m0004_search, m0005_workos,
               m0006_search_generation, m0007_admin, m0008_idempotency,
               m0009_api_key_generation, m0010_admin_sign_out,
               m0011_idempotency_sealed, m0012_search_variant_bounds,
               m0013_operator_keys_enterprise, m0014_secrets_sealed, m0015_row_counts,
               m0016_authorization, m0017_active_counts,
               m0018_search_folding, m0019_events_audit,
               m0020_search_at_scale, m0021_joining, m0022_workos_orgs,
               m0023_scim, m0024_group_roles, m0025_scim_users,
               m0026_webhook_secret_grace, m0027_search_term_ids,
               m0028_organization_rows, m0029_search_vocab_primary)

MIGRATIONS = [
    (1, "initial", m0001_initial),
    (2, "request_log", m0002_request_log),
    (3, "webhooks", m0003_webhooks),
    (4, "search", m0004_search),
    (5, "workos", m0005_workos),
    (6, "search_generation", m0006_search_generation),
    (7, "admin", m0007_admin),
    (8, "idempotency", m0008_idempotency),
    (9, "api_key_generation", m0009_api_key_generation),
    (10, "admin_sign_out", m0010_admin_sign_out),
    (11, "idempotency_sealed", m0011_idempotency_sealed),
    (12, "search_variant_bounds", m0012_search_variant_bounds),
    (13, "operator_keys_enterprise", m0013_operator_keys_enterprise),
    (14, "secrets_sealed", m0014_secrets_sealed),
    (15, "row_counts", m0015_row_counts),
    (16, "authorization", m0016_authorization),
    (17, "active_counts", m0017_active_counts),
    (18, "search_folding", m0018_search_folding),
    (19, "events_audit", m0019_events_audit),
    (20, "search_rank_order", m0020_search_at_scale),
    (21, "joining", m0021_joining),
    (22, "workos_orgs", m0022_workos_orgs),
    (23, "scim", m0023_scim),
    (24, "group_roles", m0024_group_roles),
    (25, "scim_users", m0025_scim_users),
    (26, "webhook_secret_grace", m0026_webhook_secret_grace),
    (27, "search_term_ids", m0027_search_term_ids),
    (28, "organization_rows", m0028_organization_rows),
    (29, "search_vocab_primary", m0029_search_vocab_primary),
]

LATEST = MIGRATIONS[-1][0]


def applied_versions(db):
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in db.execute_sql("SELECT version FROM schema_migrations")}


def migrate(db, now=None, progress=None, seal=None):
    """Bring the schema up to date; returns the versions applied (empty when current).

    Each migration runs in its own IMMEDIATE transaction together with its history row,
    so two processes migrating the same file at once cannot both apply it.
    `progress(count, total)`, if given, hears of each migration checked or applied. `seal`
    (text -> sealed text) is for the migrations that seal secrets. Once any has run, the
    WAL is checkpointed and emptied: the page images it held from before (plaintext
    secrets that m0011 and m0014 wiped among them) do not stay in the file.
    """
    done = []
    for checked, (version, name, module) in enumerate(MIGRATIONS, start=1):
        with db.atomic("IMMEDIATE"):
            if version not in applied_versions(db):
                stamp = now or datetime.now(timezone.utc)
                _apply(module, db, stamp, seal)
                db.execute_sql(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (version, name, stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
                )
                done.append(version)
        if progress is not None:
            progress(checked, len(MIGRATIONS))
    if done:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return done


def _apply(module, db, now, seal):
    """Apply `module`; one that seals secrets is given `seal`, since their key is not in
    the database for it to find."""
    if not getattr(module, "SEALS_SECRETS", False):
        return module.apply(db, now)
    if seal is None:
        raise TypeError(f"{module.__name__} seals secrets: migrate() needs `seal`")
    return module.apply(db, now, seal)


def pending(db):
    """The versions this code knows that `db` lacks, read without writing (a migration in
    another process commits each version in its own transaction, so this also sees one
    under way)."""
    try:
        applied = {row[0] for row in db.execute_sql("SELECT version FROM schema_migrations")}
    except pw.OperationalError:  # no history table: nothing was ever applied
        applied = set()
    return [version for version, _, _ in MIGRATIONS if version not in applied]


def current_version(db):
    versions = applied_versions(db)
    return max(versions) if versions else 0
