"""A migrated empty database, kept per schema version and copied instead of migrating.

Migrating a fresh database takes a dozen durable transactions; copying a file takes
milliseconds. The template lives in a folder of this user's alone (mode 0700) in the
system's temporary folder, named by a digest of the migration sources and the SQLite
version, so a code change never meets a stale template. It is built once, in a child
process (`goldenrecord migrate`), and moved into place atomically, so concurrent test
sessions share it safely. What is done to the files themselves is the store's
(store/sqlite/backup.py); the store is imported only when a template is first needed.
"""
import hashlib
import os
import stat
import subprocess
import sys
import tempfile

import goldenrecord

from .process import child_env


def _migrations_folder():
    return os.path.join(goldenrecord.__path__[0], "store", "migrations")


def _private_folder():
    """This user's template folder, or None if it is not safely this user's alone: in a
    shared temporary folder another user could otherwise plant a template holding a key
    of theirs."""
    folder = os.path.join(tempfile.gettempdir(), f"goldenrecord-templates-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    status = os.lstat(folder)
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        return None
    return folder


def template_path():
    """Where the template of this code's schema lives; None when the migration sources
    cannot be read (e.g. from a zipapp) and every database is migrated instead."""
    migrations, folder = _migrations_folder(), _private_folder()
    if folder is None or not os.path.isdir(migrations):
        return None
    from goldenrecord.store.sqlite import SqliteEngine

    digest = hashlib.sha256(SqliteEngine.version.encode())
    for name in sorted(os.listdir(migrations)):
        if name.endswith(".py"):
            with open(os.path.join(migrations, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read())
    return os.path.join(folder, f"schema-{digest.hexdigest()[:16]}.db")


def copy_template(destination):
    """Make `destination` a new database copied from the template, without the template's
    secrets (the store makes its own when it is first opened); False when there is no
    template yet."""
    path = template_path()
    if path is None or not os.path.exists(path):
        return False
    from goldenrecord.store.sqlite import copy_template as copy

    copy(path, destination)
    return True


def build_template():
    """Migrate a new database in a child process and move it into place (no-op when it
    exists). Safe to run from several processes at once: the last rename wins."""
    path = template_path()
    if path is None or os.path.exists(path):
        return
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as work:
        migrated = os.path.join(work, "migrated.db")
        subprocess.run([sys.executable, "-P", "-m", "goldenrecord", "migrate", "--db", migrated],
                       env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True, timeout=60)
        # The backup is one self-contained file, whatever the WAL still held.
        staged = os.path.join(work, "template.db")
        from goldenrecord.store.sqlite import SqliteEngine

        SqliteEngine(migrated).backup(staged)
        os.replace(staged, path)
