"""WorkOS sync: the WorkOS `updated_at` each linked user was last synced from (so a
late-arriving older event cannot undo a newer one) and the WorkOS events already
applied (so a redelivered event changes nothing twice)."""

STATEMENTS = [
    "ALTER TABLE user ADD COLUMN workos_updated_at TEXT",
    """CREATE TABLE workos_event (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        outcome TEXT NOT NULL,
        received_at TEXT NOT NULL)""",
    "CREATE INDEX workos_event_received ON workos_event (received_at)",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
