"""Joining organizations: invitations, verified domains, and external ids.

An invitation keeps only the SHA-256 of its token (the plaintext is shown once, in the
answer and the `invitation.created`/`invitation.resent` events). A domain's
`verified_domain` holds the domain while, and only while, it is verified: its UNIQUE
index is what makes a domain verified for one organization at a time (NULLs never
collide). External ids are unique per type; NULL is allowed for any number of rows.

A role that a pending invitation or an `auto` join policy would give cannot be deleted
(store/roles.py refuses it); once deleted, the invitations that were done with it (accepted,
revoked) and the domains that kept it under policy `none` lose it (`role_id` NULL).
"""

STATEMENTS = (
    "ALTER TABLE organization ADD COLUMN external_id TEXT",
    "CREATE UNIQUE INDEX organization_external_id ON organization (external_id)",
    'ALTER TABLE "user" ADD COLUMN external_id TEXT',
    'CREATE UNIQUE INDEX user_external_id ON "user" (external_id)',
    """CREATE TABLE invitation (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL,
        role_id TEXT REFERENCES role (id) ON DELETE SET NULL,
        token_hash TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        accepted_user_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX invitation_created ON invitation (created_at, id)",
    "CREATE INDEX invitation_organization ON invitation (organization_id)",
    "CREATE INDEX invitation_role ON invitation (role_id)",
    "CREATE INDEX invitation_due ON invitation (state, expires_at)",
    """CREATE TABLE organization_domain (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        domain TEXT NOT NULL,
        state TEXT NOT NULL,
        verification_token TEXT NOT NULL,
        failure_reason TEXT,
        verified_domain TEXT UNIQUE,
        join_policy TEXT NOT NULL DEFAULT 'none',
        role_id TEXT REFERENCES role (id) ON DELETE SET NULL,
        verified_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (organization_id, domain))""",
    "CREATE INDEX organization_domain_created ON organization_domain (created_at, id)",
    "CREATE INDEX organization_domain_role ON organization_domain (role_id)",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
