"""Running the suite on PostgreSQL (imported as `import postgres`).

Set GOLDENRECORD_TEST_DATABASE_URL to a PostgreSQL server URL whose user may create
databases (e.g. postgresql://postgres@/postgres?host=/tmp/pg&port=5432): the `config`
fixture then gives every test a fresh database, copied from a template migrated once per
session (CREATE DATABASE ... TEMPLATE: a file copy, milliseconds, instead of running
the migrations for every test), and drops it afterwards. Unset, the suite runs on SQLite.

Tests of what only SQLite has (its files, its pragmas, sqlite3 edits by hand) are marked
`sqlite_only` and are skipped on PostgreSQL with the reason.
"""
import glob
import itertools
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import urllib.parse

URL = os.environ.get("GOLDENRECORD_TEST_DATABASE_URL", "")
_names = itertools.count()
_server = {"url": URL}


def enabled():
    """Whether the whole suite runs on PostgreSQL."""
    return bool(URL)


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, on a unix socket only, for
    the PostgreSQL tests of a run on SQLite (Debian's binaries; as root, it runs as the
    user `nobody`, since PostgreSQL refuses root)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert found, "PostgreSQL's server binaries are missing: apt-get install postgresql"
        self.bin = os.path.dirname(found[-1])
        self.folder = tempfile.mkdtemp(prefix="goldenrecord-pg-")
        self._as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "nobody")
        data = os.path.join(self.folder, "data")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync",
                  "--encoding=UTF8", "--locale=C")
        self._run("pg_ctl", "-D", data, "-l", os.path.join(self.folder, "log"), "-w",
                  "-o", f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' "
                        "-c fsync=off -c synchronous_commit=off -c max_connections=200", "start")
        self.url = f"postgresql://postgres@/postgres?host={self.folder}&port=5432"

    def _run(self, tool, *args):
        subprocess.run([*self._as, os.path.join(self.bin, tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def stop(self):
        self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def use_server(url):
    """Point `url_for` and `admin` at the server `url` (a cluster a test session started)."""
    _server["url"] = url


def url_for(database):
    """The server URL with `database` as its database."""
    parts = urllib.parse.urlsplit(_server["url"])
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def admin():
    import psycopg

    return psycopg.connect(_server["url"], autocommit=True)


def create(name, template=None):
    with admin() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"'
                           + (f' TEMPLATE "{template}"' if template else ""))
    return url_for(name)


def drop(name):
    with admin() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Template:
    """A migrated database of this session, copied for each test; its secrets are
    sealed under `key`."""

    def __init__(self):
        import goldenrecord
        from goldenrecord.store import Store, engine_for

        self.name = f"gr_template_{os.getpid()}"
        self.key = secrets.token_hex(32)
        url = create(self.name)
        config = goldenrecord.load_config(env={}, overrides={"database.url": url,
                                                             "database.secret_key": self.key})
        store = Store(engine_for(config.database))
        store.migrate()
        store.engine.close()

    def copy(self):
        """A new database copied from the template: (name, url)."""
        name = f"gr_test_{os.getpid()}_{next(_names)}"
        return name, create(name, template=self.name)

    def close(self):
        drop(self.name)


def another_writer(store):
    """A DB-API connection of its own to `store`'s database, as another process would
    write through, and its placeholder: (connection, mark)."""
    if getattr(store.engine, "url", None):
        import psycopg

        return psycopg.connect(store.engine.url), "%s"
    connection = sqlite3.connect(store.path)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection, "?"
