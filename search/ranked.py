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
    match: the tiers of `engine._tiers`, read from the row's tokens.

    Each tier asks every query word one thing (its exact term in a primary column; exact
    anywhere; exact or prefix in a primary column; exact or prefix anywhere; any
    alternative anywhere): a word's answers are bits, the row's tier the first bit every
    word has."""
    _, columns, _, _ = engine.KINDS[kind]
    primary_columns = engine.PRIMARY[kind]
    primary, everywhere = [], []
    for column, text in zip(columns, texts):
        found = tokens(text)
        everywhere += found
        if column in primary_columns:
            primary += found
    every = _ALL
    for group in groups:
        every &= _answers(group, primary, everywhere)
        if not every:
            return None
    tier = (every & -every).bit_length() - 1
    if tier < engine.TYPO_TIER:
        return (tier, 0, 0, size, row_id)
    return engine.typo_key(set(everywhere), groups, size, row_id)


# The bits of `_answers`: bit t is tier t's question (see `row_key`).
_ALL = 0b11111
_EXACT_PRIMARY, _EXACT = 0b11111, 0b11010
_PREFIX_PRIMARY, _PREFIX, _TYPO = 0b11100, 0b11000, 0b10000


def _answers(group, primary, everywhere):
    """The tiers' questions one query word's alternatives answer yes (bits), a prefix
    also matching the term itself, as FTS5's does."""
    found = 0
    for a in group:
        if a.quality == engine.EXACT:
            found |= (_EXACT_PRIMARY if a.term in primary else
                      _EXACT if a.term in everywhere else 0)
        elif a.quality == engine.PREFIX:
            found |= (_PREFIX_PRIMARY if any(t.startswith(a.term) for t in primary) else
                      _PREFIX if any(t.startswith(a.term) for t in everywhere) else 0)
        elif a.term in everywhere:
            found |= _TYPO
    return found
