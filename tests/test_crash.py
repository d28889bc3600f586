"""Crash safety and backup against the real `goldenrecord serve`.

SIGKILL under concurrent write load, then a restart on the same file: every write that
was acknowledged with a 2xx is there, the file passes `PRAGMA integrity_check`, the
webhook deliveries still pending resume, and a request whose answer the crash swallowed
can be retried with its Idempotency-Key without acting twice. `goldenrecord backup`
copies the file consistently while writers keep writing.
"""
import itertools
import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from process import ROOT, ServerProcess, clean_env, new_key
from support import Receiver

pytestmark = pytest.mark.slow  # real server processes, killed under load

WRITERS = 6
LOAD_SECONDS = 2.0


def _config(tmp_path):
    config = tmp_path / "crash.toml"
    config.write_text("[rate_limits]\nenabled = false\n[webhooks]\nallow_private_targets = true\n"
                      "workers = 1\nbackoff_base_seconds = 0.2\nmax_attempts = 50\n")
    return ["--config", str(config)]


class Load:
    """Writer threads creating organizations and users, each POST with its own
    Idempotency-Key, remembering what was acknowledged and what got no answer."""

    def __init__(self, server, prefix):
        self.server = server
        self.prefix = prefix
        self.acknowledged = []  # (kind, id)
        self.unanswered = []  # (path, body, idempotency key)
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self.threads = [threading.Thread(target=self._write, daemon=True) for _ in range(WRITERS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(15)

    def _write(self):
        session = requests.Session()
        while not self.stop.is_set():
            n = next(self._numbers)
            if n % 2:
                path, body = "/api/v1/users", {"email": f"{self.prefix}{n}@example.com"}
            else:
                path, body = "/api/v1/organizations", {"name": f"Org {n}", "slug": f"{self.prefix}{n}"}
            key = f"{self.prefix}-{n}"
            try:
                answer = session.post(self.server.url + path, json=body, timeout=10, headers={
                    **self.server.headers, "Idempotency-Key": key})
            except requests.RequestException:
                with self._lock:
                    self.unanswered.append((path, body, key))
                return
            if 200 <= answer.status_code < 300:
                with self._lock:
                    self.acknowledged.append((path.rsplit("/", 1)[1], answer.json()["data"]["id"]))


def _rows(db, table):
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute(f"SELECT id FROM {table}")}


def _integrity(db):
    with sqlite3.connect(db) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def test_sigkill_under_write_load_loses_no_acknowledged_write(tmp_path):
    db, key, args = tmp_path / "crash.db", new_key(), _config(tmp_path)
    slow = Receiver(lambda n, headers, body: time.sleep(0.02) or 200)  # a backlog builds up
    first = ServerProcess(db, key=key, args=args)
    first.api("POST", "/api/v1/webhooks", json={"name": "h", "url": slow.url,
                                                 "events": ["organization.created"]})
    load = Load(first, "crash")
    load.start()
    time.sleep(LOAD_SECONDS)
    first.kill()  # SIGKILL, writers mid-request
    load.join()

    assert _integrity(db) == "ok"
    found = {"organizations": _rows(db, "organization"), "users": _rows(db, '"user"')}
    missing = [(kind, row_id) for kind, row_id in load.acknowledged if row_id not in found[kind]]
    with sqlite3.connect(db) as connection:
        pending = connection.execute(
            "SELECT count(*) FROM delivery WHERE status = 'pending'").fetchone()[0]
    assert len(load.acknowledged) > 50
    assert missing == []

    second = ServerProcess(db, key=key, args=args)
    replayed = 0
    for path, body, idempotency_key in load.unanswered:  # the crash swallowed these answers
        retry = second.api("POST", path, json=body, headers={**second.headers,
                                                              "Idempotency-Key": idempotency_key})
        assert retry.status_code == 201, retry.text  # a replay or a first run, never a duplicate
        replayed += retry.headers.get("Idempotent-Replayed") == "true"
    print(f"\ncrash: {len(load.acknowledged)} writes acknowledged, "
          f"{len(load.acknowledged) - len(missing)} found after SIGKILL, integrity ok; "
          f"{pending} deliveries pending at the crash; {len(load.unanswered)} unanswered "
          f"requests retried, {replayed} of them replayed")
    orgs = {row_id for kind, row_id in load.acknowledged if kind == "organizations"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not orgs <= _delivered(slow):
        time.sleep(0.1)
    assert orgs <= _delivered(slow)  # deliveries pending at the crash were resumed
    second.stop()
    slow.close()
    assert _integrity(db) == "ok"


def _delivered(receiver):
    return {json.loads(r["body"])["data"]["id"] for r in list(receiver.requests)}


def test_backup_while_serving_is_consistent_and_restorable(tmp_path):
    db, key = tmp_path / "live.db", new_key()
    server = ServerProcess(db, key=key, args=_config(tmp_path))
    load = Load(server, "bk")
    load.start()
    time.sleep(0.5)
    copy = tmp_path / "copy.db"
    result = subprocess.run([sys.executable, str(ROOT / "goldenrecord.py"), "backup", str(copy),
                             "--db", str(db)], env=clean_env(), capture_output=True, text=True,
                            timeout=60)
    time.sleep(0.3)
    load.join()
    server.stop()
    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stderr
    assert _integrity(copy) == "ok"
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copied = _rows(copy, "organization")
    assert 0 < len(copied) <= len(_rows(db, "organization"))
    again = subprocess.run([sys.executable, str(ROOT / "goldenrecord.py"), "backup", str(copy),
                            "--db", str(db)], env=clean_env(), capture_output=True, text=True)
    assert again.returncode == 2 and "exists already" in again.stderr

    restored = ServerProcess(copy, key=key)  # the copy serves as it is
    listed = restored.api("GET", "/api/v1/organizations?includeStaging=true&limit=1").json()
    assert listed["meta"]["total"] == len(copied)
    restored.stop()
