"""PL/pgSQL versions of SQLite's counting triggers (m0006, m0009, m0010, m0015): the same
counters, moved in the writing transaction, for every writer.

A change counter moves once per statement that touches its table (SQLite's move once per
row: either way, it moves whenever the table changed), and tells the change watch
(watch.py) through NOTIFY, which PostgreSQL delivers when — and only if — the
transaction commits.
"""

# The channel the change watch LISTENs on.
CHANNEL = "goldenrecord_changes"


def change_counter(kind, table):
    """The function and statement trigger that move `kind`'s change counter."""
    function = f"{table}_generation"
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE search_generation SET value = value + 1 WHERE kind = '{kind}';
            PERFORM pg_notify('{CHANNEL}', '{kind}');
            RETURN NULL;
        END $$""",
        f'CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _move(kind, within, weight, row, sign):
    within, weight = within.format(row=row), weight.format(row=row)
    return (f"IF {within} IS NOT NULL THEN INSERT INTO row_count (kind, within, value) "
            f"VALUES ('{kind}', {within}, {sign}({weight})) ON CONFLICT (kind, within) "
            "DO UPDATE SET value = row_count.value + excluded.value; END IF;")


def row_counter(table, counts, name="count"):
    """The function and row trigger `<table>_<name>` keeping `table`'s rows in row_count,
    for those of `counts` (shaped as m0015's COUNTS) that are `table`'s."""
    mine = [c for c in counts if c[1] == table]
    added = " ".join(_move(kind, within, weight, "NEW", "+") for kind, _, within, weight, _ in mine)
    removed = " ".join(_move(kind, within, weight, "OLD", "-") for kind, _, within, weight, _ in mine)
    moved = " ".join(
        f"IF {' OR '.join(f'NEW.{c} IS DISTINCT FROM OLD.{c}' for c in columns)} THEN "
        + _move(kind, within, weight, "OLD", "-") + " " + _move(kind, within, weight, "NEW", "+")
        + " END IF;"
        for kind, _, within, weight, columns in mine if columns)
    function = f"{table}_{name}"
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {added or 'NULL;'}
            ELSIF TG_OP = 'DELETE' THEN {removed or 'NULL;'}
            ELSE {moved or 'NULL;'}
            END IF;
            RETURN NULL;
        END $$""",
        f'CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]
