"""The peewee models (store/models.py) describe the schema the migrations build.

A fresh database is built from the migrations, the models' own DDL in an empty in-memory
database, and the two are read back through SQLite's pragmas and compared table by table:
columns (type affinity, nullability), defaults, indexes and foreign keys. PostgreSQL's
migrations (store/postgresql/migrations/) are held to the same models: the session's
migrated PostgreSQL template is read back through its catalogs into the same shapes.
"""
import secrets

import peewee as pw
import pytest

from goldenrecord.store import models
from goldenrecord.store.migrations import migrate
from goldenrecord.store.vault import Vault

MODELS = sorted((m for m in vars(models).values() if isinstance(m, type)
                 and issubclass(m, models.BaseModel) and m is not models.BaseModel),
                key=lambda m: m._meta.table_name)

# Tables the migrations build that no model describes, and who reads them instead.
WITHOUT_MODEL = {
    "schema_migrations": "the migrations' own history (store/migrations)",
    "search_generation": "the change counters, read by SQL (store/changes.py)",
    "search_term": "the typo index, by SQL (search/)",
    "search_variant": "the typo index, by SQL (search/)",
    "search_fold": "the index forms of folded tokens, by SQL (search/forms.py)",
    "search_vocab": "the indexed terms, for prefixes, by SQL (search/)",
    "search_vocab_primary": "the terms primary columns hold, by SQL (search/engine.py)",
    "idempotent_answer": "sealed stored answers, by SQL (store/idempotency.py)",
    "row_count": "the lists' totals, kept by triggers, read by SQL (store/pages.py)",
    "admin_session_ended": "signed-out dashboard sessions, by SQL (store/adminsessions.py)",
    "feed_mark": "what pruning must remember, by SQL (store/feed.py, store/audit/)",
    "audit_entry": "the hash-chained audit log, by SQL (store/audit/)",
    "audit_action": "declared application actions, by SQL (store/audit/)",
}


# Tables PostgreSQL's migrations build beyond SQLite's, and who reads them instead.
POSTGRESQL_ONLY = {
    "job_run": "claims of periodic jobs' runs, by SQL (store/jobs.py)",
    "rate_window": "rate-limit windows shared by replicas, by SQL (store/ratelimits.py)",
    "search_token": "the text index's tokens, by SQL (store/postgresql/text.py)",
}
# PostgreSQL's column types by SQLite's type affinity (flags are 0/1 integers on both).
PG_AFFINITY = {"text": "TEXT", "character varying": "TEXT", "integer": "INTEGER",
               "bigint": "INTEGER", "smallint": "INTEGER", "double precision": "REAL",
               "real": "REAL", "bytea": "BLOB", "numeric": "NUMERIC"}
PG_RULES = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _affinity(declared):
    """SQLite's type affinity of a declared column type (sqlite.org/datatype3.html, 3.1)."""
    declared = declared.upper()
    if "INT" in declared:
        return "INTEGER"
    if any(part in declared for part in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in declared or not declared:
        return "BLOB"
    if any(part in declared for part in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _columns(connection, table):
    """name -> (affinity, not null). A primary key column counts as not null: SQLite lets a
    non-INTEGER key hold NULL unless it says NOT NULL (a legacy quirk, see
    sqlite.org/lang_createtable.html), which the migrations do not and the models do."""
    return {name: (_affinity(declared), bool(notnull or pk))
            for _, name, declared, notnull, _, pk in
            connection.execute(f'PRAGMA table_info("{table}")')}


def _indexes(connection, table):
    """{(columns, unique)}, whatever the index is called or however it was declared
    (inline UNIQUE, PRIMARY KEY or CREATE INDEX)."""
    found = set()
    for _, name, unique, *_ in connection.execute(f'PRAGMA index_list("{table}")'):
        columns = tuple(row[2] for row in connection.execute(f'PRAGMA index_info("{name}")'))
        found.add((columns, bool(unique)))
    return found


def _foreign_keys(connection, table):
    """{(column, referenced table, referenced column, on update, on delete)}."""
    return {(column, target, to, on_update, on_delete) for _, _, target, column, to, on_update,
            on_delete, _ in connection.execute(f'PRAGMA foreign_key_list("{table}")')}


def _shape(connection, table):
    return {"columns": _columns(connection, table), "indexes": _indexes(connection, table),
            "foreign keys": _foreign_keys(connection, table)}


def _tables(connection):
    """The ordinary tables (not FTS5's virtual and shadow tables, not SQLite's own)."""
    return {name for name, kind in connection.execute(
        "SELECT name, type FROM pragma_table_list WHERE schema = 'main'")
        if kind == "table" and not name.startswith("sqlite_")}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A connection to a fresh database built by every migration in order."""
    db = pw.SqliteDatabase(str(tmp_path_factory.mktemp("schema") / "migrated.db"))
    migrate(db, seal=Vault(secrets.token_bytes(32)).seal)
    yield db.connection()
    db.close()


@pytest.fixture(scope="module")
def declared():
    """A connection to an in-memory database holding the tables as the models declare them."""
    db = pw.SqliteDatabase(":memory:")
    with db.bind_ctx(MODELS):
        db.create_tables(MODELS)
    yield db.connection()
    db.close()


def test_every_migrated_table_has_a_model_or_a_reason(migrated, declared):
    assert _tables(declared) == {m._meta.table_name for m in MODELS}
    assert _tables(migrated) - _tables(declared) == set(WITHOUT_MODEL)
    assert _tables(declared) <= _tables(migrated)


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_the_model_declares_the_migrated_table(migrated, declared, model):
    table = model._meta.table_name
    assert _shape(declared, table) == _shape(migrated, table)


def _stored(connection, value):
    """`value` as SQLite stores it (True as 1, ...), for comparing with a column default."""
    return connection.execute("SELECT ?", (value,)).fetchone()[0]


def _pg_shape(connection, table):
    """`_shape` read from PostgreSQL's catalogs. An expression's place in an index is None,
    as SQLite's pragma gives it; a lone INTEGER primary key has no index of its own (it is
    SQLite's rowid), so PostgreSQL's for it is left out."""
    columns = {name: (PG_AFFINITY[kind], nullable == "NO") for name, kind, nullable in
               connection.execute("SELECT column_name, data_type, is_nullable FROM "
                                  "information_schema.columns WHERE table_schema = 'public' "
                                  "AND table_name = %s", (table,))}
    indexes = set()
    for names, unique, primary in connection.execute(
            "SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(n, o) "
            "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n "
            "ORDER BY k.o), i.indisunique, i.indisprimary FROM pg_index i "
            "WHERE i.indrelid = %s::regclass", (f'"{table}"',)):
        if not (primary and len(names) == 1 and columns[names[0]][0] == "INTEGER"):
            indexes.add((tuple(names), unique))
    foreign_keys = {(column, target.strip('"'), to, PG_RULES[on_update], PG_RULES[on_delete])
                    for column, target, to, on_update, on_delete in connection.execute(
        "SELECT (SELECT attname FROM pg_attribute WHERE attrelid = conrelid "
        "AND attnum = conkey[1]), confrelid::regclass::text, (SELECT attname FROM "
        "pg_attribute WHERE attrelid = confrelid AND attnum = confkey[1]), confupdtype, "
        "confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
        (f'"{table}"',))}
    return {"columns": columns, "indexes": indexes, "foreign keys": foreign_keys}


@pytest.fixture(scope="module")
def pg_migrated(pg_template):
    """A connection to the session's PostgreSQL template, built by PostgreSQL's migrations."""
    import postgres
    import psycopg

    with psycopg.connect(postgres.url_for(pg_template.name), autocommit=True) as connection:
        yield connection


def test_every_postgresql_table_has_a_model_or_a_reason(pg_migrated, declared):
    tables = {name for (name,) in pg_migrated.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables - _tables(declared) == set(WITHOUT_MODEL) | set(POSTGRESQL_ONLY)
    assert _tables(declared) <= tables


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_the_model_declares_the_postgresql_table(pg_migrated, declared, model):
    table = model._meta.table_name
    assert _pg_shape(pg_migrated, table) == _shape(declared, table)


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_defaults_agree(migrated, model):
    """A row written by SQL (the CLI, a migration) gets what the model would have written:
    the column's DEFAULT is the model's default, and a column without one has none in the
    model either."""
    defaults = {name: default for _, name, _, _, default, _ in
                migrated.execute(f'PRAGMA table_info("{model._meta.table_name}")')}
    for field in model._meta.sorted_fields:
        column = defaults[field.column_name]
        in_table = None if column is None else migrated.execute(f"SELECT {column}").fetchone()[0]
        value = field.default() if callable(field.default) else field.default
        in_model = None if value is None else _stored(migrated, field.db_value(value))
        assert in_model == in_table, (model.__name__, field.name)
