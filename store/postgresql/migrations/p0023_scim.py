"""SQLite's migration 23 (store/migrations/m0023_scim.py) on PostgreSQL: SCIM groups of an
organization (display name unique there, gone with the organization) and their members
(gone with the group or the user). The statements are SQLite's, text compared bytewise."""
from goldenrecord.store.migrations import m0023_scim

from .p0015_baseline import text_as_sqlite

VERSIONS = (23,)
STATEMENTS = tuple(text_as_sqlite(s) for s in m0023_scim.STATEMENTS)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
