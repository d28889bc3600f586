"""The command line as an operator meets it, in a real process: each start-up mistake is
one line on stderr naming the problem and what to do, exit 2; the first-start key waits
for a bound port; every command names its absolute database; a terminal gets a progress
bar; the JSON log of a real server."""
import contextlib
import fcntl
import json
import os
import pty
import socket
import sqlite3
import struct
import subprocess
import sys
import termios

import pytest

from process import ROOT, ServerProcess, clean_env, new_key
from support import reindex_steps

pytestmark = pytest.mark.slow  # every test runs `goldenrecord` in a child process

ANNOUNCED = "Golden Record created an admin API key"


def goldenrecord(*args, cwd, stderr=subprocess.PIPE):
    return subprocess.run([sys.executable, str(ROOT / "goldenrecord.py"), *args],
                          stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=60,
                          env=clean_env(), cwd=str(cwd))


def assert_one_line(result, *fragments):
    """Exit 2, nothing on stdout, one line on stderr holding every fragment."""
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("goldenrecord: error: ")
    for fragment in fragments:
        assert fragment in result.stderr


@contextlib.contextmanager
def read_only(path):
    """`path` made read-only for this process. Root ignores permission bits, so as root
    the file (or folder) is made immutable instead, which binds root too."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(mode)


def _migrated(path):
    assert goldenrecord("migrate", "--db", str(path), cwd=path.parent).returncode == 0
    return path


def test_a_folder_as_database(tmp_path):
    assert_one_line(goldenrecord("migrate", "--db", str(tmp_path), cwd=tmp_path),
                    f"database.path: {tmp_path} is a folder")


def test_a_database_in_a_missing_folder(tmp_path):
    result = goldenrecord("serve", "--db", "missing/gr.db", "--port", "0", cwd=tmp_path)
    assert_one_line(result, f"the folder {tmp_path / 'missing'} does not exist", "create it")


def test_a_file_that_is_not_sqlite(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database\n" * 10)
    assert_one_line(goldenrecord("keys", "list", "--db", "notes.txt", cwd=tmp_path),
                    f"{tmp_path / 'notes.txt'} is not a SQLite database")


def test_a_read_only_database(tmp_path):
    db = _migrated(tmp_path / "ro.db")
    with read_only(db):
        result = goldenrecord("keys", "create", "--name", "x", "--scope", "*:*", "--db", str(db),
                              cwd=tmp_path)
    assert_one_line(result, f"{db} is read-only", "writable")


def test_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    db = _migrated(folder / "gr.db")
    with read_only(folder):
        existing = goldenrecord("migrate", "--db", str(db), cwd=tmp_path)
        new = goldenrecord("migrate", "--db", str(folder / "new.db"), cwd=tmp_path)
    assert_one_line(existing, str(db), "folder", "writable")
    assert_one_line(new, str(folder / "new.db"), "permission denied")


def test_backup_into_a_missing_folder(tmp_path):
    db = _migrated(tmp_path / "gr.db")
    result = goldenrecord("backup", "nowhere/copy.db", "--db", str(db), cwd=tmp_path)
    assert_one_line(result, f"the folder {tmp_path / 'nowhere'} does not exist")
    assert not os.path.exists(tmp_path / "nowhere")


def test_a_port_in_use_keeps_the_first_start_key_for_the_start_that_serves(tmp_path):
    # migrated first: a new database's first start also says where it made its secret key
    # file (store/vault.py), a line of its own before the failure's
    _migrated(tmp_path / "gr.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = goldenrecord("serve", "--db", "gr.db", "--port", str(port), cwd=tmp_path)
    assert_one_line(result, f"127.0.0.1:{port} is in use", "--port")
    keys = sqlite3.connect(tmp_path / "gr.db").execute("SELECT count(*) FROM api_key").fetchone()
    assert keys == (0,)  # not minted, so not used up
    server = ServerProcess(tmp_path / "gr.db")
    try:
        assert ANNOUNCED in server.stderr()
    finally:
        server.stop()


def test_every_command_names_its_absolute_database_and_a_new_one(tmp_path):
    first = goldenrecord("migrate", "--db", "gr.db", cwd=tmp_path)
    again = goldenrecord("keys", "list", "--db", "gr.db", cwd=tmp_path)
    assert f"new database {tmp_path / 'gr.db'} (created just now)" in first.stderr
    assert f"in database {tmp_path / 'gr.db'}" in again.stderr and "new database" not in again.stderr
    server = ServerProcess(tmp_path / "other.db")
    try:
        assert f"from new database {tmp_path / 'other.db'} (created just now)" in server.stderr()
    finally:
        server.stop()


def _on_a_terminal(*args, cwd):
    """Run `goldenrecord args` with stderr on a pseudo-terminal of 100 columns; returns
    what it drew."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        result = goldenrecord(*args, cwd=cwd, stderr=child)
        os.close(child)
        child = None
        drawn = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        if child is not None:
            os.close(child)
        os.close(main)
    assert result.returncode == 0
    return drawn.decode()


def test_a_terminal_gets_a_progress_bar_unless_quiet(tmp_path):
    db = str(tmp_path / "gr.db")
    assert goldenrecord("seed", "--demo", "--db", db, cwd=tmp_path).returncode == 0
    total = reindex_steps(db)
    drawn = _on_a_terminal("search", "reindex", "--db", db, cwd=tmp_path)
    assert "search reindex: 100%" in drawn and f"{total}/{total}" in drawn and "steps/s]" in drawn
    quiet = _on_a_terminal("search", "reindex", "--db", db, "--quiet", cwd=tmp_path)
    assert "search reindex:" not in quiet.replace("search index rebuilt", "")
    assert "search index rebuilt" in quiet


def test_a_real_server_logs_json_lines_without_query_strings(tmp_path):
    key = new_key()
    server = ServerProcess(tmp_path / "gr.db", key=key, args=["--log-format", "json"])
    try:
        server.api("GET", "/api/v1/organizations", params={"search": "hush-hush"})
        server.api("GET", "/healthz", headers={})
    finally:
        server.stop()
    entries = [json.loads(line) for line in server.stderr().splitlines()]
    access = [e for e in entries if e["logger"] == "goldenrecord.access"][-2:]  # after ready()
    assert [(e["route"], e["status"], e["client"]) for e in access] == [
        ("/api/v1/organizations", 200, "127.0.0.1"), ("/healthz", 200, "127.0.0.1")]
    assert access[0]["keyId"].startswith("key_") and access[1]["keyId"] is None
    assert "hush" not in server.stderr() and key not in server.stderr()
