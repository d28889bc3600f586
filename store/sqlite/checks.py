"""Whether a SQLite database can be used where it is configured to be, said in one line.

A database path that is a folder, in a missing folder, not a SQLite file, unreadable or
read-only used to end in a traceback of 16-48 lines; each is an `Unusable` naming the
problem and what to do (the command line prints it, exit status 2).
"""
import errno
import os
import sqlite3

import peewee

from ..engine import Unusable

SQLITE_HEADER = b"SQLite format 3\x00"
_NOT_PERMITTED = (errno.EACCES, errno.EPERM)


def check_location(path):
    """Unusable unless `path` can be a database: not a folder, in a folder that exists,
    and (if it exists) a readable SQLite file or an empty one. Returns whether it is new."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise Unusable(f"database.path: {path} is a folder, not a database file; give "
                       "the path of a file (--db)")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise Unusable(f"database.path: the folder {folder} does not exist; create it, "
                       "or give another path (--db)")
    if not os.path.exists(path):
        return True
    try:
        with open(path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise explain(path, error) or error
    if header and header != SQLITE_HEADER:
        raise Unusable(f"database.path: {path} is not a SQLite database; give the path "
                       "of a Golden Record database, or of a new file (--db)")
    return not header


def check_writable(path):
    """Unusable when the database at `path` cannot be written.

    SQLite opens a file it may not write read-only without a word, and a current schema
    needs no write to migrate: without this, a server would start and fail every write.
    Setting user_version to itself, rolled back, is a write that changes nothing.
    """
    try:
        connection = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                connection.execute("ROLLBACK")
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise explain(path, error) or error


def explain(path, error):
    """The Unusable an error opening the database at `path` means, or None for one we
    cannot explain."""
    if not isinstance(error, (OSError, sqlite3.Error, peewee.DatabaseError)):
        return None
    text = str(error).lower()
    if "readonly" in text or "read-only" in text or getattr(error, "errno", None) == errno.EROFS:
        return Unusable(f"database.path: {path} is read-only, and Golden Record writes to "
                        "it; make the file and its folder writable by this user (or mount "
                        "them read-write)")
    if isinstance(error, OSError) and error.errno in _NOT_PERMITTED:
        return Unusable(f"database.path: {path}: permission denied ({error.strerror}); make "
                        "the file and its folder readable and writable by this user")
    if "unable to open database file" in text:
        return Unusable(f"database.path: SQLite cannot open {path} or create its -wal and "
                        "-shm files beside it; make the file and its folder readable and "
                        "writable by this user")
    if "not a database" in text:
        return Unusable(f"database.path: {path} is not a SQLite database; give the path of "
                        "a Golden Record database, or of a new file (--db)")
    return None
