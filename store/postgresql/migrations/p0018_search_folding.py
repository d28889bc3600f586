"""SQLite's migration 18 (store/migrations/m0018_search_folding.py) on PostgreSQL.

`search.tokens` now folds transliterated and compatibility forms (`Łódź` is `lodz`). The
token table (text.py) is written by `tokens` itself, so it never holds another form than
a query reads and needs no map: `search_fold` is made for the same schema on both
engines and stays empty here. The tokens and typo variants of existing documents were
made under the old fold, though: a database with documents is marked
(`search_rebuild_due`, as on SQLite), and the engine rebuilds the index right after the
migrations in short write transactions (PgTextIndex.reindex), then removes the mark, so
a rebuild cut short runs again at the next start.
"""
from .p0015_baseline import T

VERSIONS = (18,)


def apply(db, now):
    db.execute_sql(f"CREATE TABLE search_fold (fold {T} NOT NULL, term {T} NOT NULL, "
                   "PRIMARY KEY (fold, term))")
    documents = db.execute_sql(
        'SELECT EXISTS (SELECT 1 FROM organization) OR EXISTS (SELECT 1 FROM "user")').fetchone()[0]
    if documents:
        db.execute_sql(f"CREATE TABLE search_rebuild_due (since {T} NOT NULL)")
        db.execute_sql("INSERT INTO search_rebuild_due VALUES (?)", (now.isoformat(),))
