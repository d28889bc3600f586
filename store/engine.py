"""The storage seam: what a database engine does for the store, and which engine the
configuration names.

The models and queries are peewee's, which speaks SQLite and PostgreSQL alike. What is
particular to one engine — how it connects, how a writer takes the write lock, how a
commit by anyone is noticed, how a consistent copy is taken, how text is indexed, which
migrations build its schema — sits behind `Engine` below. SQLite's implementation is
store/sqlite/; a second engine is a second implementation beside it and one line in
`engine_for`, and nothing above the store changes.
"""
import abc
import urllib.parse

from goldenrecord.settings import ConfigError


class BackupError(Exception):
    """A backup could not be made; the message says why."""


class TextIndex(abc.ABC):
    """Typo-tolerant search over organizations and users (kinds in `search.KINDS`).

    Relevance is the search package's (tokens, typo budgets, ranking); where the terms
    are kept and how they are matched is the engine's, because full-text indexing is
    what no two databases do alike.
    """

    @abc.abstractmethod
    def index_document(self, before=(), after=()):
        """Keep the index in step with one document's write: the indexed texts it had
        `before` (none for a create) and has `after` (none for a delete). Called in the
        writing transaction, so the index never disagrees with a committed row."""

    @abc.abstractmethod
    def find(self, kind, text, *, where="", params=(), count=True, limit=None, after=None):
        """A `search.Found`: the ids of `kind`'s rows matching `text`, best first — at most
        `limit`, past the rank key `after` — with the total (unless not `count`: type-ahead
        needs none), the terms used and the rank key to go on from. `where` is an SQL
        condition on the base table, alias `d`, with `params`: the caller's filters."""

    @abc.abstractmethod
    def reindex(self):
        """Rebuild the index from the tables, inside the caller's write transaction: the
        repair for an index that a crash or a hand edit left behind."""


class ChangeWatch(abc.ABC):
    """Tells that nothing was committed since a moment, by anyone, without a statement on
    the request path: what lets hot reads be answered from memory (store/changes.py)."""

    @abc.abstractmethod
    def start(self):
        """Begin watching (a thread of its own, if it needs one). Until then, and for a
        database it cannot watch, `token()` is None."""

    @abc.abstractmethod
    def poll(self):
        """Look once for commits; True while watching. Tests call it to step the watch."""

    @abc.abstractmethod
    def token(self):
        """A value that changes on every commit, or None when the watch cannot vouch:
        equal tokens mean nothing was committed in between."""

    @abc.abstractmethod
    def close(self):
        """Stop watching and let go of what the watch holds; safe more than once."""


class Engine(abc.ABC):
    """One database as the store uses it. `path` is where it lives, as configured."""

    path = None

    @abc.abstractmethod
    def open(self):
        """Connect with this engine's settings (durability, locking, foreign keys) and
        return the peewee database the models are bound to (store/db.py binds it)."""

    @abc.abstractmethod
    def write_transaction(self):
        """A context manager: a transaction holding the write lock from its start, so
        read-then-write sequences (uniqueness checks, counters) cannot interleave with
        another writer, in this process or another."""

    @abc.abstractmethod
    def commit_watch(self):
        """A new, unstarted ChangeWatch on this database."""

    @property
    @abc.abstractmethod
    def text(self):
        """The TextIndex of this database, once it is open."""

    @abc.abstractmethod
    def migrate(self, now):
        """Create or upgrade the schema with this engine's migrations, each applied once
        even when two processes migrate at once; returns the versions applied."""

    @abc.abstractmethod
    def schema_version(self):
        """The version of the last migration applied (0 for a new database)."""

    @abc.abstractmethod
    def backup(self, target):
        """Copy the database, consistent to one moment and safe while it serves, to the
        new file `target`, which opens on its own; returns its size in bytes. BackupError
        when it cannot be made; a failed backup leaves nothing at `target`."""

    @abc.abstractmethod
    def close(self):
        """Disconnect; safe when never opened."""


def engine_for(database):
    """The Engine that `database` (settings' DatabaseConfig) names: SQLite on
    `database.path` while `database.url` is empty, the only engine there is yet.

    A URL's credentials are never repeated in the error, only its scheme.
    """
    from .sqlite import SqliteEngine

    if not database.url:
        return SqliteEngine(database.path)
    scheme = urllib.parse.urlsplit(database.url).scheme or "(no scheme)"
    raise ConfigError(f"database.url: no engine for '{scheme}' is available yet; leave "
                      "database.url empty to use SQLite at database.path")
