"""deploy/: the systemd units pass `systemd-analyze verify` and run their backup as systemd
would, and Debian's nginx with the shipped site, on loopback in front of a real `goldenrecord
serve`, hands the service the real client's address — never one the client wrote.

The tools are Debian's (`apt-get install systemd nginx openssl`); .ci/run installs them and
sets GOLDENRECORD_REQUIRE_DEPLOY_TOOLS, so there a missing tool fails instead of skipping.
"""
import contextlib
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from process import ROOT, ServerProcess, new_key
from support import deploy_tool as tool

pytestmark = pytest.mark.slow  # real nginx, systemd-analyze and server processes

DEPLOY = ROOT / "deploy"
UNITS = ("goldenrecord.service", "goldenrecord-backup.service", "goldenrecord-backup.timer")
INSTALLED = "/opt/goldenrecord/bin/goldenrecord"  # where the units expect the command
CONFIG = "/etc/goldenrecord/config.toml"
BACKUPS = "/var/lib/goldenrecord-backups"
FAILED_AUTH_LIMIT = 5  # the shipped config, with failed authentications throttled sooner


def run(command, timeout=60, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


# ------------------------------------------------------------------------------ systemd

@pytest.fixture
def launcher(tmp_path):
    """An executable `goldenrecord` that runs this checkout, standing where the units expect
    the installed command (systemd-analyze checks that it is executable)."""
    path = tmp_path / "bin" / "goldenrecord"
    path.parent.mkdir()
    path.write_text(f'#!/bin/sh\nexec {sys.executable} {ROOT / "goldenrecord.py"} "$@"\n')
    path.chmod(0o755)
    return path


def installed_units(folder, launcher):
    """The units as installed in `folder`, running `launcher` as the command."""
    paths = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert name.endswith(".timer") or INSTALLED in text, name
        paths.append(folder / name)
        paths[-1].write_text(text.replace(INSTALLED, str(launcher)))
    return paths


def test_units_pass_systemd_analyze_verify(tmp_path, launcher):
    analyze = tool("systemd-analyze", "systemd")
    units = installed_units(tmp_path, launcher)
    result = run([analyze, "verify", *map(str, units)])
    ours = [line for line in result.stderr.splitlines() if "goldenrecord" in line]
    assert result.returncode == 0 and not ours, result.stderr


@pytest.mark.parametrize("unit", ["goldenrecord.service", "goldenrecord-backup.service"])
def test_services_are_hardened(tmp_path, launcher, unit):
    """systemd's own exposure score (0 safe .. 10 unsafe; --threshold takes tenths) stays
    at 2.0 ("OK") or better."""
    analyze = tool("systemd-analyze", "systemd")
    path = installed_units(tmp_path, launcher)[UNITS.index(unit)]
    result = run([analyze, "security", "--offline=true", "--threshold=20", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def command_lines(unit, key):
    """The `key=` command lines of `unit` as systemd runs them: `%%` and `$$` unescaped
    (the units use no other specifier or variable, which this checks), then split."""
    lines = re.findall(rf"^{key}=(.*)$", (DEPLOY / unit).read_text(), re.MULTILINE)
    assert lines, (unit, key)
    commands = []
    for line in lines:
        assert not re.search(r"%[^%]|\$[^$]", line.replace("%%", "").replace("$$", "")), line
        commands.append(shlex.split(line.replace("%%", "%").replace("$$", "$")))
    return commands


def test_backup_service_writes_a_dated_backup_and_prunes_old_ones(tmp_path, launcher):
    database, backups, config = tmp_path / "gr.db", tmp_path / "backups", tmp_path / "gr.toml"
    backups.mkdir()
    config.write_text((DEPLOY / "config.toml").read_text().replace(
        "/var/lib/goldenrecord/goldenrecord.db", str(database)))
    made_key = run([str(launcher), "keys", "create", "--config", str(config), "--name", "k",
                    "--scope", "*:*"])
    assert made_key.returncode == 0, made_key.stderr
    stale, recent, other = (backups / "goldenrecord-20000101T000000Z.db",
                            backups / "goldenrecord-20000102T000000Z.db", backups / "notes.db")
    stale_key = backups / "goldenrecord-20000101T000000Z.db.key"
    for path, age_days in ((stale, 20), (stale_key, 20), (recent, 1), (other, 20)):
        path.write_bytes(b"")
        os.utime(path, (time.time() - age_days * 86400,) * 2)

    def systemd_runs(key):
        for command in command_lines("goldenrecord-backup.service", key):
            result = run([arg.replace(INSTALLED, str(launcher)).replace(CONFIG, str(config))
                          .replace(BACKUPS, str(backups)) for arg in command])
            assert result.returncode == 0, result.stderr

    systemd_runs("ExecStart")
    made, key_copy = sorted(p.name for p in backups.iterdir()
                            if p not in (stale, stale_key, recent, other))
    assert re.fullmatch(r"goldenrecord-\d{8}T\d{6}Z\.db", made), made
    assert key_copy == f"{made}.key"  # the secret key that opens the copy's secrets
    with contextlib.closing(sqlite3.connect(backups / made)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT name FROM api_key").fetchall() == [("k",)]
    systemd_runs("ExecStartPost")
    assert sorted(p.name for p in backups.iterdir()) == sorted([made, key_copy, recent.name,
                                                                 other.name])


# -------------------------------------------------------------------------------- nginx

NGINX_CONF = """\
daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def loopback_site(*, ports, certificate, key, upstream):
    """The shipped site file with only what a loopback run must change: listen on 127.0.0.1
    at free `ports` (by production port; no IPv6 listener), this run's certificate, and
    `upstream` (host:port) for the service. Each change must find its directive, so the
    test breaks rather than runs something else when the site file changes shape."""
    site = (DEPLOY / "nginx-goldenrecord.conf").read_text()
    for pattern, replacement in (
            (r"\n *listen \[::\]:\d+[^;]*;", ""),
            (r"listen (80|443)\b", lambda m: f"listen 127.0.0.1:{ports[m.group(1)]}"),
            (r"ssl_certificate \S+;", f"ssl_certificate {certificate};"),
            (r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};"),
            (r"server 127\.0\.0\.1:8080;", f"server {upstream};")):
        site, count = re.subn(pattern, replacement, site)
        assert count, f"the site file has no {pattern!r}"
    return site


class Nginx:
    """Debian's nginx as a foreground child in `folder` (no root paths), serving the
    shipped site over TLS at `url` in front of `upstream`, with a certificate made now."""

    def __init__(self, folder, upstream):
        folder.mkdir(exist_ok=True)
        self.certificate, key = folder / "cert.pem", folder / "key.pem"
        made = run([tool("openssl", "openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(self.certificate)])
        assert made.returncode == 0, made.stderr
        ports = {"80": free_port(), "443": free_port()}
        (folder / "site.conf").write_text(loopback_site(
            ports=ports, certificate=self.certificate, key=key, upstream=upstream))
        (folder / "nginx.conf").write_text(NGINX_CONF.format(folder=folder))
        self.log = folder / "error.log"
        self.url = f"https://127.0.0.1:{ports['443']}"
        self.proc = subprocess.Popen(
            [tool("nginx", "nginx"), "-p", str(folder), "-c", str(folder / "nginx.conf"),
             "-e", str(self.log)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self._wait_listening(ports["443"])

    def _wait_listening(self, port, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError("nginx did not start:\n" + self.log.read_text())
                time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class FromAddress(requests.adapters.HTTPAdapter):
    """Connections from `address` (any of 127.0.0.0/8 on Linux), as another host's would be."""

    def __init__(self, address):
        self._source = (address, 0)  # before super().__init__, which makes the pool
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=self._source, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real server on the shipped config (trusted_proxies = nginx on 127.0.0.1), with
    failed authentications throttled after FAILED_AUTH_LIMIT a minute."""
    folder = tmp_path_factory.mktemp("deployed")
    config = folder / "config.toml"
    config.write_text((DEPLOY / "config.toml").read_text()
                      + f"\n[rate_limits]\nfailed_auth_per_ip = {FAILED_AUTH_LIMIT}\n")
    proc = ServerProcess(folder / "gr.db", key=new_key(), args=["--config", str(config)])
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def proxy(server, tmp_path_factory):
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), server.url.removeprefix("http://"))
    yield nginx
    nginx.stop()


@pytest.fixture(scope="module")
def from_address(proxy):
    """from_address("127.0.0.2") -> a requests session to `proxy` from that address."""
    sessions = []

    def connect(address):
        session = requests.Session()
        session.trust_env = False  # loopback only, whatever proxy the environment names
        session.verify = str(proxy.certificate)
        session.mount("https://", FromAddress(address))
        sessions.append(session)
        return session

    yield connect
    for session in sessions:
        session.close()


def envelope(response, status, code=None):
    """The answer's data (success) or its one error (failure), after pinning the envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["requestId"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"req_[0-9a-f]{24}", body["requestId"])
    if status >= 400:
        assert body["success"] is False and body["errors"][0]["code"] == code, body
        return body["errors"][0]
    assert body["success"] is True
    return body["data"]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keys(server, proxy, from_address):
    """Keys allowed only from 127.0.0.2 and only from 127.0.0.1, made through the proxy."""
    admin = from_address("127.0.0.2")

    def make(cidr):
        data = envelope(admin.post(proxy.url + "/api/v1/keys", headers=server.headers, json={
            "name": cidr, "scopes": ["permissions:read"], "allowedIps": [cidr]}), 201)
        return data["key"]

    return {"client": make("127.0.0.2/32"), "proxy": make("127.0.0.1/32")}


PERMISSIONS = "/api/v1/permissions"


def test_allow_lists_see_the_real_client(proxy, keys, from_address):
    client, other = from_address("127.0.0.2"), from_address("127.0.0.3")
    envelope(client.get(proxy.url + PERMISSIONS, headers=bearer(keys["client"])), 200)
    error = envelope(client.get(proxy.url + PERMISSIONS, headers=bearer(keys["proxy"])), 403,
                     "GR_IP_NOT_ALLOWED")
    assert "127.0.0.2" in error["message"]  # the client, not nginx's 127.0.0.1
    envelope(other.get(proxy.url + PERMISSIONS, headers=bearer(keys["client"])), 403,
             "GR_IP_NOT_ALLOWED")


@pytest.mark.parametrize("written", ["127.0.0.1", "127.0.0.1, 127.0.0.1", "10.0.0.1, 127.0.0.1",
                                     "127.0.0.1, garbage", ""])
def test_a_forwarded_for_the_client_wrote_is_not_believed(proxy, keys, from_address, written):
    client = from_address("127.0.0.2")
    headers = {**bearer(keys["proxy"]), "X-Forwarded-For": written}
    envelope(client.get(proxy.url + PERMISSIONS, headers=headers), 403, "GR_IP_NOT_ALLOWED")
    headers = {**bearer(keys["client"]), "X-Forwarded-For": written}
    envelope(client.get(proxy.url + PERMISSIONS, headers=headers), 200)


def test_failed_authentication_is_throttled_per_real_client(proxy, keys, from_address):
    """Failures from 127.0.0.4 — each claiming another address — are counted against
    127.0.0.4 alone: it is throttled, 127.0.0.5 is not."""
    throttled, other = from_address("127.0.0.4"), from_address("127.0.0.5")
    wrong = bearer("gr_live_" + "x" * 43)
    codes = []
    # A minute's window can end during the burst and restart the count: hence 2 × limit.
    for attempt in range(2 * FAILED_AUTH_LIMIT + 2):
        headers = {**wrong, "X-Forwarded-For": f"10.9.0.{attempt}"}
        response = throttled.get(proxy.url + PERMISSIONS, headers=headers)
        codes.append(response.status_code)
        if response.status_code == 429:
            break
    assert codes[-1] == 429 and set(codes[:-1]) == {401}, codes
    envelope(other.get(proxy.url + PERMISSIONS, headers=wrong), 401, "GR_INVALID_API_KEY")
    envelope(other.get(proxy.url + PERMISSIONS, headers=bearer(keys["client"])), 403,
             "GR_IP_NOT_ALLOWED")  # authenticated, refused only for its address


def test_the_dashboard_cookie_is_secure_behind_tls(server, proxy, from_address):
    """The service speaks plain http to nginx; X-Forwarded-Proto from the trusted proxy
    tells it the browser used https, so the session cookie is marked Secure."""
    response = from_address("127.0.0.2").post(proxy.url + "/admin/session",
                                              json={"key": server.key})
    envelope(response, 200)
    assert "; Secure" in response.headers["Set-Cookie"], response.headers["Set-Cookie"]


def test_body_limit_matches_the_api_and_answers_in_the_envelope(server, proxy, from_address):
    client = from_address("127.0.0.2")
    headers = {**server.headers, "Content-Type": "application/json"}
    head, tail = b'{"slug": "big", "name": "', b'"}'
    at_limit = head + b"x" * (1024 * 1024 - len(head) - len(tail)) + tail  # exactly 1 MiB
    # reaches the service, which names the field it refuses (not the body's size)
    error = envelope(client.post(proxy.url + "/api/v1/organizations", data=at_limit,
                                 headers=headers), 400, "GR_VALIDATION_ERROR")
    assert error["field"] == "name"
    error = envelope(client.post(proxy.url + "/api/v1/organizations", data=at_limit + b" ",
                                 headers=headers), 413, "GR_PAYLOAD_TOO_LARGE")
    assert error["field"] == "body"


def test_a_service_that_is_down_answers_in_the_envelope(tmp_path, from_address):
    nginx = Nginx(tmp_path / "nginx", f"127.0.0.1:{free_port()}")  # nothing listens there
    try:
        client = from_address("127.0.0.2")
        response = client.get(nginx.url + "/healthz", verify=str(nginx.certificate))
        envelope(response, 502, "GR_HTTP_502")  # Bad Gateway: nothing to connect to
        assert response.headers["Retry-After"] == "5"
    finally:
        nginx.stop()
