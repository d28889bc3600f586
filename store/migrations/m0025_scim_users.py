"""SCIM users' own names (issue 23): an identity provider's userName for a member, apart
from the email.

An IdP's userName is often not an email (an employee number, a login), so it is kept per
organization, unique among that organization's SCIM users without regard to case
(`user_name_key`, casefolded; RFC 7643 §4.1.1), next to the `emails` the IdP sent (JSON).
A member with no row is shown with their email as userName. `deleted` marks a member the
IdP deleted: SCIM answers 404 for them from then on (RFC 7644 §3.6), while the membership
stays, inactive; the partial unique index frees their userName for someone else.
`scim_user_email` indexes every address of a SCIM user's `emails` (casefolded), so a filter
on `emails.value` is a lookup, not a read of every member. Both are WITHOUT ROWID: their
primary key is the lookup, so a row is one B-tree entry, not a table row and a key entry.
"""

STATEMENTS = (
    """CREATE TABLE scim_user (
        organization_id TEXT NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
        user_name TEXT NOT NULL,
        user_name_key TEXT NOT NULL,
        emails TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (organization_id, user_id)) WITHOUT ROWID""",
    """CREATE UNIQUE INDEX scim_user_name ON scim_user (organization_id, user_name_key)
        WHERE deleted = 0""",
    "CREATE INDEX scim_user_user ON scim_user (user_id)",
    """CREATE TABLE scim_user_email (
        organization_id TEXT NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        email_key TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
        PRIMARY KEY (organization_id, email_key, user_id)) WITHOUT ROWID""",
    "CREATE INDEX scim_user_email_user ON scim_user_email (user_id)",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
