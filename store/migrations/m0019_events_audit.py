"""The events feed's commit order and the audit log (issue 20).

`event.seq` numbers the outbox in commit order: it is assigned inside the writing
transaction, and SQLite serializes write transactions, so a larger number always belongs
to a later commit (store/feed.py). Events written before this migration are numbered in
their (created_at, rowid) order. `feed_mark` keeps what pruning must not forget: the last
event number pruned (a cursor at or before it is answered 410) and, for the audit log, the
sequence number and hash of the last entry pruned, which the next kept entry's `prev_hash`
must equal (store/audit/chain.py). An entry's number is its rowid, so the log is stored in
chain order.
"""

STATEMENTS = [
    "ALTER TABLE event ADD COLUMN seq INTEGER",
    """UPDATE event SET seq = (SELECT n FROM (SELECT id, ROW_NUMBER() OVER
           (ORDER BY created_at, rowid) AS n FROM event) AS numbered WHERE numbered.id = event.id)""",
    "CREATE UNIQUE INDEX event_seq ON event (seq)",
    """CREATE TABLE feed_mark (
        name TEXT NOT NULL PRIMARY KEY,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE audit_entry (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        action TEXT NOT NULL,
        actor_type TEXT NOT NULL,
        actor_id TEXT,
        actor_name TEXT,
        target_type TEXT,
        target_id TEXT,
        organization_id TEXT,
        changes TEXT NOT NULL,
        metadata TEXT NOT NULL,
        client_address TEXT,
        request_id TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL)""",
    # One index only: every index is pages more for each write's commit to sync, and the
    # audit log is written on every change but read rarely. Organization-scoped readers
    # need this one; other filters read the log in order (store/audit/log.py).
    """CREATE INDEX audit_entry_organization ON audit_entry (organization_id, seq)
        WHERE organization_id IS NOT NULL""",
    """CREATE TABLE audit_action (
        name TEXT NOT NULL PRIMARY KEY,
        description TEXT,
        schema TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
