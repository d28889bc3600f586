"""A command's database: checked before it is used, and named.

A database path that is a folder, in a missing folder, not a SQLite file, unreadable or
read-only used to end in a traceback of 16-48 lines; here each is one line naming the
problem and what to do (a CommandError, exit 2). `open_checked` opens the store with
these checks, `database_failure` turns SQLite's and the system's errors into that line,
and `describe` names the database as every command reports it: absolute, and new or not.
"""
import contextlib
import errno
import os
import sqlite3

import peewee

from goldenrecord import open_store

from .errors import CommandError

SQLITE_HEADER = b"SQLite format 3\x00"
_NOT_PERMITTED = (errno.EACCES, errno.EPERM)


@contextlib.contextmanager
def opened(config, **options):
    """The checked store of a command (see open_checked), closed on leaving; yields
    (store, where): `where` names the database for the command's report."""
    store, created = open_checked(config, **options)
    try:
        yield store, describe(store.path, created)
    finally:
        store.close()


def open_checked(config, **options):
    """The migrated store of `config` (options are open_store's), once its path passed
    checked_database_path and it proved writable; returns (store, created): created is
    True when this call made a new database file."""
    path = checked_database_path(config.database.path)
    created = not os.path.exists(path) or os.path.getsize(path) == 0
    try:
        store = open_store(config, **options)
    except (OSError, sqlite3.Error, peewee.DatabaseError) as error:
        raise _explained(database_failure(path, error), error)
    try:
        _check_writable(path)
    except sqlite3.Error as error:
        store.close()
        raise _explained(database_failure(path, error), error)
    return store, created


def describe(path, created):
    """How a command names the database it uses: absolute, and said when it is new (run
    from another folder, a relative path silently made a new empty one)."""
    path = os.path.abspath(path)
    return f"new database {path} (created just now)" if created else f"database {path}"


def checked_database_path(path):
    """The absolute `path`, once it can be a database: not a folder, in a folder that
    exists, and (if it exists) a readable SQLite file or an empty one."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise CommandError(f"database.path: {path} is a folder, not a database file; give "
                           "the path of a file (--db)")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise CommandError(f"database.path: the folder {folder} does not exist; create it, "
                           "or give another path (--db)")
    if os.path.exists(path):
        try:
            with open(path, "rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as error:
            raise _explained(database_failure(path, error), error)
        if header and header != SQLITE_HEADER:
            raise CommandError(f"database.path: {path} is not a SQLite database; give the "
                               "path of a Golden Record database, or of a new file (--db)")
    return path


def _check_writable(path):
    """Raise SQLite's own error when the database cannot be written.

    SQLite opens a file it may not write read-only without a word, and a current schema
    needs no write to migrate: without this, a server would start and fail every write.
    Setting user_version to itself, rolled back, is a write that changes nothing.
    """
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


def database_failure(path, error):
    """The line for an error opening the database at `path`, or None for one we cannot
    explain (which then keeps its traceback)."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text or getattr(error, "errno", None) == errno.EROFS:
        return (f"database.path: {path} is read-only, and Golden Record writes to it; make "
                "the file and its folder writable by this user (or mount them read-write)")
    if isinstance(error, OSError) and error.errno in _NOT_PERMITTED:
        return (f"database.path: {path}: permission denied ({error.strerror}); make the "
                "file and its folder readable and writable by this user")
    if "unable to open database file" in text:
        return (f"database.path: SQLite cannot open {path} or create its -wal and -shm files "
                "beside it; make the file and its folder readable and writable by this user")
    if "not a database" in text:
        return (f"database.path: {path} is not a SQLite database; give the path of a Golden "
                "Record database, or of a new file (--db)")
    return None


def _explained(line, error):
    """CommandError(line), or `error` itself when there is no line for it."""
    return CommandError(line) if line else error
