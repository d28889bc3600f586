"""Search at scale: an index in search's rank order within a tier, so that a word most
rows hold is paged without sorting every match; and a vocabulary of the indexed terms, so
that a prefix is asked of FTS5 as the terms it stands for.

Within an exact or prefix tier, search ranks matches by the length of the tie column
(an organization's name, a user's email), then id (search/engine.py, `find`). For a word
in most names ("company") that meant sorting every match — hundreds of thousands at 1M
organizations — to serve 20. With rows indexed in that order, such a tier is walked from
its start instead, each row asked of the full-text index by rowid, and the walk stops at
the page's end. The expressions are the ones the search's SQL orders by, word for word,
which is what lets SQLite use the index for that ORDER BY.

FTS5 answers a prefix query ("organizati"*) by merging the whole doclist of every term
with that prefix before it yields a row: 50-100 ms at 1M organizations for a prefix of
a word in every name, even for one row. `search_vocab` lists the indexed terms, so that
a query's prefix becomes an OR of the (few) terms it stands for, which FTS5 reads lazily.
It is filled here from FTS5's own vocabulary, then kept by the search's index upkeep
(search/engine.py, `index_new`): a term is added with its first document and never
removed, since a term no document holds any more matches nothing.
"""
from goldenrecord import search

STATEMENTS = tuple(
    f"CREATE INDEX {table}_rank_order ON {table} (coalesce(length({tie}), 0), id)"
    for table, _, tie, _ in search.KINDS.values()
) + ("CREATE TABLE search_vocab (term TEXT PRIMARY KEY) WITHOUT ROWID",)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    for table, *_ in search.KINDS.values():
        db.execute_sql(f"CREATE VIRTUAL TABLE temp.{table}_terms USING "
                       f"fts5vocab(main, {table}_fts, row)")
        db.execute_sql(f"INSERT OR IGNORE INTO search_vocab SELECT term FROM temp.{table}_terms")
        db.execute_sql(f"DROP TABLE temp.{table}_terms")
