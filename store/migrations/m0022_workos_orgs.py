"""WorkOS organizations, memberships and the incremental sync (issue 24).

An organization and a membership remember the WorkOS `updated_at` they were last applied
from, so an event about an older version (WorkOS delivers late and out of order) changes
nothing. A membership linked to WorkOS holds its WorkOS id (unique; NULL for the ones made
here). `workos_cursor` keeps where the incremental sync stopped in WorkOS's Events API:
the last event applied (`after`), or, before any event, the time the full sync began
(`range_start`).
"""

STATEMENTS = (
    "ALTER TABLE organization ADD COLUMN workos_updated_at TEXT",
    "CREATE INDEX organization_workos_org_id ON organization (workos_org_id)",
    "ALTER TABLE membership ADD COLUMN workos_membership_id TEXT",
    "CREATE UNIQUE INDEX membership_workos_membership_id ON membership (workos_membership_id)",
    "ALTER TABLE membership ADD COLUMN workos_updated_at TEXT",
    """CREATE TABLE workos_cursor (
        name TEXT PRIMARY KEY,
        after TEXT,
        after_created_at TEXT,
        range_start TEXT,
        updated_at TEXT NOT NULL)""",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
