"""Stored answers to POST requests sent with an Idempotency-Key, replayed for 24 hours."""

STATEMENTS = [
    """CREATE TABLE idempotent_request (
        api_key_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (api_key_id, idempotency_key)) WITHOUT ROWID""",
    "CREATE INDEX idempotent_request_created ON idempotent_request (created_at)",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
