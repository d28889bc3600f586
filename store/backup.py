"""A consistent copy of the live database, taken with SQLite's online backup API.

The copy is read in one step under a single read transaction, so it is one moment of the
database whatever writers do meanwhile (in WAL mode they are not blocked). It is written
beside the target and renamed into place only after it passes `PRAGMA integrity_check`,
so a failed or interrupted backup never leaves a half-written file under the target name.
"""
import os
import sqlite3

from .db import create_owner_only


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def backup(source, target):
    """Copy the database at `source` to the new file `target`; returns its size in bytes."""
    if not os.path.exists(source):
        raise BackupError(f"no database at {source}")
    if os.path.exists(target):
        raise BackupError(f"{target} exists already; choose a new path")
    partial = f"{target}.partial"
    create_owner_only(partial)  # a backup holds the same secrets as the database
    src = sqlite3.connect(source, timeout=10)
    dest = sqlite3.connect(partial)
    try:
        src.backup(dest)  # all pages in one step: one consistent snapshot
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
