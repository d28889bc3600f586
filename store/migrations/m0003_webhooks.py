"""Webhook subscriptions, the event outbox and per-subscription deliveries."""

STATEMENTS = [
    """CREATE TABLE webhook (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        events TEXT NOT NULL,
        is_active INTEGER NOT NULL DEFAULT 1,
        disabled_reason TEXT,
        organization_id TEXT REFERENCES organization (id) ON DELETE CASCADE,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX webhook_created ON webhook (created_at, id)",
    "CREATE INDEX webhook_organization ON webhook (organization_id)",
    """CREATE TABLE event (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        organization_ids TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX event_created ON event (created_at)",
    """CREATE TABLE delivery (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES event (id) ON DELETE CASCADE,
        webhook_id TEXT NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        response_code INTEGER,
        error TEXT,
        duration_ms REAL,
        delivered_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX delivery_due ON delivery (status, next_attempt_at)",
    "CREATE INDEX delivery_webhook ON delivery (webhook_id, created_at, id)",
    "CREATE INDEX delivery_event ON delivery (event_id)",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
