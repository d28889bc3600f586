"""A consistent copy of the live database, taken with SQLite's online backup API.

The copy is read under a single read transaction, held open across the steps of the
backup, so it is one moment of the database whatever writers do meanwhile (in WAL mode
they are not blocked, and a snapshot being read cannot change under it). It is written
beside the target and renamed into place only after it passes `PRAGMA integrity_check`,
so a failed or interrupted backup never leaves a half-written file under the target name.

The copy's secrets are sealed under the database's secret key (store/vault.py), which is
not in the file: given the key file, the backup writes a copy of it beside the target,
`<target>.key`, owner-only, once it has checked that the key opens the copy's secrets.
"""
import os
import shutil
import sqlite3

from ..engine import Backup, BackupError
from ..vault import SecretKeyError, Vault, read_key_file, write_key_file
from .connection import create_owner_only
from .keys import key_path, sealed_sample


# Pages copied between two progress reports: 4 MiB of SQLite's default 4 KiB pages.
PAGES_PER_STEP = 1024


def backup(source, target, progress=None, pages_per_step=PAGES_PER_STEP, *, key_file=None):
    """Copy the database at `source` to the new file `target`, and with `key_file` its
    secret key to `<target>.key`; returns a Backup: the copy's size in bytes and the key
    copy's path (None without `key_file`, or when nothing in the database is sealed yet).
    `progress(count, total)`, if given, hears of the pages copied after every step of
    `pages_per_step` pages."""
    if not os.path.exists(source):
        raise BackupError(f"no database at {source}")
    for path in (target, key_path(target)) if key_file else (target,):
        if os.path.exists(path):
            raise BackupError(f"{path} exists already; choose a new path")
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
    try:
        key_copy = _copy_key(key_file, partial, target) if key_file else None
    except BaseException:
        os.remove(partial)
        raise
    os.replace(partial, target)
    return Backup(os.path.getsize(target), key_copy)


def _copy_key(key_file, copy, target):
    """Write the key of the secrets sealed in `copy` beside `target`, having checked that
    it opens them; returns its path, or None when nothing is sealed."""
    connection = sqlite3.connect(copy)
    try:
        sample = sealed_sample(connection)
    finally:
        connection.close()
    if sample is None:
        return None
    try:
        key = read_key_file(key_file)
    except SecretKeyError as error:
        raise BackupError(f"the secret key: {error}")
    if not Vault(key).opens(sample):
        raise BackupError(f"{key_file} does not open the secrets sealed in the database")
    write_key_file(key_path(target), key)
    return key_path(target)


def copy_template(template, destination):
    """Make `destination` a new database from `template`, a migrated empty one, by copying
    the file: milliseconds, where migrating takes a dozen durable transactions.

    The template's signing secrets are sealed under the key of the database it was
    migrated from, which is gone (store/vault.py). A copy drops them: the store makes
    secrets of its own for it, and a secret key with them, when it is first opened, so a
    cursor or a dashboard session of one instance is refused by another, as between any
    two databases. The copy is readable by its owner only, as `open_database` creates files.
    """
    private = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(template, "rb") as source, open(private, "wb") as target:
        shutil.copyfileobj(source, target)
    db = sqlite3.connect(destination)
    try:
        with db:
            db.execute("PRAGMA synchronous = OFF")  # a new file nobody uses yet: no fsync
            db.execute("DELETE FROM setting")
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
