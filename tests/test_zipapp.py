"""The one-file distribution: `goldenrecord zipapp` builds a .pyz that runs on bare Python."""
import subprocess
import sys
import zipfile

import pytest

import goldenrecord
from process import ServerProcess, clean_env, new_key

pytestmark = pytest.mark.slow  # builds the zipapp and serves from it in a child process

BARE = [sys.executable, "-I", "-S"]  # isolated, and no site: no site-packages at all


@pytest.fixture(scope="module")
def pyz(tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "goldenrecord.pyz"
    assert goldenrecord.main(["zipapp", "--output", str(path)]) == 0
    return path


def test_the_zipapp_serves_on_bare_python(pyz, tmp_path):
    server = ServerProcess(tmp_path / "zip.db", key=new_key(), command=[*BARE, str(pyz)])
    try:
        assert server.api("GET", "/api/v1/roles").status_code == 200
        created = server.api("POST", "/api/v1/organizations", json={"name": "Zip", "slug": "zip"})
        assert created.status_code == 201
        assert server.api("GET", "/api/v1/roles", headers={}).status_code == 401
    finally:
        server.stop()
    assert server.proc.returncode == 0


def test_everything_comes_from_the_zip_in_pure_python(pyz):
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import charset_normalizer.md, falcon, goldenrecord.restapi, peewee, requests, waitress\n"
        "mods = [m for n, m in sys.modules.items() if getattr(m, '__file__', None)\n"
        "        and n.split('.')[0] in ('falcon', 'charset_normalizer', 'peewee', 'requests',\n"
        "                                'urllib3', 'idna', 'certifi', 'waitress', 'goldenrecord')]\n"
        "print(len(mods), all(m.__file__.startswith(sys.argv[1]) for m in mods),\n"
        "      any(m.__file__.endswith('.so') for m in mods))\n")
    result = subprocess.run([*BARE, "-c", probe, str(pyz)], capture_output=True, text=True,
                            env=clean_env(), timeout=60)
    count, from_zip, compiled = result.stdout.split()
    assert int(count) > 50 and from_zip == "True" and compiled == "False", result.stderr


def test_the_zipapp_runs_the_command_line(pyz, tmp_path):
    result = subprocess.run([*BARE, str(pyz), "keys", "create", "--db", str(tmp_path / "k.db"),
                             "--name", "ci", "--scope", "users:read"],
                            capture_output=True, text=True, env=clean_env(), timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("gr_live_"), result.stderr


def test_the_zipapp_has_our_parts_under_one_name(pyz):
    names = zipfile.ZipFile(pyz).namelist()
    top = {name.split("/")[0] for name in names}
    assert {"goldenrecord.py", "goldenrecord", "__main__.py"} <= top
    assert not top & {"store", "search", "restapi", "webhook_delivery", "embedding", "tests"}
    assert {"goldenrecord/store/__init__.py", "goldenrecord/embedding/child.py"} <= set(names)
