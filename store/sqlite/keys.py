"""Where SQLite keeps a database's secret key (store/vault.py), and how it tells whether a
key is the one the database's secrets were sealed with.

The key file is `<database>.key` beside the database file, unless database.secret_key_file
names another, or the key is given as text (database.secret_key); a database in memory
has no file beside it, and uses a random key of its process.
"""
import sqlite3

from ..vault import PREFIX
from .connection import IN_MEMORY

# Any one sealed value tells whether a key is the one the database's secrets need.
_SAMPLE = (f"SELECT value FROM setting WHERE value LIKE '{PREFIX}%' UNION ALL "
           f"SELECT secret FROM webhook WHERE secret LIKE '{PREFIX}%' LIMIT 1")


def key_path(database_path, key_file=""):
    """Where the key of the database at `database_path` is kept: `key_file`, or beside
    it; None for a database in memory, which lives no longer than its process's key."""
    if database_path in IN_MEMORY:
        return None
    return key_file or f"{database_path}.key"


def sealed_sample(connection):
    """One sealed value of the database on the sqlite3 `connection`, or None when it
    holds none yet (new, or from before secrets were sealed)."""
    try:
        row = connection.execute(_SAMPLE).fetchone()
    except sqlite3.OperationalError:  # no such table: a new database
        return None
    return row[0] if row else None
