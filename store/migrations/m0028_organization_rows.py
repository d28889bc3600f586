"""A change counter for organizations already stored: moved when one is updated or
deleted, not when one is created.

A read of one organization (`GET /organizations/:id`) is answered from memory while the
rows it came from stand still (store/organizations.py `presented`). Under m0006's
counter, which every create moves too, a steady flow of creates dropped every answer kept
and sent each read to the database: reads fell to a fraction of their speed while
organizations were being created (docs/performance.md, "Writes (issue 17)"). A create
changes no stored organization, so the kept answers stay valid under this counter.
"""

KIND = "organization.rows"

STATEMENTS = [
    f"INSERT INTO search_generation VALUES ('{KIND}', 0)",
] + [
    f"CREATE TRIGGER organization_rows_generation_{event.lower()} AFTER {event} ON organization "
    f"BEGIN UPDATE search_generation SET value = value + 1 WHERE kind = '{KIND}'; END"
    for event in ("UPDATE", "DELETE")
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
