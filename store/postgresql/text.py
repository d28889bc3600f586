"""The text index on PostgreSQL: the search package's relevance over a token table.

SQLite keeps documents' terms in FTS5 tables; PostgreSQL keeps them in `search_token`,
(kind, token, document id, column), one row per distinct token of each indexed column,
tokenized in Python by `search.text.tokens` — the very function that tokenizes queries,
so a document and a query can never disagree on what a word is. The typo look-ups use
SQLite's deletion-variant tables (`search_term`, `search_variant`) and upkeep unchanged, and the
ranking is `search.engine`'s: the same tiers (every query word exact, then prefix, each
split by "all in a primary column", then typo matches graded by edits and kept start),
the same ties (length of the name or email, then id), the same seekable rank keys.

A tier is computed per document in one statement: for each query word, which of its
alternatives the document holds and in which column; a document holding every word is a
match, and its tier is the best that every word reaches; a typo match's edits and kept
starts are summed in the same statement, which ranks the matches and returns one page.
"""

from goldenrecord.search import engine as search
from goldenrecord.search.text import tokens

from ..engine import TextIndex


class PgTextIndex(TextIndex):
    """The index on the peewee database `db`; `transaction()` opens a write transaction."""

    def __init__(self, db, transaction):
        self._db = db
        self._transaction = transaction

    # -- keeping it in step ------------------------------------------------------------

    def index_document(self, before=(), after=(), *, document=None):
        kind, doc_id = document
        self._db.execute_sql("DELETE FROM search_token WHERE kind = ? AND doc_id = ?",
                             (kind, doc_id))
        if after:
            self._insert_tokens([(kind, doc_id, after)])
        self._variants_added([after])
        self._variants_dropped(search._reachable(before) - search._reachable(after))

    def index_new(self, documents, *, keys=()):
        self._insert_tokens([(kind, doc_id, texts)
                             for (kind, doc_id), texts in zip(keys, documents)])
        self._variants_added(documents)

    def _insert_tokens(self, documents):
        rows = {(kind, token, doc_id, field)
                for kind, doc_id, texts in documents
                for field, text in enumerate(texts) for token in tokens(text)}
        self._db.connection().executemany(
            "INSERT INTO search_token VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", sorted(rows))

    def _variants_added(self, documents):
        terms = {}
        for texts in documents:
            terms.update(search.document_terms(texts))
        known = search._known(self._db, terms)
        search._add_terms(self._db, {t: e for t, e in terms.items() if t not in known})

    def _variants_dropped(self, terms):
        search._forget(self._db, terms, held=lambda db, term: self._held(term))

    def _held(self, term):
        """Whether any document of any kind still holds `term` (by the primary key's
        (kind, token) prefix, one probe per kind)."""
        kinds = list(search.KINDS)
        return self._db.execute_sql(
            f"SELECT 1 FROM search_token WHERE kind IN ({', '.join('?' * len(kinds))}) "
            "AND token = ? LIMIT 1", (*kinds, term)).fetchone() is not None

    def reindex(self, progress=None):
        """Rebuild both tables from the documents, one kind's batch of rows at a time in
        write transactions of its own."""
        batches = []
        for kind, (table, columns, *_) in search.KINDS.items():
            ids = [row[0] for row in self._db.execute_sql(f'SELECT id FROM "{table}" ORDER BY id')]
            batches += [(kind, table, columns, ids[i:i + 500]) for i in range(0, len(ids), 500)]
        with self._transaction():
            self._db.execute_sql("DELETE FROM search_token")
            self._db.execute_sql("DELETE FROM search_variant")
            self._db.execute_sql("DELETE FROM search_term")
        for done, (kind, table, columns, ids) in enumerate(batches, start=1):
            with self._transaction():
                marks = ", ".join("?" * len(ids))
                rows = self._db.execute_sql(
                    f'SELECT id, {", ".join(columns)} FROM "{table}" WHERE id IN ({marks})', ids)
                documents = [(row[0], row[1:]) for row in rows]
                self._db.execute_sql(f"DELETE FROM search_token WHERE kind = ? AND doc_id IN "
                                     f"({marks})", (kind, *ids))
                self.index_new([texts for _, texts in documents],
                               keys=[(kind, doc_id) for doc_id, _ in documents])
            if progress is not None:
                progress(done, len(batches))
        # Statistics for the rebuilt tables now, not when autovacuum gets to them: without
        # them the planner reads search_variant whole for a typo look-up (150 ms a query at
        # 20,000 organizations) instead of by its key (2 ms).
        self._db.execute_sql("ANALYZE search_token, search_term, search_variant")

    # -- finding -----------------------------------------------------------------------

    def find(self, kind, text, *, where="", params=(), count=True, limit=None, after=None):
        limit = limit or search.CANDIDATES
        table, columns, tie_column, _ = search.KINDS[kind]
        query_tokens = tokens(text)[:search.MAX_QUERY_TOKENS]
        if not query_tokens:
            return search.Found([], 0, set())
        groups = search._query_groups(self._db, query_tokens, index_forms=False)
        primary = [columns.index(c) for c in search.PRIMARY[kind]]
        sql, values = _page(kind, table, tie_column, groups, primary, where, params,
                            count, limit, after)
        rows = self._db.execute_sql(sql, values).fetchall()
        counted = rows[0][0] if rows else 0
        keys = [tuple(row[1:]) for row in rows if row[1] is not None]
        more = len(keys) > limit
        keys = keys[:limit]
        terms = {(a.term, a.quality) for group in groups for a in group}
        # the total as SQLite's index gives it: counted up to TOTAL_CAP, `capped` past it
        capped = bool(count) and counted > search.TOTAL_CAP
        total = min(counted, search.TOTAL_CAP) if count else None
        return search.Found([key[-1] for key in keys], total, terms,
                            keys[-1] if more else None, capped)


# A word's grade in one number, so that the best is the least (`min` in SQL): quality,
# then edits, then the letters kept at the start, more first — search.engine._grade's
# (quality, edits, -kept), as long as edits and kept stay below GRADE (words are far
# shorter).
GRADE = 1_000_000


def _page(kind, table, tie_column, groups, primary, where, params, count, limit, after):
    """One statement: (total, *rank key) rows for the best `limit` + 1 matches past the
    rank key `after`, ranked in the server, with the matches counted up to TOTAL_CAP + 1
    (None when not `count`); one row of NULLs when the page is empty.

    Every document holding an alternative of each query word is a match; per word its
    best grade (search.engine._grade), per document its tier and, for a typo match, the
    edits and kept starts summed over its words: the whole rank key of search.engine's
    `_typo_key`. Only the page's keys leave the server, so what a search costs here does
    not grow with its matches beyond the token rows the server reads and groups."""
    hits, values = [], []
    for number, group in enumerate(groups):
        for alternative in group:
            if alternative.quality == search.PREFIX:
                test = "token >= ? AND token < ?"
                values += [kind, alternative.term, alternative.term + "\U0010ffff"]
            else:
                test = "token = ?"
                values += [kind, alternative.term]
            grade = ((alternative.quality * GRADE + alternative.edits) * GRADE
                     + GRADE - 1 - alternative.kept)
            hits.append(f"SELECT doc_id, field, {number} AS word, {alternative.quality} AS quality, "
                        f"{grade}::bigint AS grade FROM search_token WHERE kind = ? AND {test}")
    in_primary = f"field IN ({', '.join(str(p) for p in primary)})"
    condition = f" AND ({where})" if where else ""
    typo = search.TYPO_TIER
    seek, seek_values = "", ()
    if after is not None:
        seek, seek_values = "WHERE (tier, typos, unkept, size, id) > (?, ?, ?, ?, ?)", tuple(after)
    counting = (f"(SELECT count(*) FROM (SELECT 1 FROM ranked LIMIT {search.TOTAL_CAP + 1}) c)"
                if count else "NULL::bigint")
    sql = f"""WITH hit AS ({' UNION ALL '.join(hits)}),
        word AS (SELECT doc_id, word, min(grade) AS grade,
                        bool_or(quality = {search.EXACT} AND {in_primary}) AS exact_primary,
                        bool_or(quality = {search.EXACT}) AS exact,
                        bool_or(quality <> {search.TYPO} AND {in_primary}) AS prefix_primary,
                        bool_or(quality <> {search.TYPO}) AS prefix
                 FROM hit GROUP BY doc_id, word),
        doc AS (SELECT doc_id,
                       CASE WHEN bool_and(exact_primary) THEN 0 WHEN bool_and(exact) THEN 1
                            WHEN bool_and(prefix_primary) THEN 2 WHEN bool_and(prefix) THEN 3
                            ELSE {typo} END AS tier,
                       sum(grade / {GRADE} % {GRADE}) AS typos,
                       sum(grade % {GRADE} - {GRADE - 1}) AS unkept
                FROM word GROUP BY doc_id HAVING count(*) = {len(groups)}),
        ranked AS (SELECT doc.tier,
                          CASE WHEN doc.tier = {typo} THEN doc.typos ELSE 0 END::bigint AS typos,
                          CASE WHEN doc.tier = {typo} THEN doc.unkept ELSE 0 END::bigint AS unkept,
                          coalesce(length(d.{tie_column}), 0) AS size, d.id
                   FROM doc JOIN "{table}" d ON d.id = doc.doc_id WHERE TRUE{condition})
        SELECT counted.total, page.* FROM (SELECT {counting} AS total) counted
        LEFT JOIN LATERAL (SELECT tier, typos, unkept, size, id FROM ranked {seek}
                           ORDER BY tier, typos, unkept, size, id LIMIT {limit + 1}) page ON TRUE"""
    return sql, (*values, *params, *seek_values)
