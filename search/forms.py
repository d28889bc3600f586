"""The index's own forms of folded tokens: where `text.tokens` and FTS5 disagree.

The full-text indexes are kept by SQL triggers with FTS5's `unicode61` tokenizer, so every
writer (a `sqlite3` shell too) keeps them in step; that tokenizer cannot transliterate or
decompose compatibility characters, and a tokenizer of our own would need a compiled
extension. So the index holds `łodz`, `æon`, `ａｃｍｅ`, `ﬁrm` where `tokens` (used for
every query, and for ranking and highlighting) reads `lodz`, `aeon`, `acme`, `firm`.

`search_fold` (fold, term) records, for each term the index holds whose fold differs,
the fold it stands for; a query token then matches its own fold and every index term
recorded under it. Rows are written and swept beside the typo variants (`engine.py`,
`rebuild.py`), by the same writers. What the index makes of a text is asked of FTS5
itself, with the live index's tokenizer, on a private in-memory database: no copy of
its rules to drift from it. ASCII text is the same on both sides and costs nothing.
"""
import sqlite3
import threading

from .text import tokens

TOKENIZER = "unicode61 remove_diacritics 2"  # the live indexes' (migration 4)
# Index terms a prefix of a query's last token may bring back through their folds; each
# becomes a term of the full-text expression. A prefix of one letter matches many.
MAX_PREFIX_FORMS = 200


class _Probe:
    """FTS5 on a private in-memory database, to read the terms it makes of a text."""

    def __init__(self):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute(f"CREATE VIRTUAL TABLE probe USING fts5(text, tokenize='{TOKENIZER}')")
        self._db.execute("CREATE VIRTUAL TABLE probe_terms USING fts5vocab(probe, 'row')")

    def terms(self, text):
        with self._lock:
            self._db.execute("INSERT INTO probe VALUES (?)", (text,))
            found = [row[0] for row in self._db.execute("SELECT term FROM probe_terms")]
            self._db.execute("DELETE FROM probe")
            return found


_probe = _Probe()


def folds(texts):
    """{(fold, index term)} for the words of `texts` (None for an empty column) that the
    index holds in another form than `tokens` reads them. An index term whose fold is
    several tokens (`½` is `1`, `2`) is left out: no single query token stands for it."""
    found = set()
    for text in texts:
        if not text or text.isascii():
            continue
        for term in _probe.terms(text):
            folded = tokens(term)
            if len(folded) == 1 and folded[0] != term:
                found.add((folded[0], term))
    return found


def searched_by(texts):
    """The terms a search finds a document by once the full-text index holds its `texts`
    (None for an empty column), asked of no index: the index's own terms of each text and
    the folds mapped to them (`folds`). ASCII text is read alike on both sides, so its
    terms are its tokens; other text is read by the probe."""
    found = set()
    for text in texts:
        if not text:
            continue
        if text.isascii():
            found.update(tokens(text))
            continue
        for term in _probe.terms(text):
            folded = tokens(term)
            found.update([term, folded[0]] if len(folded) == 1 else [term])
    return found


def mapped(db):
    """Whether `db` has the map (migration 18 made it; earlier migrations rebuild without)."""
    return db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                          "AND name = 'search_fold'").fetchone() is not None


def add(db, pairs):
    if pairs:  # most writes have none (ASCII): no statement for them
        db.connection().executemany("INSERT OR IGNORE INTO search_fold VALUES (?, ?)", pairs)


def forget(db, pairs, held):
    """Drop those of `pairs` whose index term no document holds any more (`held(term)`)."""
    gone = [(f, t) for f, t in pairs if not held(t)]
    if gone:
        db.connection().executemany("DELETE FROM search_fold WHERE fold = ? AND term = ?", gone)


def index_terms(db, folded, in_chunks):
    """{fold: [index terms]} for the folds in `folded` that have other forms in the index."""
    found = {}
    for fold, term in in_chunks(db, "SELECT fold, term FROM search_fold WHERE fold IN ({marks})",
                                folded):
        found.setdefault(fold, []).append(term)
    return found


def prefix_terms(db, prefix):
    """Index terms whose fold starts with `prefix` (at most MAX_PREFIX_FORMS)."""
    return [row[0] for row in db.execute_sql(
        "SELECT term FROM search_fold WHERE fold >= ? AND fold < ? ORDER BY fold LIMIT ?",
        (prefix, prefix + "\U0010ffff", MAX_PREFIX_FORMS))]


def holds_fold(db, fold):
    """Whether the index holds some term standing for `fold` (see `engine._held`)."""
    return db.execute_sql("SELECT 1 FROM search_fold WHERE fold = ? LIMIT 1",
                          (fold,)).fetchone() is not None
