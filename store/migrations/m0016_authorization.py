"""Custom roles and permissions, organization roles, and a membership's status (issue 19).

- permission: a `description`, and `is_system` marking the reference's eight read-only ones;
- role: `organization_id`, the one organization an organization role exists in (NULL: an
  environment role, available in every organization, as the system roles are). A role's
  slug stays unique in the whole environment (m0001's UNIQUE): one slug names one role in
  every event, check answer and log line, and dropping the constraint would mean rebuilding
  a table that memberships and grants point at;
- membership: `status`, 'active' or 'inactive' (an inactive membership grants nothing);
- change counters (as m0015 made them) for permissions and grants, so that the
  authorization check can answer from memory while neither has changed.
"""
from .m0015_row_counts import _generation

REFERENCE_PERMISSIONS = ("perm_01", "perm_02", "perm_03", "perm_04",
                         "perm_05", "perm_06", "perm_07", "perm_08")

STATEMENTS = [
    "ALTER TABLE permission ADD COLUMN description TEXT",
    "ALTER TABLE permission ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0",
    f"UPDATE permission SET is_system = 1 WHERE id IN ({', '.join(repr(p) for p in REFERENCE_PERMISSIONS)})",
    "ALTER TABLE role ADD COLUMN organization_id TEXT REFERENCES organization (id) ON DELETE CASCADE",
    "CREATE INDEX role_organization ON role (organization_id)",
    "ALTER TABLE membership ADD COLUMN status TEXT NOT NULL DEFAULT 'active' "
    "CHECK (status IN ('active', 'inactive'))",
    *_generation("permission"),
    *_generation("role_permission"),
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
