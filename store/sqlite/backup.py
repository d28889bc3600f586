"""A consistent copy of the live database, taken with SQLite's online backup API.

The copy is read under a single read transaction, held open across the steps of the
backup, so it is one moment of the database whatever writers do meanwhile (in WAL mode
they are not blocked, and a snapshot being read cannot change under it). It is written
beside the target and renamed into place only after it passes `PRAGMA integrity_check`,
so a failed or interrupted backup never leaves a half-written file under the target name.
"""
import os
import secrets
import shutil
import sqlite3

from ..engine import BackupError
from .connection import create_owner_only


# Pages copied between two progress reports: 4 MiB of SQLite's default 4 KiB pages.
PAGES_PER_STEP = 1024


def backup(source, target, progress=None, pages_per_step=PAGES_PER_STEP):
    """Copy the database at `source` to the new file `target`; returns its size in bytes.
    `progress(count, total)`, if given, hears of the pages copied after every step of
    `pages_per_step` pages."""
    if not os.path.exists(source):
        raise BackupError(f"no database at {source}")
    if os.path.exists(target):
        raise BackupError(f"{target} exists already; choose a new path")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise BackupError(f"the folder {folder} does not exist; create it first or choose "
                          "another path")
    partial = f"{target}.partial"
    create_owner_only(partial)  # a backup holds the same secrets as the database
    src = sqlite3.connect(source, timeout=10, isolation_level=None)
    dest = sqlite3.connect(partial)
    try:
        _copy_one_snapshot(src, dest, progress, pages_per_step)
        # a standalone file: no -wal beside it is needed to read it
        dest.execute("PRAGMA journal_mode=DELETE")
        verdict = dest.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dest.close()
        src.close()
    if verdict != "ok":
        os.remove(partial)
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    os.replace(partial, target)
    return os.path.getsize(target)


def copy_template(template, destination):
    """Make `destination` a new database from `template`, a migrated empty one, by copying
    the file: milliseconds, where migrating takes a dozen durable transactions.

    Migration m0001 wrote one cursor-signing secret into the template; every copy gets a
    new one, so a cursor of one instance is refused by another, as between any two
    databases. The copy is readable by its owner only, as `open_database` creates files.
    """
    private = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(template, "rb") as source, open(private, "wb") as target:
        shutil.copyfileobj(source, target)
    db = sqlite3.connect(destination)
    try:
        with db:
            db.execute("PRAGMA synchronous = OFF")  # a new file nobody uses yet: no fsync
            db.execute("UPDATE setting SET value = ? WHERE key = 'cursor_secret'",
                       (secrets.token_hex(32),))
    finally:
        db.close()


def _copy_one_snapshot(src, dest, progress, pages_per_step):
    """Copy every page of `src` into `dest`, `pages_per_step` at a time, from one snapshot.

    Between steps SQLite would let go of the source, and a commit by anyone meanwhile would
    restart the copy from page one (forever, under steady writes). An open read transaction
    on `src` pins its snapshot instead: every step reads the same moment of the database.
    """
    src.execute("BEGIN")
    src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
    try:
        src.backup(dest, pages=pages_per_step, progress=None if progress is None else (
            lambda status, remaining, total: progress(total - remaining, total)))
    finally:
        src.execute("COMMIT")
