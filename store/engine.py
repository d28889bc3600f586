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
import threading
import urllib.parse
from typing import NamedTuple

from goldenrecord.settings import ConfigError


# Called with no argument after each write transaction of this process has ended, by
# whichever engine: its change watch looks for (or counts) the commit at once, so this
# process's own changes — a revoked key above all — are seen by the very next read.
_after_write = []


def after_each_write(listener):
    """Call `listener()` after every write transaction ends; returns a function that
    stops it."""
    _after_write.append(listener)
    return lambda: _after_write.remove(listener)


def write_ended():
    """Tell the listeners of `after_each_write` that a write transaction has ended (the
    engines' write transactions call it, however they end)."""
    for listener in tuple(_after_write):
        listener()


class BackupError(Exception):
    """A backup could not be made; the message says why."""


class Backup(NamedTuple):
    """A backup made: the copy's size in bytes, and where the secret key that opens its
    secrets was copied beside it (None when the key is not kept in a file: the operator
    keeps it elsewhere, and restoring needs that same key)."""

    size: int
    key_file: str | None


class Unusable(Exception):
    """The database cannot be used at all (a folder, a missing folder, another kind of
    file, no permission, read-only); the message is one line saying what to do."""


class TextIndex(abc.ABC):
    """Typo-tolerant search over organizations and users (kinds in `search.KINDS`).

    Relevance is the search package's (tokens, typo budgets, ranking); where the terms
    are kept and how they are matched is the engine's, because full-text indexing is
    what no two databases do alike.
    """

    @abc.abstractmethod
    def index_document(self, before=(), after=(), *, document=None):
        """Keep the index in step with one document's write: the indexed texts it had
        `before` (none for a create) and has `after` (none for a delete); `document` is
        its (kind, id), for an engine whose index is not kept by triggers of its own.
        Called in the writing transaction, so the index never disagrees with a committed
        row."""

    def index_new(self, documents, *, keys=()):
        """Index the documents a batch of creates has just written (each one's indexed
        texts, and in `keys` each one's (kind, id)), as `index_document(after=...)` would
        each; an engine may do it at once."""
        for texts, key in zip(documents, keys or [None] * len(documents)):
            self.index_document(after=texts, document=key)

    @abc.abstractmethod
    def find(self, kind, text, *, where="", params=(), count=True, limit=None, after=None):
        """A `search.Found`: the ids of `kind`'s rows matching `text`, best first — at most
        `limit`, past the rank key `after` — with the total (unless not `count`: type-ahead
        needs none), the terms used and the rank key to go on from. `where` is an SQL
        condition on the base table, alias `d`, with `params`: the caller's filters."""

    @abc.abstractmethod
    def reindex(self, progress=None):
        """Rebuild the index from the tables, in short write transactions of its own so
        that API writes go on meanwhile: the repair for an index that a crash or a hand
        edit left behind. The result is what a rebuild in one transaction would make.
        `progress(done, total)` is called as it goes."""


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

    def __init__(self):
        # what every watch holds: a connection of its own (None while it cannot watch),
        # the current token, the thread that looks for others' commits, and the listener
        # that moves the token as this process's own writes end
        self._connection = None
        self._current = None
        self._stopped = threading.Event()
        self._thread = None
        self._stop_listening = None
        self._lock = threading.Lock()  # the thread and close() never share the connection

    def _follow(self, on_write_ended, run):
        """Move the token as this process's writes end, and `run` the watch's own thread."""
        self._stop_listening = after_each_write(on_write_ended)
        self._thread = threading.Thread(target=run, name="goldenrecord-commit-watch",
                                        daemon=True)
        self._thread.start()

    def close(self):
        """Stop watching and let go of what the watch holds; safe more than once."""
        self._stopped.set()
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            connection, self._connection = self._connection, None
            self._current = None
        if connection is not None:
            connection.close()


class Engine(abc.ABC):
    """One database as the store uses it. `path` is where it lives, as configured."""

    path = None
    # Whether several processes (replicas) may serve this database at once, so that what
    # one process keeps in memory (rate-limit counts) must be kept in the database.
    replicated = False
    # SQL true when the JSON array of text in `{column}` holds the parameter `?` (the
    # events feed's organization filter): JSON functions are what the dialects name apart.
    json_array_holds = "EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ?)"

    @abc.abstractmethod
    def open(self):
        """Connect with this engine's settings (durability, locking, foreign keys) and
        return the peewee database the models are bound to (store/db.py binds it)."""

    @abc.abstractmethod
    def write_transaction(self):
        """A context manager: a transaction holding the write lock from its start, so
        read-then-write sequences (uniqueness checks, counters) cannot interleave with
        another writer, in this process or another; once it has committed, the change is
        on disk before the context manager returns."""

    @abc.abstractmethod
    def make_durable(self):
        """Return once every transaction this process has committed is on disk. Writes
        through `write_transaction` are durable when it returns; this is for a reader
        that is about to act outside the database on what it read (the webhook sender)."""

    @abc.abstractmethod
    def commit_watch(self):
        """A new, unstarted ChangeWatch on this database."""

    _text = None
    _vault = None

    @property
    def text(self):
        """The TextIndex of this database, once it is open (set by `open`)."""
        return self._text

    @property
    def vault(self):
        """The Vault (store/vault.py) that seals this database's secrets at rest, once it
        is open: `open` raises SecretKeyError when the key the engine was configured with
        is missing, or is not the one the database's secrets were sealed with."""
        return self._vault

    @abc.abstractmethod
    def migrate(self, now, progress=None):
        """Create or upgrade the schema with this engine's migrations, each applied once
        even when two processes migrate at once, sealing secrets with the vault; returns
        the versions applied. `progress(done, total)`, if given, hears of each migration."""

    @abc.abstractmethod
    def schema_version(self):
        """The version of the last migration applied (0 for a new database)."""

    @abc.abstractmethod
    def storage_fault(self, error):
        """A store.Unavailable when the exception `error` (the driver's, the operating
        system's) means the storage cannot serve for now — locked by another process past
        the busy timeout, disk full, file read-only, I/O failing — else None. Only the
        engine knows its driver's errors; the HTTP layer answers 503 for what it names."""

    @abc.abstractmethod
    def check_location(self):
        """Unusable when the database cannot be where it is configured to be, before
        anything is opened or created; returns whether it is new (nothing there yet)."""

    @abc.abstractmethod
    def check_writable(self):
        """Unusable when the opened database cannot be written (an engine may open a
        read-only database without a word, and a current schema needs no write)."""

    @abc.abstractmethod
    def explain(self, error):
        """The Unusable an error raised while opening means, or None for one this engine
        cannot explain (which then keeps its traceback)."""

    @abc.abstractmethod
    def pending_migrations(self):
        """The versions of this engine's migrations the database lacks, read without
        writing: each is applied in a transaction of its own, so one that another process
        is applying right now is still listed. Readiness (/readyz) waits for none."""

    @abc.abstractmethod
    def takes_writes(self, seconds):
        """Whether a writer would get the write lock within `seconds`: taken and given
        back without writing, queued behind this process's writers, never waiting longer.
        False while another connection holds the lock that long, or the database is
        read-only. Unlike `check_writable` (once, at start, patient, explained), this is
        asked on every readiness probe while the database serves."""

    @abc.abstractmethod
    def database_bytes(self):
        """How large the database is, in bytes, as this engine measures it (for
        /metrics)."""

    @abc.abstractmethod
    def backup(self, target, progress=None):
        """Copy the database, consistent to one moment and safe while it serves, to the
        new file `target`, which opens on its own, and the secret key file that opens its
        secrets beside it; returns a Backup. BackupError when it cannot be made; a failed
        backup leaves nothing at `target`. `progress(done, total)`, if given, hears how far
        the copy got."""

    @abc.abstractmethod
    def close(self):
        """Disconnect; safe when never opened."""


def engine_for(database):
    """The Engine that `database` (settings' DatabaseConfig) names: PostgreSQL when
    `database.url` is a postgresql:// (or postgres://) URL, SQLite on `database.path`
    while it is empty, with the secret key (or its file) the configuration gives.

    A URL's credentials are never repeated in the error, only its scheme.
    """
    if not database.url:
        from .sqlite import SqliteEngine

        return SqliteEngine(database.path, secret_key=database.secret_key,
                            key_file=database.secret_key_file,
                            busy_timeout_ms=database.busy_timeout_ms)
    scheme = urllib.parse.urlsplit(database.url).scheme or "(no scheme)"
    if scheme in ("postgresql", "postgres"):
        try:
            from .postgresql import PostgresEngine
        except ImportError as error:  # the optional extra is not installed
            raise ConfigError("database.url: PostgreSQL needs psycopg 3: pip install "
                              f"'goldenrecord[postgresql]' ({error})") from None
        return PostgresEngine(database.url, secret_key=database.secret_key,
                              key_file=database.secret_key_file,
                              busy_timeout_ms=database.busy_timeout_ms)
    raise ConfigError(f"database.url: no engine for '{scheme}'; use a postgresql:// URL, or "
                      "leave database.url empty to use SQLite at database.path")
