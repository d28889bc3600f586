"""A Golden Record server in a child process, found by the line it logs when it listens.

Shared by the embedding API and the test suite: start a command, keep reading its stderr
(a pipe nobody reads fills up and stalls the child), learn the URL from the line
`serving on http://HOST:PORT`, then wait for `/healthz` to answer 200.
"""
import collections
import http.client
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from urllib.parse import urlsplit

LISTENING = re.compile(r"serving on (http://[^\s]+)")


def new_key():
    """A well-formed API key for GOLDENRECORD_BOOTSTRAP_KEY."""
    return "gr_live_" + secrets.token_urlsafe(32)


def child_env(**extra):
    """The environment of a child: the host's without GOLDENRECORD_* settings, and with
    the folder the host imported `goldenrecord` from first on PYTHONPATH, so the child
    runs the same code however the host found it (a checkout, sys.path). An installed
    Golden Record is found anyway; its site-packages is not put ahead of the stdlib."""
    import site

    import goldenrecord

    here = os.path.dirname(os.path.abspath(goldenrecord.__file__))
    if here in site.getsitepackages() or here == site.getusersitepackages():
        return clean_env(**extra)
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    return clean_env(PYTHONPATH=path, **extra)


def clean_env(base=None, **extra):
    """`base` (default os.environ) without GOLDENRECORD_* variables, plus `extra`: a child
    configured only by what its starter passes, never by the host's settings."""
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items() if not k.startswith("GOLDENRECORD_")}
    env.update(extra)
    return env


class ServerProcess:
    """`command` running as a child; `ready()` waits until it serves and returns its URL.

    Stderr is kept (the last `keep_lines` lines) for `stderr()` and `wait_for_log()`.
    """

    def __init__(self, command, *, env=None, cwd=None, stdin=subprocess.DEVNULL,
                 keep_lines=10_000):
        self.proc = subprocess.Popen(command, env=env, cwd=cwd, stdin=stdin,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.url = None
        self._ended = False  # stderr reached its end: the child has said all it will
        self.lines = collections.deque(maxlen=keep_lines)
        self._seen = threading.Condition()
        threading.Thread(target=self._read, name="goldenrecord-child-log", daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._ended = True
            self._seen.notify_all()

    def stderr(self):
        with self._seen:
            return "".join(self.lines)

    def wait_for_log(self, text, timeout=5):
        """True once `text` appears on stderr (log lines are written in batches)."""
        return self._wait(lambda: text in "".join(self.lines), timeout) is not None

    def _wait(self, found, timeout, stop_on_exit=False):
        """The first true value of `found()` (called under the lock), or None at the
        deadline or, with `stop_on_exit`, once the child has exited and said all it will."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                value = found()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0 or (stop_on_exit and self._ended):
                    return None
                self._seen.wait(min(left, 0.05))

    def _listening_url(self):
        for line in reversed(self.lines):
            match = LISTENING.search(line)
            if match:
                return match.group(1)
        return None

    def ready(self, timeout=15):
        """The server's URL once it listens and answers /healthz; RuntimeError with its
        stderr if it exits or takes longer than `timeout` seconds."""
        deadline = time.monotonic() + timeout
        self.url = self._wait(self._listening_url, timeout, stop_on_exit=True)
        if self.url is None:
            self.kill()
            raise RuntimeError("Golden Record did not start:\n" + self.stderr())
        while not healthy(self.url):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("Golden Record never answered /healthz:\n" + self.stderr())
            time.sleep(0.01)
        return self.url

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout=10):
        return self.proc.wait(timeout)

    def stop(self, timeout=10):
        """SIGTERM (requests in flight finish, buffers are written), SIGKILL after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_stdin()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._close_stdin()

    def _close_stdin(self):
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass


def healthy(url, timeout=1):
    """True when GET /healthz answers 200 (stdlib only: cheap to import in the host)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
