"""A command's database: checked before it is used, and named.

The engine says whether the database can be used where it is configured to be (a folder,
a missing folder, another kind of file, no permission, read-only: store/sqlite/checks.py
for SQLite), as one line naming the problem and what to do; here that line becomes a
CommandError (exit 2). `describe` names the database as every command reports it:
absolute, and new or not.
"""
import contextlib
import os

from goldenrecord import open_store, store

from .errors import CommandError


@contextlib.contextmanager
def opened(config, **options):
    """The checked store of a command (see open_checked), closed on leaving; yields
    (store, where): `where` names the database for the command's report."""
    opened_store, created = open_checked(config, **options)
    try:
        yield opened_store, describe(opened_store.path, created)
    finally:
        opened_store.close()


def open_checked(config, **options):
    """The migrated store of `config` (options are open_store's), once its engine found
    the database usable and writable; returns (store, created): created is True when this
    call made a new database."""
    engine = store.engine_for(config.database)
    created = checked(engine.check_location)
    try:
        opened_store = open_store(config, **options)
    except Exception as error:
        explained = engine.explain(error)
        if explained is None:
            raise
        raise CommandError(str(explained)) from error
    try:
        checked(engine.check_writable)
    except CommandError:
        opened_store.close()
        raise
    return opened_store, created


def checked(check):
    """`check()`'s result, its Unusable raised as a CommandError (one line, exit 2)."""
    try:
        return check()
    except store.Unusable as error:
        raise CommandError(str(error)) from error


def checked_database_path(config):
    """The absolute path of `config`'s database, once its engine found it usable."""
    checked(store.engine_for(config.database).check_location)
    return os.path.abspath(config.database.path)


def describe(path, created):
    """How a command names the database it uses: absolute, and said when it is new (run
    from another folder, a relative path silently made a new empty one)."""
    path = os.path.abspath(path)
    return f"new database {path} (created just now)" if created else f"database {path}"
