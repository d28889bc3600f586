"""Ranking a few rows in Python, from their own text: the key `engine.find` gives them.

When a query's matches are few, reading them all in one statement and ranking them here
costs less than asking FTS5 tier by tier (up to five statements, each evaluating its
expression afresh): a never-repeated autocomplete query, a typo in a rare name, has a
handful of matches. The same ranking serves a prefix of many terms (wide.py), whose
matches cannot be asked of FTS5 cheaply. The tiers are those of `engine._tiers`, read
from the row's tokens (`text.tokens`, which folds as the query does) instead of asked of
FTS5, so a row ranks as it would there.
"""
import heapq

from . import engine
from .text import tokens


def found(db, kind, groups, match, condition, params, bound, *, count, limit, after):
    """A `Found` ranked among the matches of the FTS expression `match` (which every
    match of `groups` holds) that pass the caller's filters, when `match` has fewer than
    `bound` full-text matches; else None."""
    table, columns, tie_column, _ = engine.KINDS[kind]
    rows = engine.matches_below(db, table, condition, params, match, bound, [
        f"coalesce(length(d.{tie_column}), 0)", "d.id", *(f"d.{c}" for c in columns)])
    if rows is None:
        return None
    keys = [key for size, row_id, *texts in rows
            if (key := row_key(kind, groups, texts, size, row_id)) is not None]
    matched = len(keys)
    page = heapq.nsmallest(limit + 1, (k for k in keys if after is None or k > tuple(after)))
    more = len(page) > limit
    page = page[:limit]
    total, capped = ((min(matched, engine.TOTAL_CAP), matched > engine.TOTAL_CAP) if count
                     else (None, False))
    return engine.Found([key[-1] for key in page], total, engine.used_terms(groups),
                        page[-1] if more else None, capped)


def row_key(kind, groups, texts, size, row_id):
    """The rank key `engine.find` gives the row of `kind` whose indexed texts (in KINDS
    order) are `texts` and whose tie column is `size` long, or None when it does not
    match: the tiers of `engine._tiers`, read from the row's tokens."""
    _, columns, _, _ = engine.KINDS[kind]
    per_column = [set(tokens(text)) for text in texts]
    everywhere = set().union(*per_column)
    primary = set().union(*(per_column[columns.index(c)] for c in engine.PRIMARY[kind]))
    plain = (engine.EXACT, engine.PREFIX)
    for tier, held, qualities in ((0, primary, (engine.EXACT,)), (1, everywhere, (engine.EXACT,)),
                                  (2, primary, plain), (3, everywhere, plain)):
        if _holds(groups, held, qualities):
            return (tier, 0, 0, size, row_id)
    if _holds(groups, everywhere, (*plain, engine.TYPO)):
        return engine.typo_key(everywhere, groups, size, row_id)
    return None


def _holds(groups, held, qualities):
    """Whether every group has an alternative of one of `qualities` among the tokens
    `held` (a prefix also matches the term itself, as FTS5's does)."""
    return all(any(_hit(a, held) for a in group if a.quality in qualities) for group in groups)


def _hit(alternative, held):
    if alternative.quality == engine.PREFIX:
        return any(token.startswith(alternative.term) for token in held)
    return alternative.term in held
