"""Run the real `goldenrecord serve` as a child process, for what only a real server shows."""
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")


def new_key():
    return "gr_live_" + secrets.token_urlsafe(32)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDENRECORD_")}
    env.update(extra)
    return env


class ServerProcess:
    """`goldenrecord serve --port 0` on `db`; `url` once it answers /healthz."""

    def __init__(self, db, *, key=None, args=(), env=None):
        self.key = key
        extra = {"GOLDENRECORD_BOOTSTRAP_KEY": key} if key else {}
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "goldenrecord.py"), "serve", "--db", str(db), "--port", "0",
             *args],
            env=clean_env(**extra, **(env or {})), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=str(db.parent))
        self.lines = []
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()
        self._wait_healthy()

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.key}"}

    def _read(self):
        for line in self.proc.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def stderr(self):
        with self._seen:
            return "".join(self.lines)

    def wait_for_log(self, text, timeout=5):
        """True once `text` appears on stderr (log lines are written in batches)."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while text not in "".join(self.lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._seen.wait(min(left, 0.1))
            return True

    def _wait_for_url(self, timeout=15):
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for line in self.lines:
                    match = LISTENING.search(line)
                    if match:
                        return match.group(1)
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError("server did not start:\n" + "".join(self.lines))
                self._seen.wait(min(left, 0.1))

    def _wait_healthy(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.02)
        raise AssertionError("server never became healthy")

    def api(self, method, path, **kwargs):
        kwargs.setdefault("headers", self.headers)
        return requests.request(method, self.url + path, timeout=10, **kwargs)

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout=10):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        self.proc.kill()
        self.proc.wait()
