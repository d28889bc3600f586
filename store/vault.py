"""The database's secret key, and the secrets sealed under it at rest.

No secret sits in the database in plain text, so a copy of the file (a leaked backup)
lets nobody sign webhooks or forge a dashboard session. Webhook signing secrets and the
per-database secrets of the `setting` table are sealed (store/sealing.py) under a 32-byte
key kept outside the database:

- in a key file, made readable by its owner only when a database that holds no sealed
  secret yet is first opened; where it is by default is the engine's to say (SQLite's:
  `<database>.key` beside the file, store/sqlite/keys.py);
- or given as text (64 hex digits or base64), for keys kept in a secret manager;
- a database in memory gets a random key for the process.

A key is never made for a database that already holds sealed secrets: a missing or wrong
key is a SecretKeyError, which stops start-up, because a new key would orphan them for good.

The engine opens the Vault with its database; store/db.py binds it to `sealer` at run
time, like the database proxy, so SealedField columns seal and unseal without every query
passing the key. Unsealed values are cached: the webhook sender reads a subscription's
secret for every delivery.
"""
import base64
import functools
import logging
import os
import secrets

from .sealing import SealingKey, Tampered

KEY_BYTES = 32
PREFIX = "sealed:v1:"
_LABEL = b"goldenrecord.at-rest."
# A key file is as private as the database files it opens (store/sqlite/connection.py).
KEY_FILE_MODE = 0o600

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
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
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


def open_vault(sample, database, *, key_text="", key_file=None):
    """The vault of the database named `database` (for messages), whose secrets sealed
    already include `sample` (None while none is). Under the key `key_text` when given;
    else the key in `key_file`, made there only when it is missing and nothing is sealed
    yet; with neither (a database in memory) under a random key of this process."""
    if key_text:
        vault, origin = Vault(parse_key(key_text, "the key given")), "the secret key given"
    elif key_file:
        vault, origin = Vault(key_from_file(key_file, database, sample)), key_file
    else:
        vault, origin = Vault(secrets.token_bytes(KEY_BYTES)), "a new key"
    if sample is not None and not vault.opens(sample):
        raise SecretKeyError(f"{origin} does not open the secrets sealed in {database}: use "
                             "the key made with this database (a backup's is BACKUP.key beside it)")
    return vault


def key_from_file(path, database, sample):
    """The key in `path`; a new one written there when there is none and nothing is
    sealed yet (`sample` is None)."""
    if os.path.exists(path):
        return read_key_file(path)
    if sample is not None:
        raise SecretKeyError(f"{path} is missing, but {database} holds secrets sealed with "
                             "it: put that key file back (a backup's is BACKUP.key beside it)")
    key = secrets.token_bytes(KEY_BYTES)
    try:
        write_key_file(path, key)
    except FileExistsError:  # another process opening the same new database won
        return read_key_file(path)
    except OSError as error:
        raise SecretKeyError(f"{path}: cannot write the secret key file: {error.strerror}")
    log.info("made the secret key file %s for %s; keep it with the database: its secrets "
             "cannot be read without it", path, database)
    return key
