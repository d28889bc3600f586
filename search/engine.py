"""Index maintenance and queries. Every function takes the peewee database it works on."""
from dataclasses import dataclass

import re

from .text import tokens
from .typos import allowed_edits, distance, variants

# kind -> (base table, indexed columns, the column whose length breaks ties, bm25 weights)
KINDS = {
    "organization": ("organization", ("name", "slug", "domain"), "name", (10.0, 5.0, 2.0)),
    "user": ("user", ("email", "first_name", "last_name"), "email", (5.0, 10.0, 10.0)),
}
CANDIDATES = 1000  # ranked in Python; more matches still count in the total
EXACT, PREFIX, TYPO = 0, 1, 2
_WORDS = re.compile(r"[^\W_]+")


def remember(db, *texts):
    """Add the deletion variants of terms not seen before; call in the writing transaction.

    Variants are an accelerator only: a variant of a term no longer indexed does no harm,
    because candidates are checked against the live vocabulary.
    """
    terms = {t for text in texts for t in tokens(text)}
    if not terms:
        return
    marks = ", ".join("?" * len(terms))
    known = {row[0] for row in db.execute_sql(
        f"SELECT term FROM search_term WHERE term IN ({marks})", tuple(terms))}
    _add_terms(db, terms - known)


def _add_terms(db, terms):
    if not terms:
        return
    connection = db.connection()
    connection.executemany("INSERT OR IGNORE INTO search_term VALUES (?)", [(t,) for t in terms])
    connection.executemany("INSERT OR IGNORE INTO search_variant VALUES (?, ?)",
                           [(v, t) for t in terms for v in variants(t)])


def reindex_terms(db):
    """Recompute the variant index from the vocabulary of both FTS indexes."""
    db.execute_sql("DELETE FROM search_variant")
    db.execute_sql("DELETE FROM search_term")
    terms = set()
    for table, *_ in KINDS.values():
        terms |= {row[0] for row in db.execute_sql(f"SELECT term FROM {table}_terms")}
    _add_terms(db, terms)


def reindex(db):
    """Rebuild the FTS indexes from their tables, then the variant index."""
    for table, *_ in KINDS.values():
        db.execute_sql(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('rebuild')")
    reindex_terms(db)


@dataclass
class _Alternative:
    term: str
    quality: int  # EXACT, PREFIX or TYPO
    edits: int = 0
    kept: int = 0  # letters the typo leaves in place at the start (see _grade)


def _alternatives(db, token, last):
    """What an indexed term may be for this query token: itself, a prefix, a near miss."""
    found = [_Alternative(token, EXACT)]
    if last:
        found.append(_Alternative(token, PREFIX))
    edits = allowed_edits(token)
    if edits:
        probes = tuple(variants(token, edits))
        marks = ", ".join("?" * len(probes))
        # Not checked against this index's vocabulary (fts5vocab cannot be joined cheaply):
        # a candidate no document holds any more simply matches nothing.
        candidates = {row[0] for row in db.execute_sql(
            f"SELECT DISTINCT term FROM search_variant WHERE variant IN ({marks})", probes)}
        for term in candidates - {token}:
            cost = distance(token, term, edits)
            if cost <= edits:
                found.append(_Alternative(term, TYPO, cost, _common_prefix(token, term)))
    return found


def _match_expression(groups):
    """FTS5 syntax built only from indexed terms (letters and digits), each quoted."""
    ors = []
    for group in groups:
        parts = {f'"{a.term}"*' if a.quality == PREFIX else f'"{a.term}"' for a in group}
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


@dataclass
class Found:
    ids: list  # best first, at most CANDIDATES
    total: int  # every match
    terms: set  # (indexed term, EXACT | PREFIX | TYPO) pairs the query used, for highlighting


def find(db, kind, text, *, where="", params=(), count=True):
    """Rows of `kind` matching `text`, best first.

    `where` is an SQL condition on the base table (alias `d`) with `params`, for the
    caller's filters (verified only, one organization, ...). Without `count`, `total` is
    None and the statement that counts every match is saved (type-ahead needs no total).
    """
    table, columns, tie_column, weights = KINDS[kind]
    query_tokens = tokens(text)[:10]
    if not query_tokens:
        return Found([], 0, set())
    groups = [_alternatives(db, token, i == len(query_tokens) - 1)
              for i, token in enumerate(query_tokens)]
    match = _match_expression(groups)
    condition = f" AND ({where})" if where else ""
    # CROSS JOIN keeps the full-text match as the outer loop: otherwise SQLite may walk a
    # filter's index (verified organizations) and probe the FTS index once per row.
    base = (f"FROM {table}_fts f CROSS JOIN {table} d ON d.rowid = f.rowid "
            f"WHERE {table}_fts MATCH ?{condition}")
    total = db.execute_sql(f"SELECT count(*) {base}", (match, *params)).fetchone()[0] if count else None
    rank = f"bm25({table}_fts, {', '.join(str(w) for w in weights)})"
    rows = db.execute_sql(
        f"SELECT d.id, {', '.join('d.' + c for c in columns)}, {rank} AS score {base} "
        f"ORDER BY score LIMIT {CANDIDATES}", (match, *params)).fetchall()
    ranked = []
    for row in rows:
        doc_tokens = set(tokens(" ".join(v for v in row[1:-1] if v)))
        grades = [_grade(doc_tokens, group) for group in groups]
        worst = max(quality for quality, _, _ in grades)
        typos = sum(edits for _, edits, _ in grades)
        unkept = sum(kept for _, _, kept in grades)
        tie = row[1 + columns.index(tie_column)] or ""
        ranked.append(((worst, typos, unkept, row[-1], len(tie)), row[0]))
    ranked.sort()
    terms = {(a.term, a.quality) for group in groups for a in group}
    return Found([row_id for _, row_id in ranked], total, terms)


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
