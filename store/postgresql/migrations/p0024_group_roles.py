"""SQLite's migration 24 (store/migrations/m0024_group_roles.py) on PostgreSQL: role
priority, SCIM groups mapped to roles, who gave a membership its role; the existing roles
numbered as SQLite numbers them. The statements are SQLite's, text compared bytewise."""
from goldenrecord.store.migrations import m0024_group_roles

from .p0015_baseline import text_as_sqlite

VERSIONS = (24,)
STATEMENTS = tuple(text_as_sqlite(s) for s in m0024_group_roles.STATEMENTS)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    m0024_group_roles.rank_existing(db)
