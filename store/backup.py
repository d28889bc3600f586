"""A consistent copy of the live database, taken with SQLite's online backup API.

The copy is read in one step under a single read transaction, so it is one moment of the
database whatever writers do meanwhile (in WAL mode they are not blocked). It is written
beside the target and renamed into place only after it passes `PRAGMA integrity_check`,
so a failed or interrupted backup never leaves a half-written file under the target name.

The copy's secrets are sealed under the database's secret key (store/vault.py), which is
not in the file: given the key file, the backup writes a copy of it beside the target,
`<target>.key`, owner-only, once it has checked that the key opens the copy's secrets.
"""
import os
import sqlite3

from .db import create_owner_only
from .vault import SecretKeyError, Vault, key_path, read_key_file, sealed_sample, write_key_file


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def backup(source, target, *, key_file=None):
    """Copy the database at `source` to the new file `target`, and with `key_file` its
    secret key to `<target>.key`; returns the size in bytes and the key copy's path (None
    without `key_file`, or when nothing in the database is sealed yet)."""
    if not os.path.exists(source):
        raise BackupError(f"no database at {source}")
    for path in (target, key_path(target)) if key_file else (target,):
        if os.path.exists(path):
            raise BackupError(f"{path} exists already; choose a new path")
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
    try:
        key_copy = _copy_key(key_file, partial, target) if key_file else None
    except BaseException:
        os.remove(partial)
        raise
    os.replace(partial, target)
    return os.path.getsize(target), key_copy


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
