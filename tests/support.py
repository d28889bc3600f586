"""Helpers shared by the tests (imported as `from support import ...`)."""
import functools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest


def installed_tool(name, install, *, required, path=None):
    """The path of command `name` (looked for on `path`, else PATH); where it is missing,
    a clear skip saying `install`, or a failure when it is `required` (.ci/run installs
    the tools and sets GOLDENRECORD_REQUIRE_*, so there a missing tool fails)."""
    found = shutil.which(name, path=path)
    if found is None:
        message = f"{name} is not installed ({install})"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    return found


def deploy_tool(name, package):
    """Debian's `name`, looked for in /usr/sbin and /sbin too (GOLDENRECORD_REQUIRE_DEPLOY_TOOLS)."""
    return installed_tool(name, f"apt-get install {package}",
                          required=bool(os.environ.get("GOLDENRECORD_REQUIRE_DEPLOY_TOOLS")),
                          path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


REQUEST_ID = re.compile(r"^req_[0-9a-f]{24}$")


def assert_envelope(result, status, code=None, field=None):
    """Pin the response envelope: status, shape, request id, and on errors code and field.

    Returns the body's `data` on success and the first error on failure.
    """
    assert result.status_code == status, (result.status_code, result.text)
    body = result.json
    assert isinstance(body, dict), result.text
    assert REQUEST_ID.match(body["requestId"]), body
    assert result.headers["X-Request-Id"] == body["requestId"]
    if status < 400:
        assert body["success"] is True, body
        assert "errors" not in body
        return body["data"]
    assert body["success"] is False, body
    assert body["data"] is None
    assert isinstance(body["errors"], list) and len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert isinstance(error["message"], str) and error["message"], error
    if code is not None:
        assert error["code"] == code, body
    if field is not None:
        assert error.get("field") == field, body
    return error


# Which of SQLite's lock bytes in a WAL index another process finds taken
# (https://www.sqlite.org/walformat.html, §2.3: write, checkpoint, recover, 5 readers, DMS).
_LOCK_PROBE = """
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
for offset in range(120, 129):
    probe = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
    kind = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, probe))[0]
    print(offset, "free" if kind == fcntl.F_UNLCK else "taken")
"""


def sqlite_locks_seen_from_another_process(shm):
    """Lines "<offset> taken|free" for the lock bytes of the WAL index at `shm`."""
    return subprocess.run([sys.executable, "-c", _LOCK_PROBE, shm], check=True, timeout=30,
                          capture_output=True, text=True).stdout.splitlines()


@contextmanager
def traced_statements(store):
    """Collect the SQL of every statement `store` runs on this thread while inside.

    Yields a list that fills as statements run (SQLite's trace callback on this thread's
    connection; falcon.testing runs a request on the calling thread, so a simulated
    request's statements are caught). Other threads' connections are not traced.
    """
    statements = []
    if getattr(store.engine, "url", None):  # PostgreSQL: psycopg has no trace callback
        with _traced_cursors(statements):
            yield statements
        return
    connection = store.db.connection()
    connection.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        connection.set_trace_callback(None)


@contextmanager
def _traced_cursors(statements):
    """`traced_statements` on PostgreSQL: every statement psycopg's cursors run on this
    thread while inside (a statement run many times is listed once per run)."""
    import psycopg

    thread = threading.get_ident()
    run, run_many = psycopg.Cursor.execute, psycopg.Cursor.executemany

    def execute(cursor, query, *args, **kwargs):
        if threading.get_ident() == thread:
            statements.append(str(query))
        return run(cursor, query, *args, **kwargs)

    def executemany(cursor, query, rows, *args, **kwargs):
        rows = list(rows)
        if threading.get_ident() == thread:
            statements.extend([str(query)] * len(rows))
        return run_many(cursor, query, rows, *args, **kwargs)

    psycopg.Cursor.execute, psycopg.Cursor.executemany = execute, executemany
    try:
        yield
    finally:
        psycopg.Cursor.execute, psycopg.Cursor.executemany = run, run_many


def race(count, action, *, timeout=60.0):
    """Call `action(i)` for i in range(count), each on a thread of its own, all released
    together by a barrier so the calls really overlap; return their results in order of i.

    An exception in any thread is raised here once every thread has ended, so a racer that
    fails fails the test instead of vanishing into its thread.
    """
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait(timeout)
            results[i] = action(i)
        except BaseException as error:  # re-raised on the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), f"a racer was still running after {timeout} s"
    if errors:
        raise errors[0]
    return results


class FakeClock:
    """A clock the tests move by hand instead of sleeping."""

    def __init__(self, start=datetime(2026, 1, 15, 10, 30, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


class Ticking:
    """A monotonic clock (seconds) that moves one second each time it is read: progress
    reporters under it see time pass without anyone sleeping."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0
        return self.now


def ticking(**options):
    """A Progress factory for `goldenrecord.main(progress=...)` whose line reporters see
    a second pass at every report (options: `interval`, ...)."""
    from goldenrecord.cli.progress import Progress

    return functools.partial(Progress, clock=Ticking(), **options)


def progress_lines(caplog, label):
    """The progress lines logged for the job `label`."""
    return [r.getMessage() for r in caplog.records
            if r.name == "goldenrecord.progress" and r.getMessage().startswith(label)]


class Receiver:
    """A webhook receiver on loopback that records every request it gets.

    `respond(request_number, headers, body)` returns the status to answer (default 200);
    it may sleep to play a slow receiver.
    """

    def __init__(self, respond=None):
        import http.server
        import threading

        self.requests = []
        self.arrived = threading.Condition()
        self.respond = respond or (lambda n, headers, body: 200)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.arrived:
                    number = len(receiver.requests) + 1
                status = receiver.respond(number, self.headers, body)
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", receiver.url + "elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.arrived:
                    receiver.requests.append({"headers": dict(self.headers), "body": body,
                                              "at": time.monotonic(), "status": status,
                                              "path": self.path})
                    receiver.arrived.notify_all()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def wait_for(self, count, timeout=10.0):
        """Block until `count` requests arrived; returns them (fails the test on timeout)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} webhook requests, got {len(self.requests)}"
                self.arrived.wait(left)
            return list(self.requests)

    def events(self):
        import json

        return [json.loads(r["body"])["event"] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# The variant index's rows with their term's text: (variant, term), a row whose term id
# no term has any more (stale) as (variant, None).
_VARIANTS = ("SELECT v.variant, t.term FROM search_variant v "
             "LEFT JOIN search_term t ON t.id = v.term_id")


def variant_rows(db):
    """The typo-variant index as a set of (variant, term) rows."""
    return set(db.execute_sql(_VARIANTS).fetchall())


def variant_bytes(db):
    """Bytes the variant index's rows hold (variant and term, UTF-8): an upper bound of
    what a write adds (a row keeps the term's id, not its text)."""
    return db.execute_sql("SELECT coalesce(sum(length(CAST(variant AS BLOB)) + "
                          f"length(CAST(term AS BLOB))), 0) FROM ({_VARIANTS})").fetchone()[0]


def orphan_terms(db):
    """Indexed terms with variant rows, and index forms of folded terms, that no
    organization or user holds any more (in the form the full-text index keeps); a
    variant row whose term is gone shows as "#" and its term id."""
    def held(term):
        return any(db.execute_sql(f"SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ?",
                                  (f'"{term}"',)).fetchone()
                   for table in ("organization", "user"))

    forms = {}
    for fold, term in db.execute_sql("SELECT fold, term FROM search_fold"):
        forms.setdefault(fold, []).append(term)
    terms = {row[0] for row in db.execute_sql("SELECT term FROM search_term")}
    dangling = {f"#{row[0]}" for row in db.execute_sql(
        "SELECT DISTINCT term_id FROM search_variant WHERE term_id NOT IN (SELECT id FROM search_term)")}
    return ({term for term in terms if not held(term) and not any(map(held, forms.get(term, [])))}
            | {term for found in forms.values() for term in found if not held(term)} | dangling)


def index_state(db):
    """Everything the text index holds: both full-text vocabularies (term, documents,
    occurrences), the indexed terms and their variants, the index forms of folded terms."""
    return [db.execute_sql(sql).fetchall() for sql in (
        "SELECT term, doc, cnt FROM organization_terms ORDER BY term",
        "SELECT term, doc, cnt FROM user_terms ORDER BY term",
        "SELECT term FROM search_term ORDER BY term",
        f"{_VARIANTS} ORDER BY v.variant, t.term",
        "SELECT fold, term FROM search_fold ORDER BY fold, term")]


def rebuilt_from_scratch(db, transaction):
    """`index_state` after rebuilding everything in one `transaction()`, as `search
    reindex` did before it worked in batches: the reference a batched rebuild must equal."""
    from goldenrecord import search

    with transaction():
        for table in ("organization", "user"):
            db.execute_sql(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('rebuild')")
        search.reindex_terms(db)
    return index_state(db)


def reindex_steps(db):
    """The steps `search reindex` counts (search/rebuild.py): each record copied into the
    new full-text index and read again for its variants, then each term and variant row
    swept."""
    connection = sqlite3.connect(db)
    try:
        def count(table):
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        return (2 * (count("organization") + count('"user"'))
                + count("search_term") + count("search_variant") + count("search_fold"))
    finally:
        connection.close()


ROOT = Path(__file__).resolve().parent.parent


def source_files(*parts):
    """The Python files of the named packages (all of them, and the composition root, when
    none is named): for the tests that read the code itself rather than run it."""
    packages = parts or sorted(path.parent.name for path in ROOT.glob("*/__init__.py"))
    found = [path for part in packages for path in sorted((ROOT / part).rglob("*.py"))]
    return found if parts else [ROOT / "goldenrecord.py", *found]


def database_bytes(path):
    """The raw bytes of the database file at `path` and of its WAL, as they are on disk
    now (no checkpoint first): what a copy of the files would hold."""
    files = [Path(path), Path(f"{path}-wal")]
    return b"".join(file.read_bytes() for file in files if file.exists())


def wait_until(condition, attempts=3000):
    """Bounded poll for what other threads commit (no clock to inject: they are real)."""
    waiter = threading.Event()
    for _ in range(attempts):
        if condition():
            return
        waiter.wait(0.01)
    raise AssertionError("condition never held")


def committed_slugs(path):
    """The organization slugs another connection sees committed, as another process would."""
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT slug FROM organization")}
