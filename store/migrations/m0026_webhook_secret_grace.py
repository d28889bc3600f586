"""A rotated webhook secret's grace period: the secret it replaced keeps signing deliveries,
beside the new one, until `previous_secret_expires_at`, so a receiver is updated without
refusing deliveries in between (Standard Webhooks' multiple signatures). The previous secret
is sealed at rest like the current one (store/fields.py `SealedField`)."""

STATEMENTS = (
    "ALTER TABLE webhook ADD COLUMN previous_secret TEXT",
    "ALTER TABLE webhook ADD COLUMN previous_secret_expires_at TEXT",
)


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
