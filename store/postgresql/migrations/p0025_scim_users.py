"""SQLite's migration 25 (store/migrations/m0025_scim_users.py) on PostgreSQL: SCIM users'
own userName and emails, and the index of their addresses. The statements are SQLite's,
text compared bytewise, without SQLite's WITHOUT ROWID (PostgreSQL's tables have no rowid:
the primary key is an index either way)."""
from goldenrecord.store.migrations import m0025_scim_users

from .p0015_baseline import text_as_sqlite

VERSIONS = (25,)
STATEMENTS = tuple(text_as_sqlite(s.replace(" WITHOUT ROWID", ""))
                   for s in m0025_scim_users.STATEMENTS)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
