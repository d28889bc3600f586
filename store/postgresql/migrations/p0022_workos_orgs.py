"""SQLite's migration 22 (store/migrations/m0022_workos_orgs.py) on PostgreSQL: the WorkOS
`updated_at` an organization and a membership were last applied from, a membership's
WorkOS id (unique; NULLs never collide), and where the incremental sync stopped."""
from .p0015_baseline import T

VERSIONS = (22,)

STATEMENTS = (
    f"ALTER TABLE organization ADD COLUMN workos_updated_at {T}",
    "CREATE INDEX organization_workos_org_id ON organization (workos_org_id)",
    f"ALTER TABLE membership ADD COLUMN workos_membership_id {T}",
    "CREATE UNIQUE INDEX membership_workos_membership_id ON membership (workos_membership_id)",
    f"ALTER TABLE membership ADD COLUMN workos_updated_at {T}",
    f"""CREATE TABLE workos_cursor (
        name {T} PRIMARY KEY,
        after {T},
        after_created_at {T},
        range_start {T},
        updated_at {T} NOT NULL)""",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
