"""Admin dashboard sessions that were signed out, so a copied cookie stops working.

The session cookie is signed and names its own random session id; signing out records
that id here until the cookie would have expired anyway. A change counter like the API
keys' (m0009) lets every process cache "not signed out" answers until a row changes.
"""

STATEMENTS = [
    """CREATE TABLE admin_session_ended (
        id TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL) WITHOUT ROWID""",
    "CREATE INDEX admin_session_ended_expires ON admin_session_ended (expires_at)",
    "INSERT INTO search_generation VALUES ('admin_session', 0)",
] + [
    f"CREATE TRIGGER admin_session_generation_{event.lower()} AFTER {event} "
    "ON admin_session_ended BEGIN "
    "UPDATE search_generation SET value = value + 1 WHERE kind = 'admin_session'; END"
    for event in ("INSERT", "DELETE")
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
