"""The typo index keeps each term once, by an integer id (issue 17: the index's size).

`search_variant` held (variant, term): the term's text repeated in each of its ~19 variant
rows, 3.6× the bytes of the organization table it indexes. Now `search_term` numbers the
terms (`id INTEGER PRIMARY KEY AUTOINCREMENT`, the term UNIQUE) and a variant row is
(variant, term_id), a varint of 1-4 bytes where the term took 7 on average. AUTOINCREMENT,
so an id is never given again: a variant row left behind by a removed term (the batched
rebuild sweeps them, search/rebuild.py) can only point at no term, never at another one.

The rows are carried over as they are, in two INSERT ... SELECT statements: the terms in
their order (so ids follow it, and the variant table is written in key order), then every
variant row joined to its term's new id. Variant rows whose term is not indexed (stale)
are dropped, as the rebuild's sweep would. A database with no terms (a new one) has the
old tables dropped first, so that the new ones take their pages and the file is left
without free pages.
"""

RENAME = ("ALTER TABLE search_variant RENAME TO search_variant_old",
          "ALTER TABLE search_term RENAME TO search_term_old")
DROP = ("DROP TABLE search_variant_old", "DROP TABLE search_term_old")
CREATE = (
    "CREATE TABLE search_term (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "term TEXT NOT NULL UNIQUE)",
    "CREATE TABLE search_variant (variant TEXT NOT NULL, term_id INTEGER NOT NULL, "
    "PRIMARY KEY (variant, term_id)) WITHOUT ROWID",
)
CARRY_OVER = (
    "INSERT INTO search_term (term) SELECT term FROM search_term_old ORDER BY term",
    "INSERT INTO search_variant (variant, term_id) SELECT v.variant, t.id "
    "FROM search_variant_old v JOIN search_term t ON t.term = v.term ORDER BY v.variant, t.id",
)


def apply(db, now):
    for statement in statements(db, RENAME, CREATE):
        db.execute_sql(statement)


def statements(db, rename, create):
    """The statements that replace the tables of `db`, given those that rename the old
    ones and create the new (PostgreSQL's twin gives its own)."""
    if db.execute_sql("SELECT 1 FROM search_term LIMIT 1").fetchone() is None:
        return ("DROP TABLE search_variant", "DROP TABLE search_term", *create)
    return (*rename, *create, *CARRY_OVER, *DROP)
