"""Numbered schema migrations, applied in order and recorded in `schema_migrations`.

Each migration is a module with `apply(db, now)`. They are listed here by import rather
than discovered on disk, so they work the same from a checkout, a wheel or a zipapp.
A released migration is never edited: a later change is a new module appended below.
"""
from datetime import datetime, timezone

from . import (m0001_initial, m0002_request_log, m0003_webhooks, m0004_search, m0005_workos,
               m0006_search_generation, m0007_admin, m0008_idempotency,
               m0009_api_key_generation, m0010_admin_sign_out,
               m0011_idempotency_sealed, m0012_search_variant_bounds, m0013_row_counts)

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
    (13, "row_counts", m0013_row_counts),
]

LATEST = MIGRATIONS[-1][0]


def applied_versions(db):
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in db.execute_sql("SELECT version FROM schema_migrations")}


def migrate(db, now=None):
    """Bring the schema up to date; returns the versions applied (empty when current).

    Each migration runs in its own IMMEDIATE transaction together with its history row,
    so two processes migrating the same file at once cannot both apply it.
    """
    done = []
    for version, name, module in MIGRATIONS:
        with db.atomic("IMMEDIATE"):
            if version in applied_versions(db):
                continue
            stamp = now or datetime.now(timezone.utc)
            module.apply(db, stamp)
            db.execute_sql(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                (version, name, stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
            )
            done.append(version)
    return done


def current_version(db):
    versions = applied_versions(db)
    return max(versions) if versions else 0
