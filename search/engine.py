"""Index maintenance and queries. Every function takes the peewee database it works on."""
from dataclasses import dataclass

import heapq
import re

from . import forms, ranked, wide
from .text import tokens
from .typos import allowed_edits, distance, term_edits, variants, within_budget

# kind -> (base table, indexed columns, the column whose length breaks ties, bm25 weights —
# no longer used in ranking (see `find`), kept for the shape other modules unpack)
KINDS = {
    "organization": ("organization", ("name", "slug", "domain"), "name", (10.0, 5.0, 2.0)),
    "user": ("user", ("email", "first_name", "last_name"), "email", (5.0, 10.0, 10.0)),
}
CANDIDATES = 1000  # rows `find` returns when its caller names no page size
# Only a query's first tokens are matched: a name has a handful, and each token costs an
# index look-up and a group of the full-text expression.
MAX_QUERY_TOKENS = 10
# Indexed terms a query's typo look-ups may bring back, shared among its tokens: each is
# checked by edit distance in Python and may join the full-text expression. The search
# benchmark's queries find 2 per token at the median, 43 at p99, 80 at most (100,000
# organizations); a vocabulary crafted so that many terms share deletion variants must
# not make one query compare tens of thousands.
MAX_TYPO_CANDIDATES = 2000
# Typo alternatives one query word joins the query with, the nearest (`_near_terms`): an
# ordinary word has a few (the search benchmark's query words at 100,000 organizations: 1
# at the median, 16 at p99, 25 at most), but a number of 7 digits is within 2 edits of a
# thousand others at 1M, and each alternative is a term of every full-text expression the
# query asks — counting the matches of `Organization 0000500` read 446 doclists (10 ms at
# 300,000), and checking its thousand candidates' distances took as long again. Typesense
# bounds the same work (`max_candidates`, 4 by default).
MAX_TYPO_ALTERNATIVES = 64
# A word with more typo candidates than this has them checked in rank order (`_near_terms`)
# rather than all: one more look-up, which costs more than checking a few.
FEW_CANDIDATES = 4 * MAX_TYPO_ALTERNATIVES
# Variables per statement, far below SQLite's limit (999 before 3.32, 32766 since; some
# builds allow more): long lists of values are sent in chunks of this many.
SQL_VARIABLES = 500
# A search's total counts its matches up to this many and stops: counting every match of
# a word most rows hold (FTS5 has no exact count of a query short of visiting each match)
# cost 650 ms at 1M organizations. Past it the total is TOTAL_CAP and `Found.capped` says
# so (the API's `meta.totalCapped`).
TOTAL_CAP = 1000
# An exact or prefix tier with at least this many full-text matches is walked in rank
# order (migration 20's index), each row asked of the full-text index by rowid, instead of
# having every match sorted: the walk reads about limit/density rows, the sort every match.
# Counting up to it costs FTS5 alone a fraction of a millisecond.
DENSE_TIER = 2000  # above TOTAL_CAP: a total counted whole rules a dense tier out
# A query's last word is matched as a prefix through the terms it stands for (see
# `_expansion`), when there are at most this many; else as FTS5's prefix query.
MAX_EXPANSION = 40
# Rows a walk reads in rank order before it gives up for a sort (see `_walk`).
WALK_ROWS = 2000
# A query with fewer full-text matches than this has them all read in one statement and
# ranked in Python (ranked.py) rather than asked of FTS5 tier by tier: most typed queries
# (a name, a typo in one) have a handful.
RANKED_IN_PYTHON = 64
EXACT, PREFIX, TYPO = 0, 1, 2
_WORDS = re.compile(r"[^\W_]+")


def indexed(kind, row):
    """The texts of `row` (a model instance of `kind`) that the search indexes."""
    return tuple(getattr(row, column) for column in KINDS[kind][1])


def document_terms(texts):
    """{term: deletions} for the terms of one document (its indexed columns' texts) that
    get deletion variants: those a typo can reach (`term_edits`), in order, within the
    document's budget (`within_budget`). A text may be None (an empty column)."""
    return within_budget((t for text in texts for t in tokens(text)), term_edits)


def index_document(db, before=(), after=(), kind=None):
    """Keep the variant index in step with one document's write; call it after the write,
    in the writing transaction, with the document's indexed texts `before` (none for a
    create) and `after` (none for a delete), and its `kind` (None: unknown, every term
    counts as held by a primary column: see `_add_vocabulary`).

    New terms get their deletion variants. Terms the document no longer holds lose theirs
    when no document holds them any more — a sweep of just those terms, asked of the
    full-text indexes, rather than a reference count: the indexes are kept by triggers
    for every writer (the CLI, raw SQL, another process), so they cannot drift from the
    documents the way a count kept beside them could.
    """
    index_new(db, [after], [kind])
    forms.forget(db, forms.folds(before) - forms.folds(after), lambda term: in_index(db, term))
    _forget(db, _reachable(before) - _reachable(after))


def index_new(db, documents, kinds=()):
    """Give the terms of `documents` (each one's indexed texts, written in this
    transaction; in `kinds` each one's kind, if known) their deletion variants, as
    `index_document(after=...)` does each, but with one look-up of known terms and one
    insert per table for them all: a batch of creates (an import, a WorkOS page) pays
    for the variant index once.

    A new term is searchable when these documents, in the index now, are found by it
    (`forms.searched_by`, no statement: asking FTS5 cost an import one to three look-ups
    per new term); only a term they are not found by is asked of the indexes."""
    terms, folds, searched = {}, set(), set()
    for texts in documents:
        terms.update(document_terms(texts))  # a term's edits depend on the term alone
        folds |= forms.folds(texts)
        searched |= forms.searched_by(texts)
    forms.add(db, folds)  # first: a term is searchable through its index forms
    known = _known(db, terms)
    _add_terms(db, _searchable(db, {t: e for t, e in terms.items() if t not in known},
                               searched=searched))
    _add_vocabulary(db, documents, kinds)


def _add_vocabulary(db, documents, kinds=()):
    """Add the terms of `documents` (each one's indexed texts) to the vocabulary that
    prefixes are expanded from (`_expansion`), and those of their primary columns to
    the primary vocabulary (`search_vocab_primary`, migration 29: see `_primary_tiers`);
    a term already there is left alone. A document of no known kind (`kinds` is shorter,
    or holds None) has all its terms added to both: "may be in a primary column" is
    never wrong, only slower."""
    connection = db.connection()
    connection.executemany(
        "INSERT OR IGNORE INTO search_vocab VALUES (?)",
        ((term,) for term in {t for texts in documents for text in texts for t in tokens(text)}))
    kinds = list(kinds) + [None] * (len(documents) - len(kinds))
    connection.executemany("INSERT OR IGNORE INTO search_vocab_primary VALUES (?)", (
        (term,) for term in set().union(*(forms.searched_by(_primary_texts(kind, texts))
                                          for texts, kind in zip(documents, kinds)))))


def _primary_texts(kind, texts):
    """The texts of a document's primary columns (PRIMARY), all of them for no kind."""
    if kind is None or not texts:
        return texts
    columns = KINDS[kind][1]
    return [text for column, text in zip(columns, texts) if column in PRIMARY[kind]]


def _reachable(texts):
    """Every term of `texts` that may have deletion variants, within a budget or not."""
    return {t for text in texts for t in tokens(text) if term_edits(t)}


def _in_chunks(db, sql, values):
    """The rows of `sql`, whose `{marks}` stands for an IN list, for every one of `values`:
    one statement per SQL_VARIABLES values, so no list exceeds SQLite's variable limit."""
    values = list(values)
    for start in range(0, len(values), SQL_VARIABLES):
        chunk = values[start:start + SQL_VARIABLES]
        yield from db.execute_sql(sql.format(marks=", ".join("?" * len(chunk))), chunk)


def _known(db, terms):
    """{term: id} for those of `terms` already in the variant index."""
    return dict(_in_chunks(db, "SELECT term, id FROM search_term WHERE term IN ({marks})", terms))


def _add_terms(db, terms):
    """Index `terms` ({term: deletions}) with their deletion variants: each term gets an id
    (`search_term`, ids never given twice: migration 27) and each variant a row (variant,
    term id). Portable SQL: PostgreSQL's text index (store/postgresql/text.py) calls it too."""
    connection = db.connection()
    connection.executemany("INSERT INTO search_term (term) VALUES (?) ON CONFLICT DO NOTHING",
                           ((t,) for t in terms))
    ids = _known(db, terms)
    connection.executemany("INSERT INTO search_variant VALUES (?, ?) ON CONFLICT DO NOTHING",
                           ((v, ids[t]) for t, edits in terms.items() for v in variants(t, edits)))


def _forget(db, terms, held=None):
    """Drop the variant rows of those of `terms` that no indexed document holds any more
    (`held(db, term)`, by default `_held`: the full-text indexes).

    Rows are deleted by their primary key, recomputed from the term: the variant table
    has no index by term, and one would double its size.
    """
    held = held or _held
    connection = db.connection()
    for term, term_id in _known(db, terms).items():
        if held(db, term):
            continue
        connection.executemany("DELETE FROM search_variant WHERE variant = ? AND term_id = ?",
                               ((v, term_id) for v in variants(term, term_edits(term))))
        connection.execute("DELETE FROM search_term WHERE id = ?", (term_id,))


def _searchable(db, terms, folds=True, searched=frozenset()):
    """Those of `terms` ({term: deletions}) a search can find a document by: those in
    `searched`, known to be, and those the indexes say are.

    FTS5's tokenizer does not decompose compatibility characters as `tokens` does (it
    splits "㌀" away, where `tokens` reads "アハート"), so a term of ours may be one no
    document holds in the index; its variants could only lead a query to nothing.
    """
    held = _held if folds else in_index
    return {term: edits for term, edits in terms.items() if term in searched or held(db, term)}


def _held(db, term):
    """Whether a search for `term` still finds some document of any kind: the full-text
    indexes hold it, or it stands for a term they hold in another form (forms.py; those
    rows go when their term goes)."""
    return in_index(db, term) or forms.holds_fold(db, term)


def in_index(db, term):
    """Whether the full-text indexes hold `term`: asked as a query would ask it, quoted."""
    return any(db.execute_sql(f"SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT 1",
                              (f'"{term}"',)).fetchone()
               for table, *_ in KINDS.values())


def held_expression(db, term):
    """The FTS5 expression finding the documents that hold `term` in any form."""
    index_terms = forms.index_terms(db, [term], _in_chunks).get(term, [])
    return " OR ".join(f'"{t}"' for t in [term, *index_terms])


def reindex_terms(db):
    """Recompute the variant index from every document, as `index_document` builds it, in
    the caller's transaction (migrations; `rebuild.reindex` does it while serving)."""
    # migrations before the 17th, which made the map of index forms, call this too
    mapped = forms.mapped(db)
    db.execute_sql("DELETE FROM search_variant")
    db.execute_sql("DELETE FROM search_term")
    terms, folds = {}, set()
    for table, columns, *_ in KINDS.values():
        for row in db.execute_sql(f"SELECT {', '.join(columns)} FROM {table}"):
            terms.update(document_terms(row))
            folds |= forms.folds(row) if mapped else set()
    if mapped:
        db.execute_sql("DELETE FROM search_fold")
        forms.add(db, folds)
    _add_terms(db, _searchable(db, terms, folds=mapped))


@dataclass
class _Alternative:
    term: str
    quality: int  # EXACT, PREFIX or TYPO
    edits: int = 0
    kept: int = 0  # letters the typo leaves in place at the start (see _grade)
    forms: tuple = ()  # the index's other forms of `term` (forms.py), matched with it
    expansion: tuple | None = None  # a PREFIX's indexed terms, when few (see _expansion)
    wide: bool = False  # a PREFIX of more indexed terms than are expanded (see wide.py)


def _alternatives(db, token, last, edits, room):
    """What an indexed term may be for this query token: itself, a prefix, a near miss
    within `edits`, found among at most `room` typo candidates."""
    found = [_Alternative(token, EXACT)]
    if last:
        terms = _expansion(db, token)
        few = 0 < len(terms) <= MAX_EXPANSION
        found.append(_Alternative(token, PREFIX, expansion=terms if few else None,
                                  wide=len(terms) > MAX_EXPANSION))
    if edits and room:
        found += _near_terms(db, token, edits, room)
    return found


def _near_terms(db, token, edits, room):
    """The typo alternatives of `token`: indexed terms within `edits` of it, at most
    MAX_TYPO_ALTERNATIVES, the nearest (fewer edits, then the longer kept start, then the
    term), found among at most `room` candidates (terms sharing a deletion variant).

    An ordinary word has a few candidates, each checked. A word with many (a number's:
    `00000` is a deletion of most numbers with five zeros, and `0000500` had a thousand
    candidates whose distances were a search's slowest Python) is not checked whole:
    the terms found by the word and its one-letter deletions are — every term one edit
    away is among them (a substitution, an insertion, a deletion or a transposition
    leaves both words one deletion from a common word, and the index holds each term's
    deletions) — and the rest, two edits away or more, only when those leave places,
    in the order they would rank (longer kept start, then the term) and only until the
    places are filled. Not checked against this index's vocabulary (fts5vocab cannot be
    joined cheaply): a candidate no document holds any more simply matches nothing."""
    candidates = _candidates(db, variants(token, edits), room, token)
    if len(candidates) <= FEW_CANDIDATES:
        near = _within(token, edits, candidates)
    else:
        first = _candidates(db, variants(token, 1), room, token)
        near = _within(token, edits, first)
        close = sum(a.edits <= 1 for a in near)
        if close < MAX_TYPO_ALTERNATIVES:
            farther = sorted(set(candidates) - set(first),
                             key=lambda term: (-_common_prefix(token, term), term))
            near += _within(token, edits, farther, MAX_TYPO_ALTERNATIVES - close)
    near.sort(key=lambda a: (a.edits, -a.kept, a.term))
    return near[:MAX_TYPO_ALTERNATIVES]


def _candidates(db, variant_words, room, token):
    """Up to `room` indexed terms other than `token` that have one of `variant_words`
    among their deletion variants, in SQLite's order."""
    found = {}
    for (term,) in _in_chunks(db, "SELECT term FROM search_term WHERE id IN (SELECT "
                                  "DISTINCT term_id FROM search_variant "
                                  f"WHERE variant IN ({{marks}}) LIMIT {room})",
                              variant_words):
        if term != token:
            found[term] = None
            if len(found) >= room:
                break
    return list(found)


def _within(token, edits, terms, wanted=None):
    """The typo alternatives among `terms` (`token`'s candidates): those within `edits`,
    in the order given, stopping at `wanted` of them."""
    found = []
    for term in terms:
        cost = distance(token, term, edits)
        if cost <= edits:
            found.append(_Alternative(term, TYPO, cost, _common_prefix(token, term)))
            if wanted is not None and len(found) >= wanted:
                break
    return found


def _expansion(db, prefix):
    """The indexed terms that begin with `prefix` (itself included), up to one more than
    MAX_EXPANSION. Up to that many, the prefix is asked as those terms: FTS5 merges every
    doclist of a prefix query before its first row (tens of ms for a word in most rows),
    where an OR of terms is read lazily. More, and it is "wide" (wide.py). With none
    known, FTS5 is asked (cheap then: its doclists are short or empty), so a row written
    around the store is still found by a prefix of its own."""
    return tuple(row[0] for row in db.execute_sql(
        f"SELECT term FROM search_vocab WHERE term >= ? AND term < ? LIMIT {MAX_EXPANSION + 1}",
        (prefix, _after_prefix(prefix))))


def _match_expression(groups):
    """FTS5 syntax built only from indexed terms (letters and digits), each quoted."""
    ors = []
    for group in groups:
        parts = set()
        for a in group:
            if a.quality != PREFIX:
                parts.add(f'"{a.term}"')
            elif a.expansion is None:
                parts.add(f'"{a.term}"*')
            else:  # the folded terms it stands for; their other index forms come below
                parts.update(f'"{term}"' for term in a.expansion)
            parts.update(f'"{form}"' for form in a.forms)
        ors.append("(" + " OR ".join(sorted(parts)) + ")")
    return " AND ".join(ors)


def _common_prefix(a, b):
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count


def _grade(doc_tokens, group):
    """The best way this document matches one query token: (quality, edits, -kept).

    Among near misses with as many edits, the one agreeing longer from the first letter
    wins: typists rarely get a word's start wrong, so `mucy` means `mecy` before `lucy`.
    """
    best = (TYPO + 1, 0, 0)
    for alternative in group:
        if alternative.quality == PREFIX:
            hit = any(t.startswith(alternative.term) and t != alternative.term for t in doc_tokens)
        else:
            hit = alternative.term in doc_tokens
        if hit:
            best = min(best, (alternative.quality, alternative.edits, -alternative.kept))
    return best


def _query_groups(db, query_tokens, index_forms=True):
    """One group of alternatives per query token. Typo look-ups are bounded per query:
    the tokens whose variants fit the budget a document has (`within_budget`) get typos,
    and they share MAX_TYPO_CANDIDATES candidate terms equally. `index_forms`: whether
    the index holds other forms than `tokens` reads (FTS5's; an index written by
    `tokens` itself holds none, and asks nothing of `search_fold`)."""
    typos = within_budget(query_tokens, allowed_edits)
    room = MAX_TYPO_CANDIDATES // max(len(typos), 1)
    groups = [_alternatives(db, token, i == len(query_tokens) - 1, typos.get(token, 0), room)
              for i, token in enumerate(query_tokens)]
    if index_forms:
        _add_forms(db, groups)
    return groups


def _add_forms(db, groups):
    """Give each alternative the index's other forms of its term (forms.py): one look-up
    for every whole term of the query, and a bounded one for the prefix."""
    whole = {a.term for group in groups for a in group if a.quality != PREFIX}
    found = forms.index_terms(db, whole, _in_chunks)
    for group in groups:
        for a in group:
            a.forms = tuple(forms.prefix_terms(db, a.term) if a.quality == PREFIX
                            else found.get(a.term, ()))


@dataclass
class Found:
    ids: list  # best first: the page asked for
    total: int  # every match, up to TOTAL_CAP
    terms: set  # (indexed term, EXACT | PREFIX | TYPO) pairs the query used, for highlighting
    after: tuple | None = None  # the rank key of the last id when more follow (see `rank key`)
    capped: bool = False  # more than TOTAL_CAP match: `total` is TOTAL_CAP


# The primary columns of a kind: a document whose query words all lie there comes first
# within a quality, as bm25's weights once put a name above a slug or a domain.
PRIMARY = {"organization": ("name",), "user": ("first_name", "last_name")}
TYPO_TIER = 4  # rank keys: (tier, typos, unkept, length of the tie column, id)


def find(db, kind, text, *, where="", params=(), count=True, limit=CANDIDATES, after=None):
    """The best `limit` rows of `kind` matching `text` past the rank key `after`.

    Ranking is a total order computed from each row and the query alone — never from the
    rest of the table, as bm25's term statistics are — so a page can seek past the last
    key it served: a walk neither repeats nor skips a row that matches throughout, whatever
    is inserted or deleted meanwhile. The key (see `_tiers`): tier (exact before prefix
    before typo matches, each split by whether every query word is in a primary column),
    then within typo matches fewer typos and a longer kept start, then the shorter tie
    column (name, email), then the id.

    `where` is an SQL condition on the base table (alias `d`) with `params`, for the
    caller's filters (verified only, one organization, ...). Without `count`, `total` is
    None and the statement that counts the matches is saved (type-ahead needs no total);
    with it, matches are counted up to TOTAL_CAP (see there).
    """
    table, _, tie_column, _ = KINDS[kind]
    query_tokens = tokens(text)[:MAX_QUERY_TOKENS]
    if not query_tokens:
        return Found([], 0, set())
    groups = _query_groups(db, query_tokens)
    condition = f" AND ({where})" if where else ""
    wide_prefix = wide.is_wide(groups)
    found = None
    if wide_prefix:  # few rows hold the other words: rank those
        found = wide.candidates(db, kind, groups, condition, params, count, limit, after)
    elif _typos(groups) <= MAX_EXPANSION:  # few matches: rank them all
        # (not with many typo alternatives, a number's: asking FTS5 for the whole
        # expression costs more than the tiers that end before its typos)
        found = ranked.found(db, kind, groups, _match_expression(groups), condition, params,
                             min(RANKED_IN_PYTHON, DENSE_TIER), count=count, limit=limit,
                             after=after)
    if found is not None:
        return found
    base = (f"FROM {table}_fts f CROSS JOIN {table} d ON d.rowid = f.rowid "
            f"WHERE {table}_fts MATCH ?{condition}")
    # CROSS JOIN keeps the full-text match as the outer loop: otherwise SQLite may walk a
    # filter's index (verified organizations) and probe the FTS index once per row.
    total, capped = None, False
    if count:  # a wide prefix is counted on a walk if it can be: FTS5 would merge it whole
        counted = wide.count(db, kind, groups, condition, params) if wide_prefix else None
        total, capped = counted or _count(db, base, _match_expression(groups), params)
    # a total counted whole, below TOTAL_CAP, says no tier is dense: no need to ask
    plan = _Plan(db, kind, groups, condition, params, base, not count or capped, wide_prefix)
    keys = []
    for head, match in _heads(kind, groups, after, _primary_tiers(db, groups)):
        room = limit + 1 - len(keys)
        if head is None:
            keys += plan.typo_tier(match, after, room)
        else:
            keys += plan.tier(head, match, after, room)
        if len(keys) > limit:
            break
    more = len(keys) > limit
    keys = keys[:limit]
    return Found([key[-1] for key in keys], total, used_terms(groups),
                 keys[-1] if more else None, capped)


def used_terms(groups):
    """The (indexed term, quality) pairs a query used, for highlighting (`spans`)."""
    return {(a.term, a.quality) for group in groups for a in group}


def _count(db, base, match, params):
    """(total, capped): the matches counted up to TOTAL_CAP, and whether more exist."""
    counted, = db.execute_sql(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {TOTAL_CAP + 1})",
                              (match, *params)).fetchone()
    return min(counted, TOTAL_CAP), counted > TOTAL_CAP


def _tiers(kind, groups, primary_tiers=(0, 2)):
    """(tier, FTS expression) pairs, best first, that split the matches of `groups`
    without overlap: every query word exact, then prefix, then (tier TYPO_TIER) typos; the
    first two each split into "all in a primary column" and the rest. A primary tier
    not in `primary_tiers` is known to be empty (`_primary_tiers`): it is left out, and
    the rest of its quality is every match of it."""
    exact = _match_expression([[a for a in g if a.quality == EXACT] for g in groups])
    prefix = _match_expression([[a for a in g if a.quality != TYPO] for g in groups])
    every = _match_expression(groups)
    primary = "{" + " ".join(PRIMARY[kind]) + "}"
    if 0 in primary_tiers:
        found = [(0, f"{primary} : ({exact})"), (1, f"({exact}) NOT ({primary} : ({exact}))")]
    else:
        found = [(1, f"({exact})")]
    if prefix != exact:
        narrower = f"({prefix}) NOT ({exact})"
        if 2 in primary_tiers:
            found += [(2, f"({primary} : ({prefix})) NOT ({exact})"),
                      (3, f"{narrower} NOT ({primary} : ({prefix}))")]
        else:
            found.append((3, narrower))
    if every != prefix:
        found.append((TYPO_TIER, f"({every}) NOT ({prefix})"))
    return found


def _primary_tiers(db, groups):
    """The primary tiers (0: every query word exact in a primary column; 2: exact or as
    a prefix) that may have matches: those where each query word has an alternative
    that the primary vocabulary (`search_vocab_primary`) says some primary column may
    hold (`_in_primary`). A tier left out is never asked of FTS5, which reads a term's
    whole doclist to find that no primary column holds it (`co`: `com`, in every
    domain and no name, a million postings: 20 ms at 1M organizations)."""
    seen = {}

    def may_hold(a):
        if (a.term, a.quality) not in seen:
            seen[a.term, a.quality] = _in_primary(db, a)
        return seen[a.term, a.quality]

    return tuple(tier for tier, qualities in ((0, (EXACT,)), (2, (EXACT, PREFIX)))
                 if all(any(may_hold(a) for a in g if a.quality in qualities) for g in groups))


def _in_primary(db, alternative):
    """Whether a primary column may hold `alternative` (EXACT or PREFIX) as FTS5 matches
    it. The primary vocabulary holds every term a store's write or a rebuild put in a
    primary column, as FTS5 and `tokens` read it (`_add_vocabulary`; migration 29 filled
    it from FTS5's own), and is never swept: a term not there is in no primary column.
    Non-ASCII terms and terms with other index forms are assumed held (FTS5 may read
    them otherwise), as is a prefix of no known term (left to FTS5, cheap then)."""
    a = alternative
    terms = a.expansion if a.quality == PREFIX and not a.wide else (a.term,)
    if a.forms or terms is None or not all(t.isascii() for t in (a.term, *terms)):
        return True
    if a.quality != PREFIX:
        statement, values = "term = ?", (a.term,)
    else:  # any term it stands for: the expansion's, or (wide) FTS5's prefix query's
        statement, values = "term >= ? AND term < ?", (a.term, _after_prefix(a.term))
    return db.execute_sql(f"SELECT 1 FROM search_vocab_primary WHERE {statement} LIMIT 1",
                          values).fetchone() is not None


def _after_prefix(prefix):
    """The least string above every string that begins with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _heads(kind, groups, after, primary_tiers=(0, 2)):
    """(head, FTS expression) pairs, best first, splitting the matches without overlap:
    `head` is the rank keys' first three numbers (tier, typos, unkept), shared by every
    match of the expression, so that its order within is (tie length, id) — or None for
    the typo tier (`_Plan.typo_tier`). Heads before `after`'s are left out; so are the
    primary tiers not in `primary_tiers`."""
    for tier, match in _tiers(kind, groups, primary_tiers):
        if after is None or tier >= after[0]:
            yield ((tier, 0, 0) if tier != TYPO_TIER else None), match


class _Plan:
    """How `find` reads each tier of one query: sorted when it has few full-text matches,
    walked in rank order when many (and the caller's total allows it: `may_walk`)."""

    def __init__(self, db, kind, groups, condition, params, base, may_walk, wide_prefix):
        self.db, self.kind, self.groups = db, kind, groups
        self.condition, self.params, self.base = condition, params, base
        self.may_walk, self.wide_prefix = may_walk, wide_prefix
        self.table, _, self.tie_column, _ = KINDS[kind]

    def tier(self, head, match, after, room):
        """Up to `room` rank keys of the tier `match` (all sharing `head`) past `after`."""
        if self.wide_prefix and head[0] in (2, 3):  # the wide prefix's tiers (wide.py)
            walked = wide.walk(self.db, self.kind, self.groups, self.condition, self.params,
                               head, after, room)
            if walked is not None:
                return walked
        elif self.may_walk and not (self.wide_prefix and "*" in match):
            # (a wide prefix left to FTS5 would make each of the walk's look-ups merge its
            # doclists again: it is sorted instead; a prefix of no known term is cheap)
            length = f"coalesce(length(d.{self.tie_column}), 0)"
            seek, values = _past(length, head, after)
            few = matches_below(self.db, self.table, self.condition, self.params, match,
                                DENSE_TIER, [length, "d.id"],
                                f"{seek} ORDER BY 1, 2 LIMIT {room}", values)
            if few is not None:  # (sorted again: a subquery's order is SQLite's choice)
                return sorted((*head, size, row_id) for size, row_id in few)
            walked = _walk(self.db, self.kind, self.condition, match, self.params, head,
                           after, room)
            if walked is not None:
                return walked
        return _seek(self.db, self.tie_column, self.base, match, self.params, head, after, room)

    def typo_tier(self, match, after, room):
        """Up to `room` rank keys of the typo tier past `after`: its matches graded in
        Python — or, when their typos are all in one query word and they are many (a
        misspelt common word) or come from many typos (a number: `0000123` is within 2
        edits of a thousand numbers), split by that word's grade (`_typo_grades`), each
        grade sought or walked like the other tiers, best first, until the page is full,
        rather than every match read and graded."""
        graded = _typo_grades(self.groups)
        if graded is None:
            return _typo_keys(self.db, self.kind, self.groups, self.base, match, self.params,
                              after, room)
        few = (matches_below(self.db, self.table, self.condition, self.params, match,
                             DENSE_TIER, ["d.id", *(f"d.{c}" for c in KINDS[self.kind][1])])
               if _typos(self.groups) <= MAX_EXPANSION else None)
        if few is not None:
            return _typo_graded(self.kind, self.groups, few, after, room)
        keys = []
        for head, expression in graded:
            if after is None or head >= tuple(after[:3]):
                keys += self.tier(head, expression, after, room - len(keys))
                if len(keys) >= room:
                    break
        return keys


def _typos(groups):
    """How many typo alternatives a query has (a number's are hundreds)."""
    return sum(a.quality == TYPO for group in groups for a in group)


def matches_below(db, table, condition, params, match, bound, columns, rest="", values=()):
    """The rows of `columns` (SQL over the table `d`) among the full-text matches of
    `match` that pass the caller's `condition` (with `params`), then `rest` (a seek, an
    order) with `values` — or None when `match` has `bound` full-text matches or more:
    the count and the rows in one statement, where a count and a sort took two. (The
    count comes first; the rows are read only below the bound.)"""
    nulls = ", NULL" * (len(columns) - 1)  # the count's row is as wide as the others
    rows = db.execute_sql(
        f"WITH m AS MATERIALIZED (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? "
        f"LIMIT {bound}) SELECT count(*){nulls} FROM m UNION ALL SELECT * FROM "
        f"(SELECT {', '.join(columns)} FROM m CROSS JOIN {table} d ON d.rowid = m.rowid "
        f"WHERE (SELECT count(*) FROM m) < {bound}{condition}{rest})",
        (match, *params, *values)).fetchall()
    return rows[1:] if rows[0][0] < bound else None


def _typo_grades(groups):
    """[(head, expression)] splitting the typo tier by grade when only one query word has
    typo alternatives, else None. A match of the typo tier then holds that word only as
    typos, and its rank key's typos and unkept are those of the best typo it holds
    (`_grade`): each grade's expression asks for one of its typos and none better, nor
    the word exact or as a prefix."""
    typo_words = [i for i, group in enumerate(groups) if any(a.quality == TYPO for a in group)]
    if len(typo_words) != 1:
        return None
    word = typo_words[0]
    plain = [[a for a in group if a.quality != TYPO] for group in groups]
    typos = [a for a in groups[word] if a.quality == TYPO]
    found, better = [], list(plain[word])
    for edits, unkept in sorted({(a.edits, -a.kept) for a in typos}):
        these = [a for a in typos if (a.edits, -a.kept) == (edits, unkept)]
        wanted = _match_expression(plain[:word] + [these] + plain[word + 1:])
        found.append(((TYPO_TIER, edits, unkept), f"({wanted}) NOT {_match_expression([better])}"))
        better += these
    return found


def _seek(db, tie_column, base, match, params, head, after, room):
    """Up to `room` rank keys of the matches of `match`, which share the rank key's `head`,
    in order, past `after`: the order within is (length of the tie column, id), which
    SQLite seeks and sorts."""
    length = f"coalesce(length(d.{tie_column}), 0)"
    seek, values = _past(length, head, after)
    rows = db.execute_sql(f"SELECT {length}, d.id {base}{seek} ORDER BY 1, 2 LIMIT {room}",
                          (match, *params, *values))
    return [(*head, size, row_id) for size, row_id in rows]


def _walk(db, kind, condition, match, params, head, after, room):
    """What `_seek` returns, for matches too many to sort: the rows in rank order
    (migration 20's index, `{table}_rank_order`), each kept if the full-text index holds
    it for `match` (a look-up by rowid) and it passes the caller's filters — among the
    next WALK_ROWS rows only. None when those held fewer than `room` keys: the matches may
    be sparse past them (or the filters refuse most), and only a sort is sure to end soon."""
    table, _, tie_column, _ = KINDS[kind]
    length = f"coalesce(length(d.{tie_column}), 0)"
    seek, values = _past(length, head, after)
    order = f"FROM {table} d INDEXED BY {table}_rank_order WHERE 1{seek}"
    bound = db.execute_sql(f"SELECT {length}, d.id {order} ORDER BY 1, 2 LIMIT 1 "
                           f"OFFSET {WALK_ROWS - 1}", values).fetchone()
    within, limits = ("", ()) if bound is None else (f" AND ({length}, d.id) <= (?, ?)", bound)
    rows = db.execute_sql(
        f"SELECT {length}, d.id {order}{within} AND EXISTS (SELECT 1 FROM {table}_fts "
        f"WHERE {table}_fts.rowid = d.rowid AND {table}_fts MATCH ?){condition} "
        f"ORDER BY 1, 2 LIMIT {room}", (*values, *limits, match, *params)).fetchall()
    if len(rows) < room and bound is not None:
        return None
    return [(*head, size, row_id) for size, row_id in rows]


def _past(length, head, after):
    """The SQL condition and values that seek past the rank key `after` among the keys
    beginning with `head`."""
    if after is not None and tuple(after[:3]) == head:
        return f" AND ({length}, d.id) > (?, ?)", (after[3], after[4])
    return "", ()


def _typo_keys(db, kind, groups, base, match, params, after, room):
    """Up to `room` rank keys of the typo tier past `after`: graded in Python (fewer
    typos, then the longer kept start of each typo'd word) over every typo match."""
    columns = KINDS[kind][1]
    rows = db.execute_sql(f"SELECT d.id, {', '.join('d.' + c for c in columns)} {base}",
                          (match, *params))
    return _typo_graded(kind, groups, rows, after, room)


def _typo_graded(kind, groups, rows, after, room):
    """The first `room` rank keys past `after` of typo matches `rows` (id, indexed texts)."""
    _, columns, tie_column, _ = KINDS[kind]
    keys = []
    for row in rows:
        doc_tokens = set(tokens(" ".join(v for v in row[1:] if v)))
        tie = row[1 + columns.index(tie_column)] or ""
        key = typo_key(doc_tokens, groups, len(tie), row[0])
        if after is None or key > tuple(after):
            keys.append(key)
    return heapq.nsmallest(room, keys)


def typo_key(doc_tokens, groups, size, row_id):
    """The rank key of a typo match holding `doc_tokens`, `size` long in its tie column:
    fewer typos first, then the longer kept starts of its typo'd words (`_grade`)."""
    grades = [_grade(doc_tokens, group) for group in groups]
    return (TYPO_TIER, sum(e for _, e, _ in grades), sum(k for _, _, k in grades), size, row_id)


def spans(text, terms):
    """[start, end) character ranges of the words of `text` that a search matched."""
    found = []
    for word in _WORDS.finditer(text or ""):
        for token in tokens(word.group()):
            if any(token.startswith(term) if quality == PREFIX else token == term
                   for term, quality in terms):
                found.append([word.start(), word.end()])
                break
    return found
