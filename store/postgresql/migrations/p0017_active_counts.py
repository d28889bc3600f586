"""SQLite's migration 17 (store/migrations/m0017_active_counts.py) on PostgreSQL: the
active rows of organizations and users counted by trigger functions of their own
(`<table>_active_count`, beside the baseline's `<table>_count`), the rows there already
are counted once, and the partial indexes of inactive rows.

The flags are the integers 0 and 1 on both engines; PostgreSQL has no AND of integers, so
a weight that is "both flags" is their product."""
from goldenrecord.store.migrations import m0017_active_counts

from .triggers import row_counter

VERSIONS = (17,)

COUNTS = tuple((kind, table, within, weight.replace(" AND ", " * "), columns)
               for kind, table, within, weight, columns in m0017_active_counts.COUNTS)
INDEXES = [s for s in m0017_active_counts.STATEMENTS if s.startswith("CREATE INDEX")]


def _backfill(kind, table, within, weight):
    """Count the rows there already are (every count here is of a whole table)."""
    assert within == "''", "m0017's counts are of whole tables"
    return (f"INSERT INTO row_count (kind, within, value) "
            f"SELECT '{kind}', '', COALESCE(sum({weight.format(row='t')}), 0) FROM \"{table}\" t")


def apply(db, now):
    for kind, table, within, weight, _ in COUNTS:
        db.execute_sql(_backfill(kind, table, within, weight))
    for table in dict.fromkeys(c[1] for c in COUNTS):
        for statement in row_counter(table, COUNTS, name="active_count"):
            db.execute_sql(statement)
    for statement in INDEXES:
        db.execute_sql(statement)
