"""SQLite's migration 22 (store/migrations/m0022_workos_orgs.py) on PostgreSQL: the WorkOS
`updated_at` an organization and a membership were last applied from, a membership's
WorkOS id (unique; NULLs never collide), and where the incremental sync stopped. The
statements are SQLite's, text compared bytewise."""
from goldenrecord.store.migrations import m0022_workos_orgs

from .p0015_baseline import text_as_sqlite

VERSIONS = (22,)
STATEMENTS = tuple(text_as_sqlite(s) for s in m0022_workos_orgs.STATEMENTS)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
