"""Organizations, users, memberships, roles, permissions, API keys and settings."""
import secrets

STATEMENTS = [
    """CREATE TABLE organization (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        domain TEXT,
        logo_url TEXT,
        workos_org_id TEXT,
        is_verified INTEGER NOT NULL DEFAULT 0,
        is_active INTEGER NOT NULL DEFAULT 1,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX organization_created ON organization (created_at, id)",
    "CREATE INDEX organization_verified_created ON organization (is_verified, created_at, id)",
    """CREATE TABLE user (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL UNIQUE,
        first_name TEXT,
        last_name TEXT,
        avatar_url TEXT,
        workos_user_id TEXT UNIQUE,
        is_active INTEGER NOT NULL DEFAULT 1,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX user_created ON user (created_at, id)",
    """CREATE TABLE permission (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        resource TEXT NOT NULL,
        action TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX permission_created ON permission (created_at, id)",
    """CREATE TABLE role (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        description TEXT,
        is_system INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX role_created ON role (created_at, id)",
    """CREATE TABLE role_permission (
        role_id TEXT NOT NULL REFERENCES role (id) ON DELETE CASCADE,
        permission_id TEXT NOT NULL REFERENCES permission (id) ON DELETE CASCADE,
        PRIMARY KEY (role_id, permission_id))""",
    """CREATE TABLE membership (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES user (id) ON DELETE CASCADE,
        role_id TEXT NOT NULL REFERENCES role (id),
        is_owner INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (organization_id, user_id))""",
    "CREATE INDEX membership_created ON membership (created_at, id)",
    "CREATE INDEX membership_user ON membership (user_id)",
    "CREATE INDEX membership_role ON membership (role_id)",
    """CREATE TABLE api_key (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        key_prefix TEXT NOT NULL,
        organization_id TEXT REFERENCES organization (id) ON DELETE CASCADE,
        scopes TEXT NOT NULL,
        tier TEXT NOT NULL DEFAULT 'free',
        allowed_ips TEXT NOT NULL DEFAULT '[]',
        expires_at TEXT,
        last_used_at TEXT,
        revoked_at TEXT,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX api_key_created ON api_key (created_at, id)",
    "CREATE INDEX api_key_organization ON api_key (organization_id)",
    "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
]

# The spec's eight permissions, with stable ids so every database agrees on them.
PERMISSIONS = [
    ("perm_01", "Read Organizations", "organizations:read"),
    ("perm_02", "Create Organizations", "organizations:create"),
    ("perm_03", "Update Organizations", "organizations:update"),
    ("perm_04", "Delete Organizations", "organizations:delete"),
    ("perm_05", "Read Users", "users:read"),
    ("perm_06", "Create Users", "users:create"),
    ("perm_07", "Update Users", "users:update"),
    ("perm_08", "Delete Users", "users:delete"),
]

ROLES = [
    ("role_admin", "Admin", "admin", "Full administrative access", [p[0] for p in PERMISSIONS]),
    ("role_member", "Member", "member", "Basic member access", ["perm_01"]),
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    for index, (pid, name, slug) in enumerate(PERMISSIONS):
        resource, action = slug.split(":")
        db.execute_sql(
            "INSERT INTO permission VALUES (?, ?, ?, ?, ?, ?)",
            (pid, name, slug, resource, action, _stamp(now, index)),
        )
    for index, (rid, name, slug, description, permission_ids) in enumerate(ROLES):
        db.execute_sql(
            "INSERT INTO role VALUES (?, ?, ?, ?, 1, ?)",
            (rid, name, slug, description, _stamp(now, index)),
        )
        for pid in permission_ids:
            db.execute_sql("INSERT INTO role_permission VALUES (?, ?)", (rid, pid))
    db.execute_sql(
        "INSERT INTO setting VALUES ('cursor_secret', ?)", (secrets.token_hex(32),)
    )


def _stamp(now, index):
    # distinct microseconds keep the seeded rows in their listed order
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{index:06d}Z"
