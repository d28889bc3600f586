"""A change counter for API keys, like organizations' (m0006), bumped by triggers.

Keys are cached in memory for the authentication of every request; with the counter, a
key revoked, rotated or deleted by any process (the CLI, a second server) stops working
at the next request instead of when a time-to-live runs out. The table keeps the name
m0006 gave it, search_generation: it holds one counter per cached table.
"""

STATEMENTS = [
    "INSERT INTO search_generation VALUES ('api_key', 0)",
] + [
    f"CREATE TRIGGER api_key_generation_{event.lower()} AFTER {event} ON api_key BEGIN "
    "UPDATE search_generation SET value = value + 1 WHERE kind = 'api_key'; END"
    for event in ("INSERT", "UPDATE", "DELETE")
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
