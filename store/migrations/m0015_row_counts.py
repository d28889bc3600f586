"""Row counts kept by triggers, so that a list's `meta.total` is one look-up, not a scan.

`COUNT(*)` walks every row (or index entry) it counts: at a million organizations it was
most of a list page's time. Each count a list answers with is a row of `row_count`,
(kind, within) -> value, moved by triggers in the writing transaction — so every writer
(the API, the CLI, raw SQL, another process, foreign-key cascades) keeps it exact, and a
rolled-back write leaves it untouched. `within` is '' for a whole table and the filtering
column's value (an organization, a user, a subscription) for a list filtered by it.
Existing rows are counted once, here.

It also adds change counters (m0006's `search_generation`) for users, memberships and
roles, as organizations and keys have: list pages are kept in memory while none of the
tables they show has changed (store/pages.py, PageCache).
"""

# (kind, table, within expression on a row, weight expression on a row, columns whose change
# moves the row to another count or changes its weight). A row whose `within` is NULL
# (a global key or subscription) counts in the whole table only.
COUNTS = (
    ("organization", "organization", "''", "1", ()),
    ("organization.verified", "organization", "''", "{row}.is_verified", ("is_verified",)),
    ("user", "user", "''", "1", ()),
    ("membership", "membership", "''", "1", ()),
    ("membership.organization", "membership", "{row}.organization_id", "1", ("organization_id",)),
    ("membership.user", "membership", "{row}.user_id", "1", ("user_id",)),
    ("api_key", "api_key", "''", "1", ()),
    ("api_key.organization", "api_key", "{row}.organization_id", "1", ("organization_id",)),
    ("webhook", "webhook", "''", "1", ()),
    ("webhook.organization", "webhook", "{row}.organization_id", "1", ("organization_id",)),
    ("delivery.webhook", "delivery", "{row}.webhook_id", "1", ("webhook_id",)),
)


def _move(kind, within, weight, row, sign):
    """The statement adding `sign` × weight of `row` (NEW or OLD) to its count."""
    within, weight = within.format(row=row), weight.format(row=row)
    return (f"INSERT INTO row_count (kind, within, value) SELECT '{kind}', {within}, {sign}({weight}) "
            f"WHERE {within} IS NOT NULL "
            "ON CONFLICT (kind, within) DO UPDATE SET value = value + excluded.value;")


def _triggers(table):
    """The INSERT, DELETE and UPDATE OF triggers of `table`, one of each, for all its counts."""
    counts = [c for c in COUNTS if c[1] == table]
    name = f'"{table}"'
    inserted = " ".join(_move(kind, within, weight, "NEW", "+") for kind, _, within, weight, _ in counts)
    removed = " ".join(_move(kind, within, weight, "OLD", "-") for kind, _, within, weight, _ in counts)
    statements = [
        f"CREATE TRIGGER {table}_count_insert AFTER INSERT ON {name} BEGIN {inserted} END",
        f"CREATE TRIGGER {table}_count_delete AFTER DELETE ON {name} BEGIN {removed} END",
    ]
    moving = [c for c in counts if c[4]]
    columns = sorted({column for c in moving for column in c[4]})
    if moving:
        moved = " ".join(_move(kind, within, weight, "OLD", "-") + " "
                         + _move(kind, within, weight, "NEW", "+")
                         for kind, _, within, weight, _ in moving)
        statements.append(f"CREATE TRIGGER {table}_count_update AFTER UPDATE OF "
                          f"{', '.join(columns)} ON {name} BEGIN {moved} END")
    return statements


def _backfill(kind, table, within, weight):
    """Count the rows there already are, once."""
    within, weight = within.format(row="t"), weight.format(row="t")
    return (f"INSERT INTO row_count (kind, within, value) SELECT '{kind}', {within}, sum({weight}) "
            f'FROM "{table}" t WHERE {within} IS NOT NULL GROUP BY {within}')


# tables whose change counter this migration adds (organization and api_key have theirs)
GENERATIONS = ("user", "membership", "role")


def _generation(table):
    """A change counter for `table`, bumped by its own triggers, as m0006 made them."""
    return [f"INSERT INTO search_generation VALUES ('{table}', 0)"] + [
        f'CREATE TRIGGER {table}_generation_{event.lower()} AFTER {event} ON "{table}" BEGIN '
        f"UPDATE search_generation SET value = value + 1 WHERE kind = '{table}'; END"
        for event in ("INSERT", "UPDATE", "DELETE")]


STATEMENTS = [
    "CREATE TABLE row_count (kind TEXT NOT NULL, within TEXT NOT NULL, value INTEGER NOT NULL, "
    "PRIMARY KEY (kind, within)) WITHOUT ROWID",
    *(_backfill(kind, table, within, weight) for kind, table, within, weight, _ in COUNTS),
    *(statement for table in dict.fromkeys(c[1] for c in COUNTS) for statement in _triggers(table)),
    *(statement for table in GENERATIONS for statement in _generation(table)),
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
