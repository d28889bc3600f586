"""Prefixes standing for many indexed terms (`o`, `org` where a million domains begin
`org…`): matched without FTS5's prefix query where it can be.

FTS5 answers `"org"*` by merging the doclist of every term with that prefix before it
yields a row, and does so again for every look-up by rowid: 585 ms at 1M organizations
for `org`, even for one row. A prefix of few terms is asked as those terms (engine.py,
`_expansion`); one of more than MAX_EXPANSION is matched here instead, from the rows'
own texts, folded by `tokens` as the query is (so the match is the one the full-text
index makes; see docs/search.md):

- With other words in the query that few rows hold (fewer than DENSE_TIER full-text
  matches), those rows are every candidate: each is ranked in Python (ranked.py), the
  total counted among them.
- Otherwise the prefix tiers are walked in rank order (migration 20's index), each row
  ranked in Python, a cheap SQL test first passing only rows whose text may hold the
  prefix — at most WALK_ROWS rows, like the full-text walk. The total is counted on the
  same walk. When the walk cannot settle a tier (its matches are sparse in rank order),
  FTS5's prefix query takes over for it, as before: bounded only by the prefix's doclists.
"""
from . import engine, ranked


def is_wide(groups):
    """Whether the query's last word is a prefix of more terms than are expanded."""
    return any(a.wide for a in groups[-1])


def candidates(db, kind, groups, condition, params, count, limit, after):
    """A `Found` ranked among the rows holding the query's other words, when those are
    fewer than DENSE_TIER; else None (none: the last word alone, or common words)."""
    if len(groups) < 2:
        return None
    return ranked.found(db, kind, groups, engine._match_expression(groups[:-1]), condition,
                        params, engine.DENSE_TIER, count=count, limit=limit, after=after)


def walk(db, kind, groups, condition, params, head, after, room):
    """What `engine._walk` returns for a tier of the wide prefix (tier 2 or 3): its rows
    in rank order among the next WALK_ROWS rows, ranked in Python; None when those held
    fewer than `room` (the caller sorts FTS5's matches then)."""
    keys, read = [], 0
    for read, (may, size, row_id, *texts) in enumerate(
            _window(db, kind, groups[-1], condition, params, head, after), 1):
        if may and (key := ranked.row_key(kind, groups, texts, size, row_id)) is not None \
                and key[:3] == head:
            keys.append(key)
            if len(keys) == room:
                return keys
    return keys if read < engine.WALK_ROWS else None


def count(db, kind, groups, condition, params):
    """(total, capped) as `engine._count` gives them, from the first WALK_ROWS rows in
    rank order when more than TOTAL_CAP of them match; else None (FTS5 counts then).

    The walk stops as soon as its rows say it will not find more than TOTAL_CAP: too few
    left, or fewer than half matching after COUNT_PROBE rows (a prefix that sparse has
    short doclists, which FTS5 counts cheaply)."""
    window, cap = engine.WALK_ROWS, engine.TOTAL_CAP
    matched, read = 0, 0
    # a match of the typo tier may hold a typo of the last word instead of its prefix
    last = None if any(a.quality == engine.TYPO for a in groups[-1]) else groups[-1]
    for read, (may, size, row_id, *texts) in enumerate(
            _window(db, kind, last, condition, params, None, None), 1):
        if may and ranked.row_key(kind, groups, texts, size, row_id) is not None:
            matched += 1
            if matched > cap:
                return cap, True
        if matched + window - read <= cap or (read >= COUNT_PROBE and 2 * matched < read):
            return None
    return (matched, False) if read < window else None


# Rows a count walk reads before it judges whether its window can hold TOTAL_CAP matches.
COUNT_PROBE = 100


def _window(db, kind, last, condition, params, head, after):
    """The next WALK_ROWS rows in rank order past `after` (within `head`), each as (whether
    it may match: the caller's filters and, given the query's `last` word, the SQL test
    of `_may_hold`; length of the tie column, id, indexed texts). The filters and the
    test are columns, not conditions: a condition refusing most rows would have SQLite
    read on to the end of the table, since the rank order's index does not bound a
    row-value range (and the window is counted in rows read, as `engine._walk`'s is)."""
    table, columns, tie_column, _ = engine.KINDS[kind]
    length = _length(tie_column)
    seek, values = engine._past(length, head, after) if head is not None else ("", ())
    test, tested = _may_hold(columns, last) if last is not None else ("1", ())
    return db.execute_sql(
        f"SELECT (1{condition}) AND {test}, {length}, d.id, {_texts(columns)} FROM {table} d "
        f"INDEXED BY {table}_rank_order WHERE 1{seek} ORDER BY 2, 3 LIMIT {engine.WALK_ROWS}",
        (*params, *tested, *values))


def _may_hold(columns, group):
    """An SQL test passing every row whose tokens may begin with the group's prefix, and
    its values: the prefix within the lower-cased text, or a text that is not ASCII
    (more bytes than characters: folding may change such text; those rows are ranked in
    Python). An ASCII text's tokens are its lower-cased runs of letters and digits. (A
    GLOB for the non-ASCII characters cost 5 µs a row, this 0.4.)"""
    prefix = next(a.term for a in group if a.wide)
    text = " || ' ' || ".join(f"coalesce(d.{c}, '')" for c in columns)
    return (f"(instr(lower({text}), ?) > 0 OR length({text}) < length(CAST({text} AS BLOB)))",
            (prefix,))


def _length(tie_column):
    return f"coalesce(length(d.{tie_column}), 0)"


def _texts(columns):
    return ", ".join(f"d.{c}" for c in columns)
