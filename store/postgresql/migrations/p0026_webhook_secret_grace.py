"""SQLite's migration 26 (store/migrations/m0026_webhook_secret_grace.py) on PostgreSQL: the
statements are SQLite's, text compared bytewise."""
from goldenrecord.store.migrations import m0026_webhook_secret_grace

from .p0015_baseline import text_as_sqlite

VERSIONS = (26,)
STATEMENTS = tuple(text_as_sqlite(s) for s in m0026_webhook_secret_grace.STATEMENTS)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
