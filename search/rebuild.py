"""Rebuilding the text index while the service serves, in short write transactions.

One transaction over the whole rebuild held SQLite's write lock for tens of seconds at
100,000 records, and every API write queued behind it until its busy timeout ran out (a
500 after 10 s). Here no transaction lasts longer than about `BUDGET_SECONDS`, and after
each one the rebuild pauses for as long as it held the lock, so writers of other
processes, whose busy handler polls at most every 100 ms, get in between.

The result is what a rebuild from scratch in one transaction makes (FTS5's 'rebuild'
and `reindex_terms`), even while writers change records during it:

1. Full-text indexes: each is built aside, as a new FTS5 table filled by rowid ranges,
   one range per transaction. A row past the range copied so far is copied later with
   the values it has then; a row within it is kept in step by triggers like those of the
   live index, which fire only up to that point (`search_reindex.upto`). Once every row
   is copied, one transaction drops the old index and renames the new one into its place;
   searches use the old index until that moment.
2. Typo variants: the documents are read in rowid ranges and every term they hold that
   the index finds gets all its variants (INSERT OR IGNORE), once per rebuild; every term
   they hold joins the vocabulary prefixes are expanded from (`search_vocab`), those of
   their primary columns the primary vocabulary (`search_vocab_primary`), and every
   word the index holds in another form than `tokens` reads it gets its `search_fold` row
   (forms.py). A write meanwhile keeps the rows of its own document (`index_document`),
   as always.
3. Sweep: fold rows whose index term is gone, or whose fold the rules no longer give, are
   dropped; terms no document holds within its budget lose their rows, and variant rows
   that are not a variant of a term still indexed are dropped. Each check runs under the
   write lock, so it sees every write before it.

A rebuild cut short (killed, a full disk) leaves its new table and triggers behind; the
next rebuild removes them first. Two rebuilds must not run at once.
"""
import time

from . import forms
from .engine import (KINDS, _add_terms, _add_vocabulary, _held, _searchable, document_terms,
                     held_expression, in_index)
from .text import tokens
from .typos import term_edits

# Work per write transaction: short enough that a waiting API write hardly notices it.
BUDGET_SECONDS = 0.05
# Rows of one step, each step a statement or two; a transaction runs steps until its
# budget is spent.
COPY_ROWS = 500
DOCUMENT_ROWS = 20
TERM_ROWS = 200
VARIANT_ROWS = 2000
# A pause at least this long after each transaction, whatever it lasted.
MIN_PAUSE_SECONDS = 0.005

_SHADOW = "{table}_reindex_fts"
_SHADOW_TRIGGERS = ("insert", "delete", "update")
_LIVE_TRIGGERS = ("{table}_fts_insert", "{table}_fts_delete", "{table}_fts_update")


def reindex(db, transaction, *, progress=None, pause=time.sleep, budget=BUDGET_SECONDS,
            rows=None):
    """Rebuild the full-text and variant indexes of `db` from the tables, each step in a
    write transaction of its own taken by `transaction()`.

    `progress(done, total)` is called after each transaction. `pause(seconds)` is called
    between transactions (tests step writes in there); `rows` sets every step's size
    (tests use tiny steps).
    """
    Rebuild(db, transaction, progress=progress, pause=pause, budget=budget, rows=rows).run()


def reindex_if_due(db, transaction, *, progress=None):
    """Run the rebuild a migration asked for (`search_rebuild_due`, m0018), if any, then
    clear the request; True when it ran. A run cut short leaves the request for the next."""
    due = db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'search_rebuild_due'").fetchone()
    if not due:
        return False
    reindex(db, transaction, progress=progress)
    with transaction():
        db.execute_sql("DROP TABLE IF EXISTS search_rebuild_due")
    return True


class Rebuild:
    """One run of `reindex`; its phases are the module's three steps."""

    def __init__(self, db, transaction, *, progress, pause, budget, rows):
        self._db = db
        self._transaction = transaction
        self._progress = progress
        self._pause = pause
        self._budget = budget
        self._rows = rows
        self._done = 0
        self._total = 0
        self._reported = None  # the last count `progress` was told
        self._seen_terms = set()  # terms whose variants this run has written

    def run(self):
        with self._transaction():
            self._remove_leftovers()
        self._total = self._count()  # a read: no need to hold the lock for it
        for kind in KINDS:
            self._start_copy(kind)
            self._in_batches(lambda upto, kind=kind: self._copy(kind, upto), 0)
        for kind in KINDS:
            self._in_batches(lambda after, kind=kind: self._add_variants(kind, after), 0)
        self._in_batches(self._sweep_folds, ("", ""))
        self._in_batches(self._sweep_terms, "")
        self._in_batches(self._sweep_variants, ("", 0))
        self._report(self._total)

    def _size(self, default):
        return self._rows or default

    def _count(self):
        """Rows the three phases will visit (documents twice), for `progress`."""
        query = self._db.execute_sql
        documents = sum(query(f"SELECT count(*) FROM {table}").fetchone()[0]
                        for table, *_ in KINDS.values())
        return (2 * documents + query("SELECT count(*) FROM search_term").fetchone()[0]
                + query("SELECT count(*) FROM search_variant").fetchone()[0]
                + query("SELECT count(*) FROM search_fold").fetchone()[0])

    def _report(self, done):
        """Tell `progress` how far the rebuild got, unless it heard that count already
        (writers meanwhile can make the rows visited differ from those counted first, so
        the count is capped at the total and brought to it at the end)."""
        if self._progress is not None and done != self._reported:
            self._reported = done
            self._progress(done, self._total)

    def _in_batches(self, step, cursor):
        """Run `step(cursor) -> (next cursor or None when finished, rows visited)` in write
        transactions of about `budget` seconds each, pausing after each as long as it
        lasted: the lock is free at least half of the time."""
        while cursor is not None:
            began = time.monotonic()
            with self._transaction():
                while cursor is not None:
                    cursor, visited = step(cursor)
                    self._done += visited
                    if time.monotonic() - began >= self._budget:
                        break
            self._report(min(self._done, self._total))
            self._pause(max(time.monotonic() - began, MIN_PAUSE_SECONDS))

    # ------------------------------------------------------------ 1. full-text indexes

    def _remove_leftovers(self):
        """Drop what a rebuild cut short left: its new tables, its triggers, its progress."""
        for table, *_ in KINDS.values():
            for name in _SHADOW_TRIGGERS:
                self._db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_reindex_{name}")
            self._db.execute_sql(f"DROP TABLE IF EXISTS {_SHADOW.format(table=table)}")
        self._db.execute_sql("DROP TABLE IF EXISTS search_reindex")

    def _start_copy(self, kind):
        """Create the new index of `kind`, empty, with the triggers that keep the rows
        copied so far in step. Its definition is the live index's own, renamed."""
        table, columns, *_ = KINDS[kind]
        shadow, live = _SHADOW.format(table=table), f"{table}_fts"
        with self._transaction():
            definition = self._schema_sql(live)
            self._db.execute_sql(definition.replace(live, shadow, 1))
            self._db.execute_sql(
                "CREATE TABLE search_reindex (kind TEXT PRIMARY KEY, upto INTEGER NOT NULL)")
            self._db.execute_sql("INSERT INTO search_reindex VALUES (?, 0)", (kind,))
            for sql in _shadow_triggers(kind, shadow):
                self._db.execute_sql(sql)

    def _copy(self, kind, upto):
        """Copy the next rows after rowid `upto` into the new index, or swap it in when
        there are none left."""
        table, columns, *_ = KINDS[kind]
        query = self._db.execute_sql
        last = query(f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1 "
                     f"OFFSET ?", (upto, self._size(COPY_ROWS) - 1)).fetchone()
        last = last[0] if last else query(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        if last is None or last <= upto:
            self._swap(kind)
            return None, 0
        cols = ", ".join(columns)
        copied = query(f"INSERT INTO {_SHADOW.format(table=table)} (rowid, {cols}) "
                       f"SELECT rowid, {cols} FROM {table} WHERE rowid > ? AND rowid <= ?",
                       (upto, last)).rowcount
        query("UPDATE search_reindex SET upto = ? WHERE kind = ?", (last, kind))
        return last, copied

    def _swap(self, kind):
        """Put the new index of `kind` in the live one's place. The live triggers are
        dropped while their table is renamed (SQLite checks every trigger on a rename)
        and created again from their own definitions."""
        table, *_ = KINDS[kind]
        for name in _SHADOW_TRIGGERS:
            self._db.execute_sql(f"DROP TRIGGER {table}_reindex_{name}")
        triggers = [self._schema_sql(name.format(table=table)) for name in _LIVE_TRIGGERS]
        for name in _LIVE_TRIGGERS:
            self._db.execute_sql(f"DROP TRIGGER {name.format(table=table)}")
        self._db.execute_sql(f"DROP TABLE {table}_fts")
        self._db.execute_sql(f"ALTER TABLE {_SHADOW.format(table=table)} RENAME TO {table}_fts")
        for sql in triggers:
            self._db.execute_sql(sql)
        self._db.execute_sql("DROP TABLE search_reindex")

    def _schema_sql(self, name):
        return self._db.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?",
                                    (name,)).fetchone()[0]

    # ------------------------------------------------------------ 2. typo variants

    def _add_variants(self, kind, after):
        """Write every variant of the terms of the documents after rowid `after` that a
        search finds, unless this run wrote that term's already."""
        table, columns, *_ = KINDS[kind]
        documents = self._db.execute_sql(
            f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid > ? ORDER BY rowid "
            "LIMIT ?", (after, self._size(DOCUMENT_ROWS))).fetchall()
        if not documents:
            return None, 0
        terms, folds, searched = {}, set(), set()
        for row in documents:
            terms.update(document_terms(row[1:]))
            folds |= forms.folds(row[1:])
            searched |= forms.searched_by(row[1:])  # read in this transaction: indexed
        forms.add(self._db, folds)
        new = {term: edits for term, edits in terms.items() if term not in self._seen_terms}
        self._seen_terms.update(new)
        _add_terms(self._db, _searchable(self._db, new, searched=searched))
        _add_vocabulary(self._db, [row[1:] for row in documents], [kind] * len(documents))
        return documents[-1][0], len(documents)

    # ------------------------------------------------------------ 3. sweep

    def _sweep_terms(self, after):
        """Drop the next terms after `after` that no document holds within its budget;
        their variant rows, left pointing at no term, go in the variant sweep."""
        rows = self._db.execute_sql(
            "SELECT term, id FROM search_term WHERE term > ? ORDER BY term LIMIT ?",
            (after, self._size(TERM_ROWS))).fetchall()
        if not rows:
            return None, 0
        connection = self._db.connection()
        for term, term_id in rows:
            if not _indexed_by_some_document(self._db, term):
                connection.execute("DELETE FROM search_term WHERE id = ?", (term_id,))
        return rows[-1][0], len(rows)

    def _sweep_folds(self, after):
        """Drop the next (fold, index term) rows after `after` whose term no document holds,
        or that the fold of today's rules no longer gives (a rebuild after they changed)."""
        rows = self._db.execute_sql(
            "SELECT fold, term FROM search_fold WHERE (fold, term) > (?, ?) "
            "ORDER BY fold, term LIMIT ?", (*after, self._size(TERM_ROWS))).fetchall()
        if not rows:
            return None, 0
        stale = [(fold, term) for fold, term in rows
                 if tokens(term) != [fold] or not in_index(self._db, term)]
        self._db.connection().executemany(
            "DELETE FROM search_fold WHERE fold = ? AND term = ?", stale)
        return tuple(rows[-1]), len(rows)

    def _sweep_variants(self, after):
        """Drop the next variant rows after `after` (variant, term id) whose term is not
        indexed (an id no term has: ids are never given twice) or which are not one of
        its variants."""
        rows = self._db.execute_sql(
            "SELECT v.variant, v.term_id, t.term FROM search_variant v "
            "LEFT JOIN search_term t ON t.id = v.term_id WHERE (v.variant, v.term_id) > (?, ?) "
            "ORDER BY v.variant, v.term_id LIMIT ?", (*after, self._size(VARIANT_ROWS))).fetchall()
        if not rows:
            return None, 0
        stale = [(variant, term_id) for variant, term_id, term in rows
                 if term is None or not _is_variant(variant, term)]
        self._db.connection().executemany(
            "DELETE FROM search_variant WHERE variant = ? AND term_id = ?", stale)
        return tuple(rows[-1][:2]), len(rows)


def _shadow_triggers(kind, shadow):
    """Triggers that keep `shadow` in step with the rows of `kind` at or below the rowid
    copied so far (rows beyond are copied later, as they are then)."""
    table, columns, *_ = KINDS[kind]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    copied = f"(SELECT upto FROM search_reindex WHERE kind = '{kind}')"
    insert = f"INSERT INTO {shadow} (rowid, {cols}) VALUES (new.rowid, {new});"
    delete = f"INSERT INTO {shadow} ({shadow}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    return [
        f"CREATE TRIGGER {table}_reindex_insert AFTER INSERT ON {table} "
        f"WHEN new.rowid <= {copied} BEGIN {insert} END",
        f"CREATE TRIGGER {table}_reindex_delete AFTER DELETE ON {table} "
        f"WHEN old.rowid <= {copied} BEGIN {delete} END",
        f"CREATE TRIGGER {table}_reindex_update AFTER UPDATE OF {cols} ON {table} "
        f"WHEN old.rowid <= {copied} BEGIN {delete} {insert} END",
    ]


def _indexed_by_some_document(db, term):
    """Whether a rebuild from scratch indexes `term`: some document the full-text index
    finds by it holds it among its budgeted terms (`document_terms`). Usually the first
    document found does; only a term left out of every document's budget reads them all."""
    if not _held(db, term):
        return False
    for table, columns, *_ in KINDS.values():
        cursor = db.execute_sql(
            f"SELECT {', '.join('d.' + c for c in columns)} FROM {table}_fts f "
            f"JOIN {table} d ON d.rowid = f.rowid WHERE {table}_fts MATCH ?",
            (held_expression(db, term),))
        if any(term in document_terms(row) for row in cursor):
            return True
    return False


def _is_variant(variant, term):
    """Whether `variant` is `term` with at most its `term_edits` letters deleted, the rows
    `variants` makes: a subsequence, checked without building them all."""
    missing = len(term) - len(variant)
    if not 0 <= missing <= term_edits(term):
        return False
    letters = iter(term)
    return all(letter in letters for letter in variant)
