"""SQLite's migration 28 (store/migrations/m0028_organization_rows.py) on PostgreSQL: the
counter of organizations updated or deleted (not created), moved once per statement and
told to the change watch, as triggers.py's `change_counter` does for every change."""
from goldenrecord.store.migrations.m0028_organization_rows import KIND

from .triggers import CHANNEL

VERSIONS = (28,)
STATEMENTS = (
    f"INSERT INTO search_generation VALUES ('{KIND}', 0)",
    f"""CREATE FUNCTION organization_rows_generation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_generation SET value = value + 1 WHERE kind = '{KIND}';
        PERFORM pg_notify('{CHANNEL}', '{KIND}');
        RETURN NULL;
    END $$""",
    'CREATE TRIGGER organization_rows_generation AFTER UPDATE OR DELETE OR TRUNCATE ON '
    '"organization" FOR EACH STATEMENT EXECUTE FUNCTION organization_rows_generation()',
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
