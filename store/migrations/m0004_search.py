"""Full-text indexes (FTS5) over organizations and users, kept in step by triggers, and
the deletion-variant index that finds typo candidates."""
from goldenrecord import search
_TOKENIZER = "tokenize='unicode61 remove_diacritics 2'"


def _indexed(table, columns):
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='rowid', {_TOKENIZER})",
        f"CREATE VIRTUAL TABLE {table}_terms USING fts5vocab({fts}, 'row')",
        f"CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new}); END",
        f"CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); END",
        f"CREATE TRIGGER {table}_fts_update AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); "
        f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new}); END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]


STATEMENTS = [
    *_indexed("organization", ("name", "slug", "domain")),
    *_indexed("user", ("email", "first_name", "last_name")),
    "CREATE TABLE search_term (term TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE search_variant (variant TEXT NOT NULL, term TEXT NOT NULL, "
    "PRIMARY KEY (variant, term)) WITHOUT ROWID",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    search.reindex_terms(db)
