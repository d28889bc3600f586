"""Typo tolerance in the spirit of Typesense's defaults.

A query token of 4 to 6 characters may be 1 edit away from an indexed term, one of 7 or
more 2 edits (insertion, deletion, substitution, transposition of neighbours). Candidate
terms are found through their deletion variants (the SymSpell method): two words within
k edits share a word made by deleting at most k letters from each, so a query looks up
its own variants in an index instead of scanning the vocabulary.

Every length here is counted in letters after normalization (`text.tokens`), never as
sent: one character such as U+3300 expands to five letters, and the number of deletion
variants grows with the square of a word's length.
"""

MAX_EDITS = 2
# Query tokens longer than this get no typo tolerance, only exact and prefix matching.
# Words of ordinary names stay well below it (the search benchmark's longest is 16
# letters, 18 with its typos; "internationalization" is 20), while a 700-letter token
# made of U+33xx characters would have a quarter of a million deletion variants.
MAX_TYPO_LENGTH = 20
# A document's (or a query's) typo-tolerant terms may have this many bytes of deletion
# variant rows together (`variant_bytes`): the terms, in order, that fit get variants, the
# rest only exact and prefix matching. Counted in bytes, not rows, because what a write
# may add to the file is the bound, and a katakana letter takes 3 bytes. The search
# benchmark's 100,000 organizations need 2.1 KiB at the median and 10 KiB at most;
# "Internationalization Consulting Partners Worldwide Holdings" with its slug and domain
# 11.3 KiB. 16 KiB of rows keeps one create or update below about 40 KB of file growth.
MAX_VARIANT_BYTES = 16 * 1024


def allowed_edits(token):
    """The typos a query token may carry: none below 4 letters or above MAX_TYPO_LENGTH."""
    if len(token) > MAX_TYPO_LENGTH:
        return 0
    return 0 if len(token) < 4 else 1 if len(token) < 7 else 2


def term_edits(term):
    """The deletions an indexed term needs so that every query token allowed typos can
    reach it: a query of 4-6 letters (1 edit) reaches terms of 3-7, one of 7 or more
    (2 edits) terms of 5 or more, up to MAX_TYPO_LENGTH + MAX_EDITS letters."""
    if len(term) < 3 or len(term) > MAX_TYPO_LENGTH + MAX_EDITS:
        return 0
    return 1 if len(term) < 5 else 2


def variants(word, edits=MAX_EDITS):
    """`word` and every word made by deleting up to `edits` of its letters."""
    found = {word}
    frontier = {word}
    for _ in range(edits):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w)) if len(w) > 1}
        found |= frontier
    return found


def variant_bytes(word, edits):
    """At most how many bytes the variant rows of `word` hold: 1 + n + n(n-1)/2 rows for
    2 edits, each a variant and the word, in UTF-8. Counted without building them, so a
    budget can refuse a long word cheaply."""
    rows, ways = 1, 1
    for k in range(1, edits + 1):
        ways = ways * (len(word) - k + 1) // k
        rows += ways
    return rows * 2 * len(word.encode())


def within_budget(words, edits_of, budget=MAX_VARIANT_BYTES):
    """{word: edits} for the distinct `words`, in order, whose variants fit in `budget`
    bytes together; a word that does not fit is left out (later, shorter ones may fit).

    A pure function of `words`, so a document's typo-tolerant terms are the same whether
    indexed one by one or rebuilt.
    """
    chosen = {}
    for word in dict.fromkeys(words):
        edits = edits_of(word)
        cost = variant_bytes(word, edits) if edits else 0
        if edits and cost <= budget:
            chosen[word] = edits
            budget -= cost
    return chosen


def distance(a, b, limit):
    """Edit distance with adjacent transpositions (optimal string alignment), or more than
    `limit` as soon as it is known to exceed it.

    The letters both words begin and end with cost nothing, so only the middle between
    them is tabled: for a typo, a letter or two instead of the whole word (a search checks
    every typo candidate, and the full table was most of a cache miss's Python).
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    start, shorter = 0, min(len(a), len(b))
    while start < shorter and a[start] == b[start]:
        start += 1
    end = 0
    while end < shorter - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return _table(a[start:len(a) - end], b[start:len(b) - end], limit)


def _table(a, b, limit):
    """`distance` of two words that differ in their first and in their last letter."""
    if not a or not b:
        return len(a) + len(b)
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
