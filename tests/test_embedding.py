"""The embedding API: `goldenrecord.running()` starts the real service for another program."""
import os
import signal
import subprocess
import sys
import time

import pytest

import goldenrecord
from goldenrecord import store
from goldenrecord.embedding import instance, running, template
from process import clean_env

pytestmark = pytest.mark.slow  # `running()` and the probes start real child processes


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split()[2] != "Z"  # a zombie has exited


def test_running_serves_the_api_with_an_admin_key_and_cleans_up():
    with goldenrecord.running() as gr:
        assert gr.url.startswith("http://127.0.0.1:")
        created = gr.session.post("/api/v1/organizations", json={"name": "Acme", "slug": "acme"})
        assert created.status_code == 201, created.text
        assert gr.session.get("/api/v1/organizations?includeStaging=true").json()["meta"]["total"] == 1
        workdir, pid = os.path.dirname(gr.database), gr.process.proc.pid
        assert os.path.exists(gr.database)
    assert not os.path.exists(workdir)
    assert not _alive(pid)


def test_create_key_mints_keys_with_the_scopes_asked_for():
    with running() as gr:
        org = gr.session.post("/api/v1/organizations", json={"name": "A", "slug": "a"}).json()["data"]
        reader = gr.create_key(scopes=["organizations:read"], organization_id=org["id"])
        with gr.client(reader) as client:
            assert client.get(f"/api/v1/organizations/{org['id']}").status_code == 200
            refused = client.post("/api/v1/organizations", json={"name": "B", "slug": "b"})
            assert refused.status_code == 403
        with pytest.raises(ValueError, match="scopes"):
            gr.create_key(scopes=["nope:nope"])


def test_two_instances_side_by_side_have_their_own_data():
    with running() as first, running() as second:
        assert first.url != second.url and first.database != second.database
        first.session.post("/api/v1/users", json={"email": "a@example.com"})
        assert first.session.get("/api/v1/users").json()["meta"]["total"] == 1
        assert second.session.get("/api/v1/users").json()["meta"]["total"] == 0
        # each has its own admin key and cursor secret
        assert second.client(first.admin_key).get("/api/v1/users").status_code == 401


def test_overrides_reach_the_server_and_bad_ones_fail_in_the_host():
    with running({"rate_limits.enabled": True, "rate_limits.enterprise": 7}) as gr:  # the admin key's
        assert gr.session.get("/api/v1/roles").headers["X-RateLimit-Limit"] == "7"
    with pytest.raises(goldenrecord.ConfigError, match="webhooks.workers"):
        running({"webhooks.workers": "many"}).__enter__()
    with pytest.raises(ValueError, match="server.port"):
        running({"server.port": 8080}).__enter__()


def test_a_database_of_ones_own_is_kept(tmp_path):
    path = tmp_path / "kept.db"
    with running(database=path) as gr:
        gr.session.post("/api/v1/organizations", json={"name": "Kept", "slug": "kept"})
    assert path.exists()
    with running(database=str(path)) as again:
        listed = again.session.get("/api/v1/organizations?includeStaging=true").json()
        assert [o["slug"] for o in listed["data"]] == ["kept"]


def test_template_copies_get_secrets_and_a_secret_key_of_their_own(tmp_path):
    """The template's secrets are sealed under a key that is gone: a copy opens without
    it, makes its own cursor- and session-signing secrets, and keeps them."""
    template.build_template()
    made = []
    for name in ("a.db", "b.db"):
        assert template.copy_template(tmp_path / name)
        opened = store.Store(tmp_path / name)
        assert opened.migrate() == []
        made.append({key: opened.setting(key) for key in ("cursor_secret", "admin_session_secret")})
        opened.close()
        reopened = store.Store(tmp_path / name)
        assert {key: reopened.setting(key) for key in made[-1]} == made[-1]
        reopened.close()
    assert set(made[0].values()).isdisjoint(made[1].values())
    assert (tmp_path / "a.db.key").read_bytes() != (tmp_path / "b.db.key").read_bytes()


def test_a_template_folder_others_can_write_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setattr(template.tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"goldenrecord-templates-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert template.template_path() is None
    assert template.copy_template(tmp_path / "x.db") is False
    shared.chmod(0o700)
    assert template.template_path().startswith(str(shared))


def test_importing_goldenrecord_does_not_import_the_embedding_api():
    probe = ("import sys, goldenrecord; print('goldenrecord.embedding' in sys.modules, "
             "'requests' in sys.modules, callable(goldenrecord.running))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=clean_env(), timeout=30)
    assert result.stdout.split() == ["False", "False", "True"], result.stderr


def test_the_next_instance_takes_the_warm_spare(monkeypatch):
    instance._spares.discard()  # none left from other tests
    with running():
        spare = instance._spares.waiting()[0]
        monkeypatch.setenv("PYTEST_CURRENT_TEST", "changes all the time")
        with running() as second:
            assert second.process is spare
        monkeypatch.setenv("PYTHONHASHSEED", "7")  # would make another interpreter
        spares = instance._spares.waiting()
        with running() as third:
            assert third.process not in spares
            assert all(spare.proc.poll() is not None for spare in spares)


def test_instances_nobody_stopped_are_stopped_at_exit():
    script = ("from goldenrecord.embedding import start\n"
              "gr = start()\n"
              "print(gr.process.proc.pid, gr.database, flush=True)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=clean_env(), timeout=60)
    pid, database = result.stdout.split()
    assert not os.path.exists(os.path.dirname(database))
    assert not _alive(int(pid))


HOST = """
import sys
from goldenrecord.embedding import instance, start
gr = start()
print(gr.database, gr.process.proc.pid, *(c.proc.pid for c in instance._spares.waiting()),
      flush=True)
sys.stdin.read()
"""


def test_the_server_and_the_spare_stop_when_the_host_dies():
    host = subprocess.Popen([sys.executable, "-c", HOST], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=clean_env())
    database, *pids = host.stdout.readline().split()
    pids = [int(pid) for pid in pids]
    assert len(pids) == 3 and all(_alive(pid) for pid in pids)  # the server and two spares
    host.send_signal(signal.SIGKILL)  # no atexit, no finally: only the closed pipes tell
    host.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
    assert not os.path.exists(os.path.dirname(database))  # the server removed it


def test_create_app_is_a_wsgi_app_for_falcon_testing(tmp_path):
    # in a child: the app binds the process's one database (no thread runs behind it)
    probe = ("import sys, falcon.testing, goldenrecord\n"
             "config = goldenrecord.load_config(env={}, overrides={'database.path': sys.argv[1]})\n"
             "client = falcon.testing.TestClient(goldenrecord.create_app(config))\n"
             "print(client.simulate_get('/healthz').status_code,\n"
             "      client.simulate_get('/api/v1/roles').status_code)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "app.db")],
                            capture_output=True, text=True, env=clean_env(), timeout=60)
    assert result.stdout.split() == ["200", "401"], result.stderr
