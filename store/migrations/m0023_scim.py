"""SCIM groups (issue 23): an identity provider's groups of an organization's members.

A group belongs to one organization (gone with it); its display name is unique there, as
IdPs look groups up by it. Its members are users (a user deleted leaves every group); the
SCIM layer admits only members of the group's organization.
"""

STATEMENTS = (
    """CREATE TABLE scim_group (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        external_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (organization_id, display_name))""",
    "CREATE INDEX scim_group_created ON scim_group (created_at, id)",
    """CREATE TABLE scim_group_member (
        group_id TEXT NOT NULL REFERENCES scim_group (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, user_id))""",
    "CREATE INDEX scim_group_member_user ON scim_group_member (user_id)",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
