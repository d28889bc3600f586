"""Typo tolerance in the spirit of Typesense's defaults.

A query token of 4 to 6 characters may be 1 edit away from an indexed term, one of 7 or
more 2 edits (insertion, deletion, substitution, transposition of neighbours). Candidate
terms are found through their deletion variants (the SymSpell method): two words within
k edits share a word made by deleting at most k letters from each, so a query looks up
its own variants in an index instead of scanning the vocabulary.
"""

MAX_EDITS = 2


def allowed_edits(token):
    return 0 if len(token) < 4 else 1 if len(token) < 7 else 2


def variants(word, edits=MAX_EDITS):
    """`word` and every word made by deleting up to `edits` of its letters."""
    found = {word}
    frontier = {word}
    for _ in range(edits):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w)) if len(w) > 1}
        found |= frontier
    return found


def distance(a, b, limit):
    """Edit distance with adjacent transpositions (optimal string alignment), or limit + 1
    as soon as it is known to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
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
