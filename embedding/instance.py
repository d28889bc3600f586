"""`running()`: the real Golden Record on a free loopback port, for other programs' tests.

Each instance is a child process (see `child.py`), not a thread of the host:
- the store binds its models to one database per process (peewee's DatabaseProxy), so
  two instances side by side need two processes anyway;
- the server's threads do not compete with the host's tests for the host's GIL;
- the child imports Golden Record's own modules, not the host's, whatever is on the
  host's sys.path.
The cost of a process, a Python start-up and its imports, is paid ahead of time: after
the first instance warm spare children wait for the next ones, and new databases are
copies of a migrated template instead of being migrated.
"""
import atexit
import collections
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timezone

import goldenrecord

from . import template
from .process import ServerProcess, child_env, new_key

# Unlike a deployment, a test suite makes many requests with one key and points webhooks
# at receivers on loopback. Both can be overridden.
EMBEDDED_DEFAULTS = {"rate_limits.enabled": False, "webhooks.allow_private_targets": True}
SET_BY_RUNNING = ("server.host", "server.port", "database.path")
# -P: the host's working directory (its own `store`, say) is not put on the child's path.
CHILD = ["-P", "-m", "goldenrecord.embedding.child"]


class Instance:
    """A running Golden Record: `url`, `admin_key` (scope `*:*`), `database` (its file).

    `session` is a requests session that sends the admin key and takes paths relative to
    `url`; `create_key()` mints more keys; `stop()` ends it (also done by `running()`).
    """

    def __init__(self, process, *, admin_key, database, workdir=None):
        self.process = process
        self.url = process.url
        self.admin_key = admin_key
        self.database = database
        self._workdir = workdir
        self._session = None

    def __repr__(self):
        return f"<goldenrecord.embedding.Instance {self.url} database={self.database}>"

    @property
    def session(self):
        if self._session is None:
            self._session = self.client()
        return self._session

    def client(self, key=None):
        """A new requests session sending `key` (default the admin key)."""
        from .client import ApiSession

        return ApiSession(self.url, key or self.admin_key)

    def headers(self, key=None):
        return {"Authorization": f"Bearer {key or self.admin_key}"}

    def create_key(self, *, scopes=("*:*",), name="embedded", organization_id=None,
                   tier=None, allowed_ips=None, expires_at=None):
        """Mint an API key through the API, as the admin; returns the plaintext key.

        Raises ValueError with the API's error (code, field, message) when it is refused.
        """
        body = {"name": name, "scopes": list(scopes), "organizationId": organization_id,
                "tier": tier, "allowedIps": list(allowed_ips) if allowed_ips else None,
                "expiresAt": _timestamp(expires_at)}
        response = self.session.post("/api/v1/keys",
                                     json={k: v for k, v in body.items() if v is not None})
        if response.status_code != 201:
            error = response.json()["errors"][0]
            raise ValueError(f"{error['code']} ({error.get('field')}): {error['message']}")
        return response.json()["data"]["key"]

    def log(self):
        """What the server wrote to stderr (the most recent 10,000 lines)."""
        return self.process.stderr()

    def stop(self):
        """End the server and remove what `running()` created. A temporary database is
        thrown away, so its server is killed at once; on a given database it stops cleanly."""
        _unstopped.discard(self)
        if self._session is not None:
            self._session.close()
        if self._workdir:
            self.process.kill()
            shutil.rmtree(self._workdir, ignore_errors=True)
        else:
            self.process.stop()


def _timestamp(value):
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _build_template_quietly():
    try:
        template.build_template()
    except (OSError, subprocess.SubprocessError):
        pass  # no template: every instance migrates its own database, a little slower


class _Spares:
    """Warm children waiting for their configuration, oldest first, for the next instances.

    Two, so that a spare has had the time of two instances to import: with one, tests
    shorter than a cold start (about 0.35 s) would find it still importing.
    """

    COUNT = 2

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = collections.deque()  # (start-up variables it was started with, child)
        self._building = False
        atexit.register(self.discard)

    def take(self, env):
        """The oldest live spare whose interpreter started as one started with `env`
        would, or None; others are ended. The rest of the environment is the host's
        current one, sent with the configuration (pytest, for one, changes
        PYTEST_CURRENT_TEST for every test)."""
        while True:
            with self._lock:
                if not self._waiting:
                    return None
                started_with, child = self._waiting.popleft()
            if started_with == _startup(env) and child.proc.poll() is None:
                return child
            child.kill()

    def refill(self, env):
        """Start spares up to COUNT (Popen returns at once; they import while the host
        goes on)."""
        with self._lock:
            while len(self._waiting) < self.COUNT:
                self._waiting.append((_startup(env), start_child(env)))

    def waiting(self):
        with self._lock:
            return [child for _, child in self._waiting]

    def build_template(self):
        """In the background, once per process: the template database, if missing."""
        with self._lock:
            if self._building:
                return
            self._building = True
        threading.Thread(target=_build_template_quietly, name="goldenrecord-template",
                         daemon=True).start()

    def discard(self):
        with self._lock:
            waiting, self._waiting = list(self._waiting), collections.deque()
        for _, child in waiting:
            child.kill()


_spares = _Spares()

# Instances from start() that nobody stopped are stopped when the host exits normally
# (their temporary folders removed); if it dies, the lifeline still ends their servers.
_unstopped = set()
atexit.register(lambda: [instance.stop() for instance in list(_unstopped)])


def _startup(env):
    """The variables that shape an interpreter's start-up and imports."""
    return {k: v for k, v in env.items() if k.startswith(("PYTHON", "LD_"))}


def start_child(env):
    """A child that imports Golden Record and waits for its configuration on stdin."""
    return ServerProcess([sys.executable, *CHILD], env=env, stdin=subprocess.PIPE)


def prepare():
    """Start a spare now, for a caller that knows instances will be wanted soon (the
    pytest plugin calls this once it has collected tests that use its fixtures)."""
    _spares.refill(child_env())


def _configured_child(env, request):
    """A child given `request`: the spare if there is a live one, else a cold start."""
    line = json.dumps(request) + "\n"
    process = _spares.take(env)
    if process is not None:
        _spares.refill(env)  # the next spare imports while this one starts serving
        try:
            process.proc.stdin.write(line)
            process.proc.stdin.flush()
            return process
        except OSError:  # the spare died meanwhile
            process.kill()
    process = start_child(env)  # no spare beside a cold start: it would compete for CPU
    process.proc.stdin.write(line)
    process.proc.stdin.flush()
    return process


def start(config_overrides=None, *, database=None, timeout=15):
    """Start an instance and return it once /healthz answers; see `running()`."""
    overrides = dict(config_overrides or {})
    fixed = [key for key in SET_BY_RUNNING if key in overrides]
    if fixed:
        raise ValueError(f"{', '.join(fixed)}: set by running() (a free loopback port; "
                         "pass database= for a database file of your own)")
    workdir = None
    if database is None:
        workdir = tempfile.mkdtemp(prefix="goldenrecord-")
        database = os.path.join(workdir, "goldenrecord.db")
        template.copy_template(database)
    overrides = {**EMBEDDED_DEFAULTS, **overrides, "server.host": "127.0.0.1",
                 "server.port": 0, "database.path": os.path.abspath(database)}
    try:
        goldenrecord.load_config(env={}, overrides=overrides)  # a bad key fails here, named
        admin_key = new_key()
        env = child_env()
        process = _configured_child(env, {"overrides": overrides, "environ": env, "workdir": workdir,
                                          "env": {goldenrecord.BOOTSTRAP_VARIABLE: admin_key}})
        process.ready(timeout)
    except BaseException:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    _spares.refill(env)
    _spares.build_template()
    instance = Instance(process, admin_key=admin_key, database=overrides["database.path"],
                        workdir=workdir)
    _unstopped.add(instance)
    return instance


@contextlib.contextmanager
def running(config_overrides=None, *, database=None, timeout=15):
    """A real Golden Record server for the `with` block, ready (health checked) on entry.

    `config_overrides` maps "section.key" to values, as in `config.example.toml`
    (embedded defaults: rate limits off, loopback webhook targets allowed). Without
    `database` it serves a new temporary database, removed on exit; with it, that file
    (created and migrated if needed), which is kept. Instances can run side by side.
    """
    instance = start(config_overrides, database=database, timeout=timeout)
    try:
        yield instance
    finally:
        instance.stop()
