"""Secrets sealed at rest: each webhook's signing secret and the per-database secrets of
`setting` (cursor and dashboard-session signing), under the database's secret key, which
is kept outside it (store/vault.py).

Until now they were plain text, so a copy of the file was enough to forge a dashboard
session or sign webhooks. They are sealed in place with secure_delete on, so that the
plaintexts are overwritten rather than left in free space; migrate() then checkpoints,
so that no older page image is left in the WAL either.
"""

SEALS_SECRETS = True  # apply() is given `seal`: text -> sealed text

SECRETS = (("webhook", "id", "secret"), ("setting", "key", "value"))


def apply(db, now, seal):
    previous = db.execute_sql("PRAGMA secure_delete").fetchone()[0]
    db.execute_sql("PRAGMA secure_delete = ON")
    try:
        for table, key, column in SECRETS:
            rows = db.execute_sql(f"SELECT {key}, {column} FROM {table}").fetchall()
            for row_key, plaintext in rows:
                db.execute_sql(f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                               (seal(plaintext), row_key))
    finally:
        db.execute_sql(f"PRAGMA secure_delete = {int(previous)}")
