"""Keyset pagination on (created_at, id): stable under concurrent inserts, and the
500th page costs what the first does because it seeks by index instead of skipping rows."""
from dataclasses import dataclass

import peewee as pw


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    after: tuple | None  # position of the last item when more follow, else None


def keyset_page(query, model, limit, after=None):
    """One page of `query` in (created_at, id) order, starting past the position `after`.

    `after` is the (created_at, id) pair of stored values that a previous page returned.
    """
    total = query.count()
    if after is not None:
        query = query.where(pw.Tuple(model.created_at, model.id) > pw.Tuple(*after))
    rows = list(query.order_by(model.created_at, model.id).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    position = None
    if more:
        last = rows[-1]
        position = (model.created_at.db_value(last.created_at), last.id)
    return Page(rows, total, position)


def ranked_page(model, ids, total, limit, after=None):
    """One page of `ids` (already in relevance order) as rows, from the offset in `after`.

    Relevance order has no stable key to seek from, so search pages carry an offset.
    """
    offset = int(after[1]) if after is not None else 0
    chosen = ids[offset:offset + limit]
    rows = {row.id: row for row in model.select().where(model.id.in_(chosen))}
    items = [rows[row_id] for row_id in chosen if row_id in rows]
    more = offset + limit < len(ids)
    return Page(items, total, ("rank", str(offset + limit)) if more else None)
