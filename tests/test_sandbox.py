"""The sandbox: `goldenrecord seed --demo` and `goldenrecord serve --ephemeral`."""
import os
import re
import sys

import pytest
import requests

import goldenrecord
from goldenrecord import store
from goldenrecord.embedding import demo, process
from process import ROOT, clean_env


def _seed(db):
    return goldenrecord.main(["seed", "--demo", "--db", str(db)])


def _contents(path):
    opened = store.Store(path)
    try:
        orgs = opened.organizations.list(limit=100, include_staging=True).items
        users = opened.users.list(limit=100).items
        memberships = opened.memberships.list(limit=100).items
        hooks = opened.webhooks.list(limit=100).items
        return {
            "organizations": [(o.id, o.slug, o.is_verified) for o in orgs],
            "users": [(u.id, u.email) for u in users],
            "memberships": sorted((m.organization.slug, m.user.email, m.role.id, m.is_owner)
                                  for m in memberships),
            "webhooks": [(h.id, h.url, h.is_active) for h in hooks],
        }
    finally:
        opened.close()


def test_seed_demo_writes_the_same_realistic_set_every_time(tmp_path):
    assert _seed(tmp_path / "a.db") == 0 and _seed(tmp_path / "b.db") == 0
    first, second = _contents(tmp_path / "a.db"), _contents(tmp_path / "b.db")
    assert first == second  # ids included
    verified = [slug for _, slug, is_verified in first["organizations"] if is_verified]
    staging = [slug for _, slug, is_verified in first["organizations"] if not is_verified]
    assert verified == ["acme-corp", "globex", "initech"] and len(staging) == 2
    assert len(first["users"]) == len(demo.USERS)
    roles = {(role, owner) for _, _, role, owner in first["memberships"]}
    assert roles == {("role_admin", True), ("role_member", False)}
    assert ("acme-corp", "jane.doe@acme.example.com", "role_admin", True) in first["memberships"]
    assert first["webhooks"] == [(first["webhooks"][0][0], "http://127.0.0.1:9999/webhooks", True)]


def test_seed_demo_twice_changes_nothing_and_refuses_other_data(tmp_path, capsys):
    db = tmp_path / "s.db"
    assert _seed(db) == 0
    before = _contents(db)
    assert _seed(db) == 0
    assert _contents(db) == before
    other = tmp_path / "other.db"
    opened = store.Store(other)
    opened.migrate()
    opened.organizations.create(name="Mine", slug="mine")
    opened.close()
    assert _seed(other) == 2
    assert "seed: the database holds 1 organizations and 0 users" in capsys.readouterr().err
    assert [o[1] for o in _contents(other)["organizations"]] == ["mine"]


@pytest.mark.slow  # a real `serve --ephemeral` process
def test_serve_ephemeral_demo_prints_a_key_serves_the_demo_and_removes_its_database():
    server = process.ServerProcess(
        [sys.executable, str(ROOT / "goldenrecord.py"), "serve", "--ephemeral", "--demo", "--port", "0"],
        env=clean_env())
    try:
        url = server.ready()
        key = re.search(r"gr_live_[A-Za-z0-9_-]{43}", server.stderr()).group(0)
        database = re.search(r"serving on \S+ from (?:new )?database (\S+)", server.stderr()).group(1)
        assert os.path.exists(database)
        listed = requests.get(url + "/api/v1/organizations", timeout=10,
                              headers={"Authorization": f"Bearer {key}"}).json()
        assert [o["slug"] for o in listed["data"]] == ["acme-corp", "globex", "initech"]
    finally:
        server.stop()
    assert server.proc.returncode == 0
    assert not os.path.exists(os.path.dirname(database))


def test_serve_ephemeral_refuses_a_database_path(capsys):
    assert goldenrecord.main(["serve", "--ephemeral", "--db", "x.db"]) == 2
    assert "--ephemeral" in capsys.readouterr().err
