"""The real `goldenrecord serve` process: start-up, signals, restarts, threads, webhooks."""
import json
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from process import ROOT, ServerProcess, clean_env, new_key
from support import Receiver, race, sqlite_locks_seen_from_another_process

pytestmark = pytest.mark.slow  # real `goldenrecord serve` processes


@pytest.fixture
def db(tmp_path):
    return tmp_path / "real.db"


@pytest.fixture
def server(db):
    proc = ServerProcess(db, key=new_key())
    yield proc
    proc.stop()


def _envelope(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["requestId"] == response.headers["X-Request-Id"]
    return body


def test_bootstrap_key_envelope_and_errors(server):
    body = _envelope(server.api("GET", "/api/v1/permissions"), 200)
    assert body["success"] is True and len(body["data"]) == 8
    assert _envelope(server.api("GET", "/api/v1/permissions", headers={}), 401)["errors"][0]["code"] == "GR_UNAUTHORIZED"
    assert _envelope(server.api("GET", "/nope"), 404)["errors"][0]["code"] == "GR_NOT_FOUND"
    assert server.wait_for_log("GET /api/v1/permissions 200")  # one access-log line per request
    assert server.key not in server.stderr()  # the key never reaches the log


def test_first_start_prints_an_admin_key_once(db):
    first = ServerProcess(db)
    keys = re.findall(r"gr_live_[A-Za-z0-9_-]{43}", first.stderr())
    assert len(keys) == 1 and "shown only once" in first.stderr()
    first.key = keys[0]
    assert first.api("GET", "/api/v1/roles").status_code == 200
    first.stop()
    second = ServerProcess(db)
    assert "gr_live_" not in second.stderr()
    second.key = keys[0]
    assert second.api("GET", "/api/v1/roles").status_code == 200
    second.stop()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_cleanly_after_requests_in_flight(db, signum):
    proc = ServerProcess(db, key=new_key())
    results = []

    def call():
        try:
            response = proc.api("GET", "/api/v1/organizations?includeStaging=true")
            results.append(response.status_code if response.json()["success"] else "bad")
        except requests.ConnectionError:
            results.append("refused")

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    proc.signal(signum)
    for t in threads:
        t.join()
    assert proc.wait(10) == 0
    assert set(results) <= {200, "refused"} and results.count(200) >= 1, results
    assert "shutting down" in proc.stderr() and "stopped" in proc.stderr()


def test_data_survives_a_restart(db):
    key = new_key()
    first = ServerProcess(db, key=key)
    org = _envelope(first.api("POST", "/api/v1/organizations", json={"name": "Acme", "slug": "acme"}), 201)
    first.stop()
    second = ServerProcess(db, key=key)
    assert _envelope(second.api("GET", f"/api/v1/organizations/{org['data']['id']}"), 200)["data"]["slug"] == "acme"
    second.stop()


def _seconds_until(predicate, limit=2.0):
    """How long until `predicate()` holds, polling; AssertionError past `limit` seconds."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < limit, f"not seen within {limit} s"
        time.sleep(0.005)
    return time.monotonic() - started


def test_reads_from_memory_see_another_process_change_within_the_poll_bound(db, server):
    import sqlite3

    org = _envelope(server.api("POST", "/api/v1/organizations",
                               json={"name": "Acme", "slug": "acme"}), 201)["data"]
    path = f"/api/v1/organizations/{org['id']}"
    for _ in range(3):  # read by several of the server's threads, so held in memory
        assert _envelope(server.api("GET", path), 200)["data"]["name"] == "Acme"
    # watching for commits left the server's SQLite locks in place: a process opening the
    # database finds the index in use, and never rebuilds it under the server
    assert "128 taken" in sqlite_locks_seen_from_another_process(f"{db}-shm")
    other = sqlite3.connect(db)  # this test process is the other process
    other.execute("UPDATE organization SET name = 'Renamed' WHERE id = ?", (org["id"],))
    other.commit()
    # the README's bound is ~20 ms (one poll); 2 s only tells a slow machine from a dead watch
    _seconds_until(lambda: _envelope(server.api("GET", path), 200)["data"]["name"] == "Renamed")
    other.execute("DELETE FROM organization WHERE id = ?", (org["id"],))
    other.commit()
    other.close()
    _seconds_until(lambda: server.api("GET", path).status_code == 404)
    assert _envelope(server.api("GET", path), 404)["errors"][0]["code"] == "GR_ORG_NOT_FOUND"


def test_same_slug_race_through_real_threads(server):
    def create(i, slug):
        response = server.api("POST", "/api/v1/organizations", json={"name": f"R{i}", "slug": slug})
        return (response.status_code, response.json()["errors"][0]["code"]
                if response.status_code >= 400 else None)

    statuses = race(20, lambda i: create(i, "contested"))
    assert sorted(statuses, key=str) == sorted([(201, None)] + [(409, "GR_DUPLICATE_SLUG")] * 19, key=str)
    statuses = race(20, lambda i: create(i, f"org-{i}"))
    assert [s for s, _ in statuses] == [201] * 20
    listed = server.api("GET", "/api/v1/organizations?includeStaging=true").json()
    assert listed["meta"]["total"] == 21


def test_keys_create_cli_prints_only_the_key(db, server):
    result = subprocess.run(
        [sys.executable, str(ROOT / "goldenrecord.py"), "keys", "create", "--db", str(db),
         "--name", "reader", "--scope", "organizations:read"],
        capture_output=True, text=True, env=clean_env(), timeout=30)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"gr_live_[A-Za-z0-9_-]{43}\n", result.stdout)
    reader = {"Authorization": f"Bearer {result.stdout.strip()}"}
    assert server.api("GET", "/api/v1/organizations", headers=reader).status_code == 200
    denied = server.api("POST", "/api/v1/organizations", headers=reader, json={"name": "A", "slug": "a"})
    assert denied.json()["errors"][0]["code"] == "GR_FORBIDDEN"


def test_migrate_twice_and_startup_errors(db, tmp_path):
    command = [sys.executable, str(ROOT / "goldenrecord.py")]
    for _ in range(2):
        assert subprocess.run([*command, "migrate", "--db", str(db)], capture_output=True,
                              env=clean_env(), timeout=30).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nhots = 'x'\n")
    result = subprocess.run([*command, "serve", "--config", str(bad)], capture_output=True, text=True,
                            env=clean_env(), timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "server.hots" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_is_written_on_shutdown(db):
    key = new_key()
    first = ServerProcess(db, key=key, env={})
    for _ in range(5):
        first.api("GET", "/api/v1/roles")
    first.stop()
    second = ServerProcess(db, key=key)
    summary = second.api("GET", "/api/v1/analytics").json()["data"]["summary"]
    assert summary["totalRequests"] >= 5
    second.stop()


def _webhook_config(tmp_path, receiver_url=None):
    config = tmp_path / "hooks.toml"
    config.write_text("[webhooks]\nallow_private_targets = true\nbackoff_base_seconds = 0.3\n"
                      "max_attempts = 50\ntimeout_seconds = 2\n")
    return ["--config", str(config)]


@pytest.mark.parametrize("how", ["restart", "sigkill"])
def test_pending_deliveries_resume_after_restart_or_crash(db, tmp_path, how):
    key = new_key()
    args = _webhook_config(tmp_path)
    receiver = Receiver(lambda n, headers, body: 503)  # down for now
    first = ServerProcess(db, key=key, args=args)
    hook = first.api("POST", "/api/v1/webhooks", json={
        "name": "h", "url": receiver.url, "events": ["*"]}).json()["data"]
    org = first.api("POST", "/api/v1/organizations", json={"name": "Acme", "slug": "acme"}).json()["data"]
    receiver.wait_for(1)
    if how == "sigkill":
        first.kill()
    else:
        first.stop()
        assert first.proc.returncode == 0
    receiver.respond = lambda n, headers, body: 200  # the receiver recovers
    second = ServerProcess(db, key=key, args=args)
    # the background threads' path, end to end: the delivery must arrive (bounded wait)
    _seconds_until(lambda: any(r["status"] == 200 for r in receiver.requests), limit=15)
    delivered = [json.loads(r["body"]) for r in receiver.requests if r["status"] == 200]
    assert [d["data"]["id"] for d in delivered] == [org["id"]]
    ids = {r["headers"]["X-Webhook-Id"] for r in receiver.requests}
    assert len(ids) == 1  # every attempt, before and after, carried the same id

    def statuses():
        return [d["status"] for d in
                second.api("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").json()["data"]]

    _seconds_until(lambda: statuses() == ["succeeded"], limit=5)  # the outcome is written
    second.stop()
    receiver.close()


def test_a_second_signal_does_not_cut_the_shutdown_short(db):
    key = new_key()
    proc = ServerProcess(db, key=key)
    for _ in range(3):
        proc.api("GET", "/api/v1/roles")
    proc.signal(signal.SIGTERM)
    proc.signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert proc.wait_for_log("stopped")
    again = ServerProcess(db, key=key)
    summary = again.api("GET", "/api/v1/analytics").json()["data"]["summary"]
    assert summary["totalRequests"] >= 3  # the usage buffer was still written
    again.stop()


def test_forwarded_headers_from_a_trusted_proxy_reach_the_app(db, tmp_path):
    """waitress deletes X-Forwarded-* before the app sees them unless told not to; the app
    then could never tell a proxied client's address or scheme (here the test, on 127.0.0.1,
    is the trusted proxy)."""
    config = tmp_path / "proxied.toml"
    config.write_text('[server]\ntrusted_proxies = ["127.0.0.1/32"]\n')
    proc = ServerProcess(db, key=new_key(), args=["--config", str(config)])
    try:
        key = proc.api("POST", "/api/v1/keys", json={
            "name": "remote", "scopes": ["roles:read"], "allowedIps": ["203.0.113.9/32"],
        }).json()["data"]["key"]
        forwarded = {"Authorization": f"Bearer {key}", "X-Forwarded-For": "203.0.113.9"}
        _envelope(proc.api("GET", "/api/v1/roles", headers=forwarded), 200)
        signed_in = proc.api("POST", "/admin/session", json={"key": proc.key},
                             headers={"X-Forwarded-Proto": "https"})
        _envelope(signed_in, 200)
        assert "; Secure" in signed_in.headers["Set-Cookie"]
    finally:
        proc.stop()


def _raw_exchange(url, request):
    """The bytes a real server sends back for `request` (bytes), read until it closes."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_rate_limit_header_names_as_the_http_server_writes_them(server):
    """waitress writes every header name in its own capitalization, so `X-RateLimit-Limit`
    goes out as `X-Ratelimit-Limit` (names are case-insensitive; docs/api.md says so)."""
    raw = _raw_exchange(server.url, (
        f"GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {server.key}\r\n"
        "Connection: close\r\n\r\n").encode())
    head = raw.partition(b"\r\n\r\n")[0].decode("latin-1")
    names = [line.partition(":")[0] for line in head.split("\r\n")[1:]]
    assert {"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} <= set(names)


def test_head_on_a_real_server_sends_get_s_headers_and_no_body(server):
    def exchange(method):
        raw = _raw_exchange(server.url, (
            f"{method} /api/v1/permissions HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Bearer {server.key}\r\nConnection: close\r\n\r\n").encode())
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        return lines[0], dict(line.split(": ", 1) for line in lines[1:]), body

    get_status, get_headers, get_body = exchange("GET")
    head_status, head_headers, head_body = exchange("HEAD")
    assert get_status == head_status == "HTTP/1.1 200 OK"
    assert head_body == b"" and len(get_body) == int(get_headers["Content-Length"])
    assert head_headers["Content-Length"] == get_headers["Content-Length"]
    assert head_headers["Content-Type"] == get_headers["Content-Type"]
