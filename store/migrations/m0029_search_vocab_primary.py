"""The primary vocabulary: the indexed terms some primary column may hold (issue 17).

A search ranks first the rows holding every query word in a primary column (an
organization's name, a user's first or last name: search/engine.py, `PRIMARY`), and asked
FTS5 for that tier with a column filter. A column filter has no index of its own: FTS5
reads the term's whole doclist to find that no primary column holds it — `co` stands for
`com`, in every organization's domain and in no name, a million postings (about 20 ms at
1M organizations) before the next tier could be served; the user search `u` (every email
begins `user…`) about 50 ms. With `search_vocab_primary` listing the terms a primary
column holds, such a tier is known empty from one look-up and never asked
(`engine._primary_tiers`).

It is filled here from FTS5's own vocabulary, per column (fts5vocab's `col` table), then
kept by the search's index upkeep beside `search_vocab` (`engine._add_vocabulary`): a term
is added with the first primary column that holds it and never removed — a stale entry
only costs the look-up FTS5 would have made anyway.
"""
from goldenrecord.search.engine import KINDS, PRIMARY

STATEMENTS = ("CREATE TABLE search_vocab_primary (term TEXT PRIMARY KEY) WITHOUT ROWID",)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    for kind, (table, *_) in KINDS.items():
        columns = ", ".join(f"'{column}'" for column in PRIMARY[kind])
        db.execute_sql(f"CREATE VIRTUAL TABLE temp.{table}_columns USING "
                       f"fts5vocab(main, {table}_fts, col)")
        db.execute_sql("INSERT OR IGNORE INTO search_vocab_primary SELECT term FROM "
                       f"temp.{table}_columns WHERE col IN ({columns})")
        db.execute_sql(f"DROP TABLE temp.{table}_columns")
