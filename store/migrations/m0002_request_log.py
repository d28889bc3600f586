"""The request log behind /api/v1/analytics."""

STATEMENTS = [
    """CREATE TABLE request_log (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        api_key_id TEXT NOT NULL,
        organization_id TEXT,
        method TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        status INTEGER NOT NULL,
        duration_ms REAL NOT NULL)""",
    "CREATE INDEX request_log_created ON request_log (created_at)",
    "CREATE INDEX request_log_organization ON request_log (organization_id, created_at)",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
