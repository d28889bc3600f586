"""Keyset pagination on (created_at, id): stable under concurrent inserts, and the
500th page costs what the first does because it seeks by index instead of skipping rows."""
from dataclasses import dataclass

import peewee as pw

from .db import database
from .errors import Invalid


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    after: tuple | None  # position of the last item when more follow, else None


def counted(kind, within=""):
    """The number of rows of count `kind` within `within` (the value a list filters by, ""
    for a whole table), kept by triggers (migration 13): one look-up by primary key, where
    `COUNT(*)` would walk every row it counts."""
    row = database.connection().execute(_COUNTED, (kind, within)).fetchone()
    return row[0] if row else 0


_COUNTED = "SELECT value FROM row_count WHERE kind = ? AND within = ?"


def keyset_page(query, model, limit, after=None, total=None):
    """One page of `query` in (created_at, id) order, starting past the position `after`.

    `after` is the (created_at, id) pair of stored values that a previous page returned.
    `total` is the number of rows `query` matches when the caller knows it without a scan
    (`counted`); without it the rows are counted, which only small tables and filters that
    pick a row or two by key should leave to this.
    """
    if total is None:
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


def ranked_page(model, found):
    """The rows of `found` (a search.Found: one page of ids, best first) as a Page.

    The position is the last row's rank key, which depends only on that row and the query
    (search.find), so the next page seeks past it like a keyset page: stable under inserts
    and deletes. It travels as two strings, the key's numbers and the id.
    """
    rows = {row.id: row for row in model.select().where(model.id.in_(found.ids))}
    items = [rows[row_id] for row_id in found.ids if row_id in rows]
    position = None
    if found.after is not None:
        *numbers, last_id = found.after
        position = (".".join(str(number) for number in numbers), last_id)
    return Page(items, found.total, position)


def rank_key(after):
    """The rank key a search page's position stands for (see ranked_page), or None."""
    if after is None:
        return None
    numbers, last_id = after
    try:
        key = tuple(int(number) for number in numbers.split("."))
    except ValueError:
        key = ()
    if len(key) != 4:
        raise Invalid("cursor", "The cursor belongs to a different list")
    return (*key, last_id)
