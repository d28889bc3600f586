"""SQLite's migration 21 (store/migrations/m0021_joining.py) on PostgreSQL: external ids,
invitations (only the SHA-256 of a token is kept) and organizations' domains, whose
`verified_domain` UNIQUE makes a domain verified for one organization at a time (NULLs
never collide, on either engine). The statements are SQLite's, text compared bytewise."""
from goldenrecord.store.migrations import m0021_joining

from .p0015_baseline import text_as_sqlite

VERSIONS = (21,)
STATEMENTS = tuple(text_as_sqlite(s) for s in m0021_joining.STATEMENTS)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
