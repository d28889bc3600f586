"""SQLite's migration 19 (store/migrations/m0019_events_audit.py) on PostgreSQL: the
events feed's number, `feed_mark`, the audit log and applications' declared actions.

`event.seq` is commit order here too: it is assigned in the writing transaction, and
every write transaction holds the one advisory write lock from its start to its commit
(connection.py), so PostgreSQL's writers commit one after another as SQLite's do, and the
audit log's hash chain is extended by one transaction at a time. Events written before
this migration are numbered in (created_at, id) order: PostgreSQL has no insertion-order
rowid, and the events of one transaction share their created_at. Numbers and entries are
BIGINT (SQLite's INTEGER is 64-bit).
"""
from .p0015_baseline import T

VERSIONS = (19,)

STATEMENTS = [
    "ALTER TABLE event ADD COLUMN seq BIGINT",
    """UPDATE event SET seq = numbered.n FROM (SELECT id, ROW_NUMBER() OVER
           (ORDER BY created_at, id) AS n FROM event) AS numbered WHERE numbered.id = event.id""",
    "CREATE UNIQUE INDEX event_seq ON event (seq)",
    f"""CREATE TABLE feed_mark (
        name {T} NOT NULL PRIMARY KEY,
        seq BIGINT NOT NULL,
        hash {T} NOT NULL DEFAULT '')""",
    f"""CREATE TABLE audit_entry (
        seq BIGINT PRIMARY KEY,
        id {T} NOT NULL,
        created_at {T} NOT NULL,
        action {T} NOT NULL,
        actor_type {T} NOT NULL,
        actor_id {T},
        actor_name {T},
        target_type {T},
        target_id {T},
        organization_id {T},
        changes {T} NOT NULL,
        metadata {T} NOT NULL,
        client_address {T},
        request_id {T},
        prev_hash {T} NOT NULL,
        hash {T} NOT NULL)""",
    """CREATE INDEX audit_entry_organization ON audit_entry (organization_id, seq)
        WHERE organization_id IS NOT NULL""",
    f"""CREATE TABLE audit_action (
        name {T} NOT NULL PRIMARY KEY,
        description {T},
        schema {T} NOT NULL,
        created_at {T} NOT NULL,
        updated_at {T} NOT NULL)""",
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
