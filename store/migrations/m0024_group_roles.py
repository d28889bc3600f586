"""Role priority, and SCIM groups mapped to roles (issue 23).

`role.priority` ranks roles, lower first (WorkOS lists roles "in priority order"). The
environment's roles (system and environment roles) sit at multiples of 1000 — Admin 1000,
Member 2000, then the environment's own roles in the order they were made — and an
organization's roles in the gaps, each just below the environment role it follows
(store/priorities.py keeps that shape). Existing organization roles start below all of them.

`scim_group.role_id` maps a group to a role its members get; `membership.role_source` says
who gave a membership its role: `manual` (the API, the dashboard, an invitation) or `group`
(a mapped group), so leaving the last mapped group undoes only what the groups did.
"""

STATEMENTS = (
    "ALTER TABLE role ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE scim_group ADD COLUMN role_id TEXT REFERENCES role (id) ON DELETE SET NULL",
    "CREATE INDEX scim_group_role ON scim_group (role_id)",
    "ALTER TABLE membership ADD COLUMN role_source TEXT NOT NULL DEFAULT 'manual'",
)
STEP = 1000  # the distance between two environment roles (store/priorities.py)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    rank_existing(db)


def rank_existing(db):
    """Number the roles there are (PostgreSQL's migration 24 runs this too)."""
    shared = [row[0] for row in db.execute_sql(
        "SELECT id FROM role WHERE organization_id IS NULL ORDER BY is_system DESC, "
        "id = 'role_member', created_at, id")]
    for position, role_id in enumerate(shared, start=1):
        db.execute_sql("UPDATE role SET priority = ? WHERE id = ?", (position * STEP, role_id))
    last = len(shared) * STEP
    own = {}
    for role_id, organization_id in db.execute_sql(
            "SELECT id, organization_id FROM role WHERE organization_id IS NOT NULL "
            "ORDER BY created_at, id"):
        own[organization_id] = own.get(organization_id, 0) + 1
        db.execute_sql("UPDATE role SET priority = ? WHERE id = ?",
                       (last + own[organization_id], role_id))
