"""The database's secret key, and the secrets sealed under it at rest.

No secret sits in the database in plain text, so a copy of the file (a leaked backup)
lets nobody sign webhooks or forge a dashboard session. Webhook signing secrets and the
per-database secrets of the `setting` table are sealed (store/sealing.py) under a 32-byte
key kept outside the database:

- by default in the key file `<database>.key` beside it, made readable by its owner only
  when a database that holds no sealed secret yet is first opened;
- or in a key file of the operator's choosing, or given as text (64 hex digits or base64)
  for keys kept in a secret manager;
- an in-memory database gets a random key for the process.

A key is never made for a database that already holds sealed secrets: a missing or wrong
key is a SecretKeyError, which stops start-up, because a new key would orphan them for good.

`sealer` is bound at run time, like the database proxy, so SealedField columns seal and
unseal without every query passing the key. Unsealed values are cached: the webhook
sender reads a subscription's secret for every delivery.
"""
import base64
import functools
import logging
import os
import secrets
import sqlite3

import peewee as pw

from .db import IN_MEMORY, OWNER_ONLY
from .sealing import SealingKey, Tampered

KEY_BYTES = 32
PREFIX = "sealed:v1:"
_LABEL = b"goldenrecord.at-rest."
# Any one sealed value tells whether a key is the one the database's secrets need.
_SAMPLE = (f"SELECT value FROM setting WHERE value LIKE '{PREFIX}%' UNION ALL "
           f"SELECT secret FROM webhook WHERE secret LIKE '{PREFIX}%' LIMIT 1")

sealer = pw.Proxy()
log = logging.getLogger("goldenrecord.store")


class SecretKeyError(Exception):
    """The secret key cannot be had, or does not open the database's secrets; the
    message says which file and what to do."""


class Vault:
    """Seals text under one secret key, and unseals it (cached: the same sealed value is
    asked for again and again)."""

    def __init__(self, key):
        self._key = SealingKey.from_material(key, _LABEL)
        self.unseal = functools.lru_cache(maxsize=4096)(self._unseal)

    def seal(self, text):
        """`text` sealed, as text for a TEXT column; a fresh nonce every time."""
        return PREFIX + base64.b64encode(self._key.seal(text.encode())).decode()

    def _unseal(self, stored):
        """The text `seal` was given; Tampered when `stored` was not sealed under this key."""
        if not stored.startswith(PREFIX):
            raise Tampered("the value is not sealed")
        return self._key.open(base64.b64decode(stored[len(PREFIX):])).decode()

    def opens(self, stored):
        """True when `stored` was sealed under this key."""
        try:
            self.unseal(stored)
        except Tampered:
            return False
        return True


def key_path(database_path, key_file=""):
    """Where the key of the database at `database_path` is kept: `key_file`, or beside it."""
    return key_file or f"{database_path}.key"


def parse_key(text, source):
    """The 32 bytes of a key written as 64 hex digits or base64 (standard or URL-safe);
    SecretKeyError naming `source` for anything else."""
    text = text.strip()
    try:
        key = (bytes.fromhex(text) if len(text) == 2 * KEY_BYTES else
               base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True))
    except ValueError:  # binascii.Error is one
        key = b""
    if len(key) != KEY_BYTES:
        raise SecretKeyError(f"{source}: not a secret key (32 bytes, as 64 hex digits or base64)")
    return key


def read_key_file(path):
    """The key in the file at `path`."""
    try:
        with open(path) as handle:
            return parse_key(handle.read(), path)
    except OSError as error:
        raise SecretKeyError(f"{path}: {error.strerror}")


def write_key_file(path, key):
    """Write `key` to the new file `path`, readable by its owner only; FileExistsError if
    there is one. Staged and linked into place, so no reader ever sees half a key, and
    synced with its folder, so a key whose secrets were committed survives a crash."""
    staged = f"{path}.{secrets.token_hex(4)}.partial"
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    try:
        with open(descriptor, "w") as handle:
            handle.write(base64.b64encode(key).decode() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(staged, path)
    finally:
        os.remove(staged)
    _sync_folder(os.path.dirname(os.path.abspath(path)))


def _sync_folder(folder):
    if os.name == "posix":
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def sealed_sample(connection):
    """One sealed value of the database on the sqlite3 `connection`, or None when it
    holds none yet (new, or from before secrets were sealed)."""
    try:
        row = connection.execute(_SAMPLE).fetchone()
    except sqlite3.OperationalError:  # no such table: a new database
        return None
    return row[0] if row else None


def open_vault(connection, database_path, *, key=None, key_file=""):
    """The vault of the database at `database_path` (open on the sqlite3 `connection`),
    bound to `sealer`. `key` (bytes) is used when given; else the key file
    (`key_path`), made when missing only if the database holds no sealed secret."""
    sample = sealed_sample(connection)
    if key is not None:
        vault, origin = Vault(key), "the secret key given"
    elif database_path in IN_MEMORY:
        vault, origin = Vault(secrets.token_bytes(KEY_BYTES)), "a new key"
    else:
        origin = key_path(database_path, key_file)
        vault = Vault(_key_from_file(origin, database_path, sample))
    if sample is not None and not vault.opens(sample):
        raise SecretKeyError(f"{origin} does not open the secrets sealed in {database_path}: use "
                             "the key made with this database (a backup's is BACKUP.key beside it)")
    sealer.initialize(vault)
    return vault


def _key_from_file(path, database_path, sample):
    """The key in `path`; a new one written there when there is none and nothing is
    sealed yet."""
    if os.path.exists(path):
        return read_key_file(path)
    if sample is not None:
        raise SecretKeyError(f"{path} is missing, but {database_path} holds secrets sealed with "
                             "it: put that key file back (a backup's is BACKUP.key beside it)")
    key = secrets.token_bytes(KEY_BYTES)
    try:
        write_key_file(path, key)
    except FileExistsError:  # another process opening the same new database won
        return read_key_file(path)
    except OSError as error:
        raise SecretKeyError(f"{path}: cannot write the secret key file: {error.strerror}")
    log.info("made the secret key file %s for %s; keep it with the database: its secrets "
             "cannot be read without it", path, database_path)
    return key
