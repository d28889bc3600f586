"""SQLite's migration 21 (store/migrations/m0021_joining.py) on PostgreSQL: external ids,
invitations (only the SHA-256 of a token is kept) and organizations' domains, whose
`verified_domain` UNIQUE makes a domain verified for one organization at a time (NULLs
never collide, on either engine)."""
from .p0015_baseline import T

VERSIONS = (21,)

STATEMENTS = (
    f"ALTER TABLE organization ADD COLUMN external_id {T}",
    "CREATE UNIQUE INDEX organization_external_id ON organization (external_id)",
    f'ALTER TABLE "user" ADD COLUMN external_id {T}',
    'CREATE UNIQUE INDEX user_external_id ON "user" (external_id)',
    f"""CREATE TABLE invitation (
        id {T} PRIMARY KEY,
        organization_id {T} NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        email {T} NOT NULL,
        email_key {T} NOT NULL,
        role_id {T} REFERENCES role (id) ON DELETE SET NULL,
        token_hash {T} NOT NULL UNIQUE,
        state {T} NOT NULL,
        expires_at {T} NOT NULL,
        accepted_user_id {T},
        created_at {T} NOT NULL,
        updated_at {T} NOT NULL)""",
    "CREATE INDEX invitation_created ON invitation (created_at, id)",
    "CREATE INDEX invitation_organization ON invitation (organization_id)",
    "CREATE INDEX invitation_role ON invitation (role_id)",
    "CREATE INDEX invitation_due ON invitation (state, expires_at)",
    f"""CREATE TABLE organization_domain (
        id {T} PRIMARY KEY,
        organization_id {T} NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        domain {T} NOT NULL,
        state {T} NOT NULL,
        verification_token {T} NOT NULL,
        failure_reason {T},
        verified_domain {T} UNIQUE,
        join_policy {T} NOT NULL DEFAULT 'none',
        role_id {T} REFERENCES role (id) ON DELETE SET NULL,
        verified_at {T},
        created_at {T} NOT NULL,
        updated_at {T} NOT NULL,
        UNIQUE (organization_id, domain))""",
    "CREATE INDEX organization_domain_created ON organization_domain (created_at, id)",
    "CREATE INDEX organization_domain_role ON organization_domain (role_id)",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
