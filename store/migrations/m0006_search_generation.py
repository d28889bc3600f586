"""A change counter for organizations, bumped by triggers in the writing transaction.

Autocomplete answers are cached in memory and stay valid while the counter stands still;
because triggers keep it, a change by any process (the CLI, a second server) is seen.
"""

STATEMENTS = [
    "CREATE TABLE search_generation (kind TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO search_generation VALUES ('organization', 0)",
] + [
    f"CREATE TRIGGER organization_generation_{event.lower()} AFTER {event} ON organization BEGIN "
    "UPDATE search_generation SET value = value + 1 WHERE kind = 'organization'; END"
    for event in ("INSERT", "UPDATE", "DELETE")
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
