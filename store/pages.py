"""Keyset pagination on (created_at, id): stable under concurrent inserts, and the
500th page costs what the first does because it seeks by index instead of skipping rows."""
import functools
import sqlite3
from dataclasses import dataclass, field

import peewee as pw

from .cache import GenerationCache
from .db import database
from .errors import Invalid


@dataclass(frozen=True)
class Page:
    items: list | None  # None when the store gave the items encoded only (listed_page)
    total: int
    after: tuple | None  # position of the last item when more follow, else None
    # `total` counted only up to search.TOTAL_CAP (a search matching more than that)
    total_capped: bool = False
    # what callers made of this page (its encoded items, by serializer): a page kept in
    # memory by PageCache is shared, and so is what was made of it
    memo: dict = field(default_factory=dict, compare=False, repr=False)


# Pages kept in memory. A page of 20 organizations, as rows and encoded, holds about 57 KiB
# of the server's memory (1,024 of them grew it by 58 MiB in bench_scale --http): 256 keep
# the first pages of the busy lists and their filters for ~15 MiB.
PAGES_CACHED = 256


class PageCache:
    """List pages kept in memory while none of the tables they show has changed.

    A page is valid under the change counters of its tables (store/changes.py) — the same
    rule as a single read's answer — so it is never staler than a fresh page: the counts,
    rows and position it carries all come from one moment at which the counters stood.
    """

    def __init__(self, changes, max_entries=PAGES_CACHED):
        self._changes = changes
        self._pages = GenerationCache(max_entries)

    def get_or_make(self, key, tables, make):
        """The page kept for `key` while `tables` are unchanged, else `make()`, kept."""
        return self._pages.get_or_make(key, self._changes.generation(tables), make)


@dataclass(frozen=True)
class Tally:
    """A number of rows as an SQL expression with its parameters: read alone (`value`), or
    by `listed_page` in the page's own statement, which spares a statement per page (each
    one hands Python's GIL over and back, which a loaded server feels more than the work)."""
    sql: str
    params: tuple = ()

    def value(self):
        return database.connection().execute(f"SELECT {self.sql}", self.params).fetchone()[0]


def kept_count(kind, within=""):
    """The number of rows of count `kind` within `within` (the value a list filters by, ""
    for a whole table), kept by triggers (migration 15): one look-up by primary key, where
    `COUNT(*)` would walk every row it counts."""
    return Tally(_COUNTED, (kind, within))


_COUNTED = "coalesce((SELECT value FROM row_count WHERE kind = ? AND within = ?), 0)"


def active_count(kind, is_active):
    """The active (`is_active`) or inactive rows among count `kind`'s: the active ones are
    counted as `<kind>.active` (migration 17), the inactive ones are the rest."""
    active = kept_count(f"{kind}.active")
    if is_active:
        return active
    every = kept_count(kind)
    return Tally(f"({every.sql} - {active.sql})", every.params + active.params)


def counted(kind, within=""):
    """`kept_count`'s number, read now."""
    return kept_count(kind, within).value()


def active_total(kind, is_active):
    """`active_count`'s number, read now."""
    return active_count(kind, is_active).value()


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


def built_in_first_page(query, model, limit, after=None):
    """`keyset_page` with the built-in rows (`is_system`) before the others, whatever the
    clocks said when each was made: ordered by (built-in or not, created_at, id), whose
    first two travel as one string in the position, as keyset_page's created_at does. For
    the small tables of roles and permissions; the order needs no index."""
    key = pw.Case(None, ((model.is_system == True, "0"),), "1").concat(model.created_at)  # noqa: E712
    total = query.count()
    if after is not None:
        query = query.where(pw.Tuple(key, model.id) > pw.Tuple(*after))
    rows = list(query.select_extend(key.alias("position_key")).order_by(key, model.id)
                .limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, total, (rows[-1].position_key, rows[-1].id) if more else None)


def ordered_page(rows, position, limit, after=None):
    """A page of `rows` (a small table read whole, e.g. roles in priority order) sorted by
    `position(row)`, a pair of strings that is also the cursor's position: the rows past
    `after`, at most `limit`. Sorting in Python keeps the order the same on every engine."""
    rows = sorted(rows, key=position)
    total = len(rows)
    if after is not None:
        rows = [row for row in rows if position(row) > tuple(after)]
    more = len(rows) > limit
    page = rows[:limit]
    return Page(page, total, position(page[-1]) if more else None)


def listed_page(model, limit, after, total, *, where="", params=(), joined=(), shape=None):
    """`keyset_page` for the hot lists, on SQL built once per shape instead of per request.

    `where` is an SQL condition on `model`'s table, alias `t`, with `params`; `joined` names
    foreign keys of `model` (ForeignKeyFields) whose rows come along in the same statement,
    set on each instance as peewee's joins would (`membership.user`). Same rows, same order,
    same positions as `keyset_page`; peewee's query building and row processing cost more
    than the page's SQL itself. `total` is the list's number of rows, or a Tally read in
    the page's statement.

    With `shape` (a store.listjson.JsonShape), for callers that answer with JSON (the API),
    the page is one row that SQLite builds: the items as `shape.presents` shows them,
    encoded (the page's `memo[shape.presents]`, UTF-8 JSON bytes; `items` is None: no model
    instance is made), the position, whether more follow, and the tally. One step of the
    statement instead of one per row: each step hands Python's GIL over and back, which a
    loaded server feels more than the work. A row whose stored JSON SQLite cannot read (NaN
    in metadata, which the API's body decoder refuses but another writer may have stored)
    makes the page fall back to instances, encoded by the caller, as on PostgreSQL (whose
    JSON functions are named apart: json_build_object, string_agg).
    """
    seek = after is not None
    tally = total if isinstance(total, Tally) else None
    tally_sql = tally.sql if tally else None
    tally_params = tally.params if tally else ()
    bounds = (*params, *(after if seek else ()))
    connection = database.connection()
    if shape is not None and isinstance(database.obj, pw.SqliteDatabase):
        # SQLite's JSON and aggregate functions; other engines encode the instances
        sql = _encoded_sql(model, where, tuple(joined), seek, shape, tally_sql)
        try:
            row = connection.execute(
                sql, (*bounds, limit + 1, limit, *tally_params, limit)).fetchone()
        except sqlite3.OperationalError:  # malformed JSON in a row: json() refused it
            row = None
        if row is not None:
            return _encoded_page(shape, row, total if tally is None else row[3])
    values = (*tally_params, *bounds, limit + 1)
    rows = connection.execute(_listed_sql(model, where, tuple(joined), seek, tally_sql),
                              values).fetchall()
    if tally:  # the last column of every row; with no row, asked alone
        total = rows[0][-1] if rows else tally.value()
    more = len(rows) > limit
    items = [_instance(model, joined, row) for row in rows[:limit]]
    position = None
    if more:
        last = items[-1]
        position = (model.created_at.db_value(last.created_at), last.id)
    return Page(items, total, position)


def _encoded_page(shape, row, total):
    """The Page of `_encoded_sql`'s one row (see listed_page): no model instances."""
    items_json, last, more, _ = row
    position = tuple(last.split(" ", 1)) if more else None
    return Page(None, total, position, memo={shape.presents: f"[{items_json}]".encode()})


def _instance(model, joined, row):
    """`model`'s instance from the first columns of `row`, with each joined row after it."""
    width = len(model._meta.sorted_fields)
    instance = model.from_row(row[:width])
    for key in joined:
        related = key.rel_model
        end = width + len(related._meta.sorted_fields)
        instance.__rel__[key.name] = related.from_row(row[width:end])
        width = end
    return instance


def _selected(model, joined):
    """(the columns of `model`'s table, alias t, and of each joined table; the JOIN clauses;
    {foreign key column: its table's alias})."""
    def columns(alias, of):
        return [f'{alias}."{f.column_name}"' for f in of._meta.sorted_fields]

    selected, joins, aliases = columns("t", model), [], {}
    for number, key in enumerate(joined):
        alias = aliases[key.column_name] = f"j{number}"
        selected += columns(alias, key.rel_model)
        joins.append(f'JOIN "{key.rel_model._meta.table_name}" {alias} '
                     f'ON {alias}."{key.rel_field.column_name}" = t."{key.column_name}"')
    return selected, " ".join(joins), aliases


def _from(model, joins, where, seek):
    """The FROM ... WHERE ... ORDER BY clause of a page, its LIMIT a parameter."""
    conditions = [f"({where})"] if where else []
    if seek:
        conditions.append("(t.created_at, t.id) > (?, ?)")
    return (f'FROM "{model._meta.table_name}" t {joins} '
            f'{"WHERE " + " AND ".join(conditions) if conditions else ""} '
            "ORDER BY t.created_at, t.id LIMIT ?")


@functools.cache
def _listed_sql(model, where, joined, seek, tally):
    """The statement of one page of `listed_page`'s shape, a row per item (see there)."""
    selected, joins, _ = _selected(model, joined)
    if tally is not None:
        selected.append(tally)
    return f'SELECT {", ".join(selected)} {_from(model, joins, where, seek)}'


@functools.cache
def _encoded_sql(model, where, joined, seek, shape, tally):
    """The statement of one page of `listed_page` with a shape: one row of (the items' JSON
    joined by commas; the last item's "created_at id"; whether a row follows the page; the
    tally).

    The walk takes one row past the page, to tell whether more follow, into a materialized
    table; the aggregates read its first `limit` rows in the order they were put there.
    created_at is fixed-width text (store/fields.py), so max("created_at id") is the last
    item's position.
    """
    _, joins, aliases = _selected(model, joined)
    return (f"WITH page AS MATERIALIZED (SELECT {shape.sql('t', aliases)} AS j, "
            f"t.created_at || ' ' || t.id AS p {_from(model, joins, where, seek)}) "
            "SELECT coalesce(group_concat(j, ','), ''), max(p), "
            f"EXISTS (SELECT 1 FROM page LIMIT 1 OFFSET ?), {tally or 'NULL'} "
            "FROM (SELECT j, p FROM page LIMIT ?)")


def ranked_page(model, found):
    """The rows of `found` (a search.Found: one page of ids, best first) as a Page.

    The position is the last row's rank key, which depends only on that row and the query
    (search.find), so the next page seeks past it like a keyset page: stable under inserts
    and deletes. It travels as two strings, the key's numbers and the id.
    """
    rows = {row.id: row for row in model.all_by("id", found.ids)}  # SQL built once, not per page
    items = [rows[row_id] for row_id in found.ids if row_id in rows]
    position = None
    if found.after is not None:
        *numbers, last_id = found.after
        position = (".".join(str(number) for number in numbers), last_id)
    return Page(items, found.total, position, total_capped=found.capped)


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
