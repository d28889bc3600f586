"""The admin dashboard's session-signing secret, one per database like the cursor secret."""
import secrets


def apply(db, now):
    db.execute_sql(
        "INSERT INTO setting VALUES ('admin_session_secret', ?)", (secrets.token_hex(32),)
    )
