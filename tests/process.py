"""Run the real `goldenrecord serve` as a child process, for what only a real server shows."""
import sys
from pathlib import Path

import requests

import dns_server

from goldenrecord.embedding import process
from goldenrecord.embedding.process import clean_env, new_key  # noqa: F401  (for the tests)

ROOT = Path(__file__).resolve().parent.parent


class ServerProcess(process.ServerProcess):
    """`goldenrecord serve --port 0` on `db`; `url` once it answers /healthz."""

    def __init__(self, db, *, key=None, args=(), env=None, command=None):
        self.key = key
        extra = {"GOLDENRECORD_BOOTSTRAP_KEY": key} if key else {}
        # domain verification asks the loopback DNS server, never the system's resolver
        extra["GOLDENRECORD_DOMAINS_RESOLVER"] = dns_server.shared().address
        command = command or [sys.executable, str(ROOT / "goldenrecord.py")]
        super().__init__([*command, "serve", "--db", str(db), "--port", "0", *args],
                         env=clean_env(**extra, **(env or {})), cwd=str(db.parent))
        try:
            self.ready()
        except RuntimeError as error:
            raise AssertionError(str(error))

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.key}"}

    def api(self, method, path, **kwargs):
        kwargs.setdefault("headers", self.headers)
        return requests.request(method, self.url + path, timeout=10, **kwargs)
