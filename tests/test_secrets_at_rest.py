"""The database holds the secrets that sign dashboard sessions: its files, and backups of
it, are readable by their owner only, and start-up warns about files others can open."""
import logging
import os
import sqlite3
import stat

import falcon.testing
import pytest

import goldenrecord
from conftest import UNLIMITED
from goldenrecord.embedding import template
from support import assert_envelope

WARNING = "goldenrecord.store"


@pytest.fixture
def usual_umask():
    """The common umask 022, under which files are created readable by everyone unless
    their creator asks otherwise (restored afterwards)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def _config(path):
    return goldenrecord.load_config(env={}, overrides={"database.path": str(path), **UNLIMITED})


def _write_through_the_api(path):
    """Start an instance on `path`, change something over HTTP (so the WAL and its index
    exist), and return the instance, still open."""
    service = goldenrecord.GoldenRecord(_config(path))
    _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
    client = falcon.testing.TestClient(service.app)
    created = client.simulate_post("/api/v1/organizations", json={"name": "Acme", "slug": "acme"},
                                   headers={"Authorization": f"Bearer {key}"})
    assert_envelope(created, 201)
    return service


def test_database_wal_and_shm_are_created_owner_only(tmp_path, usual_umask):
    db = tmp_path / "gr.db"
    service = _write_through_the_api(db)
    try:
        files = [db, tmp_path / "gr.db-wal", tmp_path / "gr.db-shm"]
        assert {str(path): _mode(path) for path in files} == {str(path): "0o600" for path in files}
    finally:
        service.close()


def test_backup_is_created_owner_only(tmp_path, usual_umask):
    db, copy = tmp_path / "gr.db", tmp_path / "copy.db"
    _write_through_the_api(db).close()
    assert goldenrecord.main(["backup", "--db", str(db), str(copy)]) == 0
    assert _mode(copy) == "0o600"


def test_a_template_copy_is_owner_only(tmp_path, usual_umask):
    template.build_template()
    assert template.copy_template(tmp_path / "copy.db")
    assert _mode(tmp_path / "copy.db") == "0o600"


def test_start_up_warns_once_about_files_others_can_read(tmp_path, caplog):
    db = tmp_path / "gr.db"
    _write_through_the_api(db).close()
    # another process's connection keeps the -wal and -shm in place, as a running server would
    holder = sqlite3.connect(db)
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
    os.chmod(db, 0o644)
    os.chmod(tmp_path / "gr.db-shm", 0o640)
    with caplog.at_level(logging.WARNING, logger=WARNING):
        goldenrecord.GoldenRecord(_config(db)).close()
    holder.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == WARNING]
    assert len(warnings) == 1, warnings
    # (SQLite may make the -wal anew on opening, with the database file's mode)
    named, command = warnings[0].split(": open to other users")
    assert {str(db), f"{db}-shm"} <= set(named.split(", "))
    assert command.endswith(" ".join(named.split(", ")))


def test_no_warning_for_owner_only_files(tmp_path, caplog):
    db = tmp_path / "gr.db"
    _write_through_the_api(db).close()
    with caplog.at_level(logging.WARNING, logger=WARNING):
        goldenrecord.GoldenRecord(_config(db)).close()
    assert [r for r in caplog.records if r.name == WARNING] == []
