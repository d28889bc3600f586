"""SQLite's migration 20 (store/migrations/m0020_search_at_scale.py) on PostgreSQL.

The rank-order indexes are made alike (the tie column's length, then id: the order a
search tier is ranked in). `search_vocab` is made for the same schema on both engines but
stays empty here: it lets FTS5 read a prefix as the terms it stands for, while the token
table (text.py) answers a prefix by a range of its primary key (`token >= ? AND token < ?`)
and never reads it.
"""
from goldenrecord import search

from .p0015_baseline import T

VERSIONS = (20,)

STATEMENTS = tuple(
    f'CREATE INDEX {table}_rank_order ON "{table}" (coalesce(length({tie}), 0), id)'
    for table, _, tie, _ in search.KINDS.values()
) + (f"CREATE TABLE search_vocab (term {T} PRIMARY KEY)",)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
