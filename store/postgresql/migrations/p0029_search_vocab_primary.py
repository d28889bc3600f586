"""SQLite's migration 29 (store/migrations/m0029_search_vocab_primary.py) on PostgreSQL.

`search_vocab_primary` is made for the same schema on both engines but stays empty here,
like `search_vocab` (p0020): it spares FTS5 a column-filtered read of a doclist, while
the token table (text.py) knows each token's column and never reads it.
"""
from .p0015_baseline import T

VERSIONS = (29,)
STATEMENTS = (f"CREATE TABLE search_vocab_primary (term {T} PRIMARY KEY)",)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
