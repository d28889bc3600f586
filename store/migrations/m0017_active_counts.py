"""Counts and indexes for the `isActive` filter of the organization and user lists.

The lists answer `meta.total` from counts kept by triggers (m0015), never a scan; filtering by
`isActive` needs the active rows counted too (the inactive ones are the rest). The new
counts have triggers of their own, named `<table>_active_count_*`, beside m0015's, which
stay as they are. A partial index of the inactive rows lets a page of them seek in
(created_at, id) order instead of walking past every active row.
"""
from .m0015_row_counts import _backfill, _move

# as m0015's COUNTS: (kind, table, within, weight, columns whose change moves the weight)
COUNTS = (
    ("organization.active", "organization", "''", "{row}.is_active", ("is_active",)),
    ("organization.verified.active", "organization", "''",
     "({row}.is_verified AND {row}.is_active)", ("is_active", "is_verified")),
    ("user.active", "user", "''", "{row}.is_active", ("is_active",)),
)


def _triggers(table):
    counts = [c for c in COUNTS if c[1] == table]
    name = f'"{table}"'

    def moves(row, sign):
        return " ".join(_move(kind, within, weight, row, sign)
                        for kind, _, within, weight, _ in counts)

    columns = sorted({column for c in counts for column in c[4]})
    return [
        f"CREATE TRIGGER {table}_active_count_insert AFTER INSERT ON {name} "
        f"BEGIN {moves('NEW', '+')} END",
        f"CREATE TRIGGER {table}_active_count_delete AFTER DELETE ON {name} "
        f"BEGIN {moves('OLD', '-')} END",
        f"CREATE TRIGGER {table}_active_count_update AFTER UPDATE OF {', '.join(columns)} "
        f"ON {name} BEGIN {moves('OLD', '-')} {moves('NEW', '+')} END",
    ]


STATEMENTS = [
    *(_backfill(kind, table, within, weight) for kind, table, within, weight, _ in COUNTS),
    *(statement for table in ("organization", "user") for statement in _triggers(table)),
    # inactive rows only: the active are nearly all, and a page of them walks the usual
    # (created_at, id) indexes skipping the few others; a whole index per flag cost 16 MiB
    # at 100,000 organizations
    "CREATE INDEX organization_inactive_created_at_id ON organization (created_at, id) "
    "WHERE is_active = 0",
    "CREATE INDEX organization_inactive_is_verified_created_at_id "
    "ON organization (is_verified, created_at, id) WHERE is_active = 0",
    'CREATE INDEX user_inactive_created_at_id ON "user" (created_at, id) WHERE is_active = 0',
]


def apply(db, now):
    for statement in STATEMENTS:
        db.execute_sql(statement)
