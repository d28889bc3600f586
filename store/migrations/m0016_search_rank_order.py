"""An index in search's rank order within a tier, so that a word most rows hold is paged
without sorting every match.

Within an exact or prefix tier, search ranks matches by the length of the tie column
(an organization's name, a user's email), then id (search/engine.py, `find`). For a word
in most names ("company") that meant sorting every match — hundreds of thousands at 1M
organizations — to serve 20. With rows indexed in that order, such a tier is walked from
its start instead, each row asked of the full-text index by rowid, and the walk stops at
the page's end. The expressions are the ones the search's SQL orders by, word for word,
which is what lets SQLite use the index for that ORDER BY.
"""
from goldenrecord import search

STATEMENTS = tuple(
    f"CREATE INDEX {table}_rank_order ON {table} (coalesce(length({tie}), 0), id)"
    for table, _, tie, _ in search.KINDS.values())


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
