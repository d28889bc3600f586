"""A consistent copy of the live database, taken with SQLite's online backup API.

The copy is read under a single read transaction, held open across the steps of the
backup, so it is one moment of the database whatever writers do meanwhile (in WAL mode
they are not blocked, and a snapshot being read cannot change under it). It is written
beside the target and renamed into place only after it passes `PRAGMA integrity_check`,
so a failed or interrupted backup never leaves a half-written file under the target name.
"""
import os
import sqlite3

from .db import create_owner_only


class BackupError(Exception):
    """The backup could not be made; the message says why."""


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
