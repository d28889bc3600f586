"""Search folds transliterated and compatibility forms the same way on both sides.

`search.tokens` now folds `Łódź` to `lodz`, `Æon` to `aeon`, `ＡＣＭＥ` to `acme`; the
full-text indexes keep FTS5's forms (`łodz`, `æon`, `ａｃｍｅ`), and `search_fold` maps
the one to the other (search/forms.py). The typo variants of existing documents were made
under the old fold and the map is empty: both are rebuilt from the documents.

That rebuild is not done here, in the one transaction a migration has: at 100,000 records
it would hold the write lock for tens of seconds, stalling every other process's writers.
A database with documents is marked (`search_rebuild_due`); the batched rebuild of
search/rebuild.py then runs right after the migrations, in short write transactions, and
removes the mark when it has finished, so one cut short runs again at the next start.
"""


def apply(db, now):
    db.execute_sql("CREATE TABLE search_fold (fold TEXT NOT NULL, term TEXT NOT NULL, "
                   "PRIMARY KEY (fold, term)) WITHOUT ROWID")
    documents = db.execute_sql(
        'SELECT EXISTS (SELECT 1 FROM organization) OR EXISTS (SELECT 1 FROM "user")').fetchone()[0]
    if documents:
        db.execute_sql("CREATE TABLE search_rebuild_due (since TEXT NOT NULL)")
        db.execute_sql("INSERT INTO search_rebuild_due VALUES (?)", (now.isoformat(),))
