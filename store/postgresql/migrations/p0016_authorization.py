"""SQLite's migration 16 (store/migrations/m0016_authorization.py) on PostgreSQL: custom
roles and permissions, organization roles, a membership's status, and change counters for
permissions and grants (the authorization check answers from memory while neither moved)."""
from goldenrecord.store.migrations.m0016_authorization import REFERENCE_PERMISSIONS

from .p0015_baseline import T
from .triggers import change_counter

VERSIONS = (16,)

STATEMENTS = [
    f"ALTER TABLE permission ADD COLUMN description {T}",
    "ALTER TABLE permission ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0",
    f"UPDATE permission SET is_system = 1 WHERE id IN "
    f"({', '.join(repr(p) for p in REFERENCE_PERMISSIONS)})",
    f"ALTER TABLE role ADD COLUMN organization_id {T} REFERENCES organization (id) "
    "ON DELETE CASCADE",
    "CREATE INDEX role_organization ON role (organization_id)",
    f"ALTER TABLE membership ADD COLUMN status {T} NOT NULL DEFAULT 'active' "
    "CHECK (status IN ('active', 'inactive'))",
]
CHANGE_COUNTERS = ("permission", "role_permission")


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    for table in CHANGE_COUNTERS:
        db.execute_sql("INSERT INTO search_generation VALUES (?, 0)", (table,))
        for statement in change_counter(table, table):
            db.execute_sql(statement)
