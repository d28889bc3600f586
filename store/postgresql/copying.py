"""Moving an installation from SQLite to PostgreSQL (`goldenrecord copy`).

The SQLite file is read as it is (read-only, one transaction: a consistent snapshot);
the PostgreSQL database must be new or hold nothing but what migrating seeds. Rows are
copied table by table, parents first, in one PostgreSQL transaction — all or nothing —
with the sealed secrets as they are: they open with the SQLite database's secret key,
which the PostgreSQL replicas must then be given. The counters are kept by the target's
triggers as the rows arrive, the text index is rebuilt from the copied rows, every
table's count is compared at the end, and the tables are analyzed (a bulk load leaves the
planner without statistics until autovacuum comes by).
"""
import sqlite3
import urllib.parse

# Parents before children (foreign keys), with what the target's migration seeded.
TABLES = ("organization", "user", "permission", "role", "role_permission", "membership",
          "api_key", "setting", "request_log", "webhook", "event", "delivery",
          "workos_event", "admin_session_ended", "idempotent_answer",
          # the feed's and the audit chain's pruning marks, the hash-chained log (its
          # numbers and hashes as they are, so `audit verify` holds on the copy) and
          # applications' declared actions
          "feed_mark", "audit_entry", "audit_action",
          # invitations, organizations' domains, the WorkOS sync's cursor
          "invitation", "organization_domain", "workos_cursor",
          # SCIM groups and their members, SCIM users' own names and addresses
          "scim_group", "scim_group_member", "scim_user", "scim_user_email")
# SQLite's tables that are not copied: the target's own migration history and counters
# (kept by its triggers), SQLite's search index (FTS5 and its helpers), which the target
# rebuilds from the copied rows (the typo index's term ids too: its identity column
# numbers them), and `sqlite_sequence`, where SQLite keeps the last term id given.
# tests/test_postgresql.py checks that every other table of SQLite's schema is in TABLES,
# so a new migration's table is not left behind.
NOT_COPIED = ("schema_migrations", "row_count", "organization_fts", "user_fts",
              "organization_terms", "user_terms", "search_fold", "search_generation",
              "search_term", "search_variant", "search_vocab", "search_vocab_primary",
              "sqlite_sequence")
SEEDED = ("role_permission", "role", "permission", "setting")
BATCH = 1000


class CopyError(Exception):
    """The copy cannot be made; the message says why. Nothing was written."""


def source_tables(path):
    """A read-only connection to the SQLite file at `path`."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        raise CopyError(f"{path}: cannot open the SQLite database ({error})") from None


def copy(source_path, engine, progress=None):
    """Copy every row of the SQLite database at `source_path` into the opened, migrated
    PostgresEngine `engine`; returns {table: rows}. `progress(done, total)` hears of the
    rows copied."""
    source = source_tables(source_path)
    db = engine._db
    try:
        source.execute("BEGIN")  # one snapshot of the source for every table
        counts = {t: source.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
        total, done = sum(counts.values()), 0
        with db.atomic():
            _check_empty(db)
            for table in SEEDED:
                db.execute_sql(f'DELETE FROM "{table}"')
            for table in TABLES:
                cursor = source.execute(f'SELECT * FROM "{table}"')
                columns = ", ".join(f'"{d[0]}"' for d in cursor.description)
                marks = ", ".join("?" * len(cursor.description))
                insert = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'
                while rows := cursor.fetchmany(BATCH):
                    db.connection().executemany(insert, rows)
                    done += len(rows)
                    if progress is not None:
                        progress(done, total)
            db.execute_sql("SELECT setval(pg_get_serial_sequence('request_log', 'id'), "
                           "coalesce(max(id), 0) + 1, false) FROM request_log")
            copied = {t: db.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
            if copied != counts:
                wrong = {t: (counts[t], copied[t]) for t in TABLES if counts[t] != copied[t]}
                raise CopyError(f"the counts differ after copying (source, target): {wrong}")
    finally:
        source.close()
    engine.text.reindex()
    db.execute_sql("ANALYZE")  # the planner's statistics of the tables just filled
    return counts


def _check_empty(db):
    for table in ("organization", "user", "api_key", "webhook", "event"):
        if db.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            raise CopyError(f"the PostgreSQL database already holds {table} rows: copy into "
                            "a new database")
