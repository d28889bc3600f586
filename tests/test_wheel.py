"""Installed from a wheel, Golden Record adds one top-level import name, `goldenrecord`,
and a host project's own `store` and `search` packages stay the host's."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import falcon
import itsdangerous
import peewee
import prometheus_client
import pytest
import requests
import waitress

pytestmark = pytest.mark.slow  # builds a wheel, installs it and runs it in child processes

ROOT = Path(__file__).resolve().parent.parent

HOST_CHECK = """
import goldenrecord, search, store
from goldenrecord.store import Store
assert store.OWNER == "host" and search.OWNER == "host", (store, search)
assert goldenrecord.__file__.startswith({site!r}), goldenrecord.__file__
assert Store.__module__ == "goldenrecord.store"
import falcon.testing
config = goldenrecord.load_config(env={{}}, overrides={{"database.path": {db!r}}})
app = goldenrecord.create_app(config)
result = falcon.testing.TestClient(app).simulate_get("/healthz")
assert result.status_code == 200, result.text
print("ok")
"""


def _site_of(module):
    """The folder a dependency is installed in (its site-packages)."""
    return str(Path(module.__file__).resolve().parent.parent)


def test_a_wheel_installs_one_name_and_leaves_the_hosts_store_and_search_alone(tmp_path):
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", "tests", "benchmarks", "*.db*"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
         "--quiet", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=180)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("goldenrecord-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:  # a pure-Python wheel installs by unpacking
        archive.extractall(site)
        names = {name.split("/")[0] for name in archive.namelist()}
    assert {n for n in names if not n.endswith(".dist-info")} == {"goldenrecord.py", "goldenrecord"}
    assert (site / "goldenrecord" / "admin_ui" / "static" / "index.html").exists()
    assert (site / "goldenrecord" / "restapi" / "docs.html").exists()

    host = tmp_path / "host"
    for package in ("store", "search"):
        (host / package).mkdir(parents=True)
        (host / package / "__init__.py").write_text('OWNER = "host"\n')
    # -S: no site-packages processing, so nothing of the checkout (an editable install's
    # .pth) is on the path; only the host, the unpacked wheel and the dependencies are.
    dependencies = dict.fromkeys(_site_of(m) for m in (falcon, waitress, peewee, itsdangerous,
                                                       requests, prometheus_client))
    path = os.pathsep.join([str(host), str(site), *dependencies])
    check = HOST_CHECK.format(site=str(site), db=str(tmp_path / "gr.db"))
    result = subprocess.run([sys.executable, "-S", "-c", check], cwd=host, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": path})
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
