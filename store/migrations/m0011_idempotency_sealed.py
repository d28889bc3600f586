"""Stored idempotent answers sealed, and found by a digest instead of the Idempotency-Key.

The table of migration 8 kept each answer in plain text, new API keys and webhook signing
secrets included. Its rows cannot be sealed here (that needs the Idempotency-Keys, which
only the clients hold), so they are dropped: a retry of a request answered before the
upgrade acts again. They are wiped with secure_delete, so that the plaintexts do not
linger in free pages of the file.
"""

STATEMENTS = [
    "DELETE FROM idempotent_request",
    "DROP TABLE idempotent_request",
    """CREATE TABLE idempotent_answer (
        api_key_id TEXT NOT NULL,
        key_digest TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        sealed BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (api_key_id, key_digest)) WITHOUT ROWID""",
    "CREATE INDEX idempotent_answer_created ON idempotent_answer (created_at)",
]


def apply(db, now):
    previous = db.execute_sql("PRAGMA secure_delete").fetchone()[0]
    db.execute_sql("PRAGMA secure_delete = ON")
    try:
        for statement in STATEMENTS:
            db.execute_sql(statement)
    finally:
        db.execute_sql(f"PRAGMA secure_delete = {int(previous)}")
