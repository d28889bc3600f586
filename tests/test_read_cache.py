"""Organization reads served from memory: never staler than a statement would be.

`GET /organizations/:id` answers from memory while no organization has changed
(store/changes.py); these tests check that any change — through the API, by another
connection or process, in a transaction rolled back — is seen at once.
"""
import sqlite3
import subprocess
import sys
import threading

import pytest

from goldenrecord.store import OutOfScope, records, write_transaction
from goldenrecord.store.changes import ChangeCounters
from goldenrecord.store.sqlite.watch import CommitWatch
from goldenrecord.store.db import database
from support import assert_envelope, sqlite_locks_seen_from_another_process, traced_statements

ORGS = "/api/v1/organizations"


def _statements(store, action):
    with traced_statements(store) as statements:
        result = action()
    return result, statements


def _name(client, headers, org_id):
    return assert_envelope(client.simulate_get(f"{ORGS}/{org_id}", headers=headers), 200)["name"]


def _in_another_process(db_path, sql):
    """Run `sql` from a separate Python process, as the CLI or a second server would."""
    script = ("import sqlite3, sys\n"
              "c = sqlite3.connect(sys.argv[1])\n"
              "c.execute(sys.argv[2])\n"
              "c.commit()\n")
    subprocess.run([sys.executable, "-c", script, str(db_path), sql], check=True, timeout=30)


@pytest.mark.sqlite_only
def test_a_repeated_read_runs_no_statement(client, admin, make, store):
    org = make.org(name="Acme")
    assert _name(client, admin, org["id"]) == "Acme"
    result, statements = _statements(store, lambda: client.simulate_get(f"{ORGS}/{org['id']}",
                                                                        headers=admin))
    assert assert_envelope(result, 200) == assert_envelope(
        client.simulate_get(f"{ORGS}/{org['id']}", headers=admin), 200)
    assert statements == []


@pytest.mark.sqlite_only
def test_other_commits_cost_one_counter_read_not_the_row(client, admin, make, store):
    org = make.org(name="Acme")
    _name(client, admin, org["id"])
    make.user()  # a commit, but not to an organization
    _, statements = _statements(store, lambda: _name(client, admin, org["id"]))
    assert len(statements) == 1 and "search_generation" in statements[0]


@pytest.mark.sqlite_only
def test_creating_organizations_keeps_the_reads_of_the_others(client, admin, make, store):
    """A create changes no stored organization (migration m0028's counter stands still):
    reads during a flow of creates stay in memory."""
    org = make.org(name="Acme")
    _name(client, admin, org["id"])
    created = client.simulate_post(ORGS, json={"name": "Another", "slug": "another"},
                                   headers=admin)
    assert_envelope(created, 201)
    _, statements = _statements(store, lambda: _name(client, admin, org["id"]))
    assert len(statements) == 1 and "search_generation" in statements[0]


def test_a_create_does_not_hide_a_change_committed_with_it(client, admin, make, store):
    """One transaction that creates an organization and renames another: the rename is
    seen, whatever the create did to the counters."""
    org = make.org(name="Acme")
    _name(client, admin, org["id"])
    with write_transaction():
        store.organizations.create_many([{"name": "Created", "slug": "created"}])
        store.organizations.update(org["id"], {"name": "Renamed"})
    assert _name(client, admin, org["id"]) == "Renamed"


def test_changes_through_the_api_are_seen_at_once(client, admin, make):
    org = make.org(name="Acme")
    assert _name(client, admin, org["id"]) == "Acme"
    client.simulate_put(f"{ORGS}/{org['id']}", json={"name": "Acme Two"}, headers=admin)
    assert _name(client, admin, org["id"]) == "Acme Two"
    client.simulate_post(f"{ORGS}/{org['id']}/verify", json={"isVerified": False}, headers=admin)
    body = assert_envelope(client.simulate_get(f"{ORGS}/{org['id']}", headers=admin), 200)
    assert body["isVerified"] is False
    client.simulate_delete(f"{ORGS}/{org['id']}", headers=admin)
    assert_envelope(client.simulate_get(f"{ORGS}/{org['id']}", headers=admin), 404, "GR_ORG_NOT_FOUND")


def _change_elsewhere(store, how, sql):
    if how == "process":
        _in_another_process(store.path, sql)
    else:
        connection = sqlite3.connect(store.path)
        connection.execute(sql)
        connection.commit()
        connection.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("how", ["connection", "process"])
def test_a_change_made_elsewhere_is_seen_at_the_next_poll(client, admin, make, store, how):
    org, other = make.org(name="Acme"), make.org(name="Other")
    assert _name(client, admin, org["id"]) == "Acme"
    assert _name(client, admin, other["id"]) == "Other"
    _change_elsewhere(store, how, f"UPDATE organization SET name = 'Renamed' WHERE id = '{org['id']}'")
    store.changes.watch.poll()  # what the watch's thread does every POLL_SECONDS
    assert _name(client, admin, org["id"]) == "Renamed"
    _change_elsewhere(store, how, f"DELETE FROM organization WHERE id = '{other['id']}'")
    store.changes.watch.poll()
    assert_envelope(client.simulate_get(f"{ORGS}/{other['id']}", headers=admin), 404, "GR_ORG_NOT_FOUND")


@pytest.mark.sqlite_only
def test_the_watch_thread_sees_another_process_commit_within_its_bound(client, admin, make, store):
    """The thread polls on its own: no step by the test. A dead thread fails this."""
    org = make.org(name="Acme")
    assert _name(client, admin, org["id"]) == "Acme"
    _in_another_process(store.path, f"UPDATE organization SET name = 'Renamed' WHERE id = '{org['id']}'")
    changed = threading.Event()
    seen = []

    def look():
        seen.append(_name(client, admin, org["id"]))
        return seen[-1] == "Renamed"

    # a bounded wait on the real thread: 2 s is 100 polls; it is seen in one or two
    deadline = 200
    while deadline and not look():
        changed.wait(0.01)
        deadline -= 1
    assert seen[-1] == "Renamed", f"still {seen[-1]!r} after 2 s: the watch thread is not polling"


def test_a_rolled_back_change_is_never_served(client, admin, make, store):
    org = make.org(name="Acme")
    assert _name(client, admin, org["id"]) == "Acme"

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        with write_transaction():
            database.execute_sql("UPDATE organization SET name = 'Uncommitted' WHERE id = ?",
                                 (org["id"],))
            # read inside the transaction: its own change, kept out of the cache
            assert store.organizations.presented(org["id"], records.organization)["name"] == "Uncommitted"
            raise Abandon
    assert _name(client, admin, org["id"]) == "Acme"
    # and the cache holds nothing that a later commit could make look current
    client.simulate_put(f"{ORGS}/{org['id']}", json={"name": "Acme Two"}, headers=admin)
    assert _name(client, admin, org["id"]) == "Acme Two"


def test_scope_is_checked_on_every_cached_read(client, admin, make, keys):
    mine, theirs = make.org(name="Mine"), make.org(name="Theirs")
    assert _name(client, admin, theirs["id"]) == "Theirs"  # now cached
    confined = keys.headers("organizations:read", org=mine["id"])
    assert_envelope(client.simulate_get(f"{ORGS}/{theirs['id']}", headers=confined), 403, "GR_ORG_SCOPE_VIOLATION")
    assert _name(client, confined, mine["id"]) == "Mine"


def test_the_store_refuses_a_cached_read_out_of_scope(make, store):
    mine, theirs = make.org(), make.org()
    store.organizations.presented(theirs["id"], records.organization)
    with pytest.raises(OutOfScope):
        store.organizations.presented(theirs["id"], records.organization, org_scope=mine["id"])


def test_readers_racing_a_writer_end_on_the_last_write(make, store):
    org = make.org(name="v0")
    done = threading.Event()
    failures = []

    def read():
        try:
            while not done.is_set():
                store.organizations.presented(org["id"], records.organization)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for version in range(1, 40):
        store.organizations.update(org["id"], {"name": f"v{version}"})
        assert store.organizations.presented(org["id"], records.organization)["name"] == f"v{version}"
    done.set()
    for reader in readers:
        reader.join()
    assert failures == []
    assert store.organizations.presented(org["id"], records.organization)["name"] == "v39"


@pytest.mark.sqlite_only
def test_the_commit_watch_moves_on_every_commit_and_only_then(store):
    watch = CommitWatch(store.path, interval=3600)  # stepped by hand below
    assert watch.token() is None  # vouches for nothing until started
    watch.start()
    before = watch.token()
    assert before is not None
    store.ping()
    store.organizations.list(limit=5)
    watch.poll()
    assert watch.token() == before  # reads commit nothing
    _in_another_process(store.path, "CREATE TABLE scratch (x)")
    assert watch.token() == before  # another process's commit: seen at the next poll ...
    watch.poll()
    after_other = watch.token()
    assert after_other != before
    with write_transaction():  # ... this process's own: seen at once, with no poll
        database.execute_sql("INSERT INTO scratch VALUES (1)")
    assert watch.token() != after_other
    watch.close()
    assert watch.token() is None


@pytest.mark.sqlite_only
def test_watching_never_drops_the_locks_sqlite_holds_in_this_process(store):
    """Closing any descriptor of a file drops all of a process's POSIX locks on it; a watch
    that did so would let another process rebuild the WAL index under this one (the
    `SQLITE_PROTOCOL` a backup taken while serving once met), or checkpoint over a read."""
    reader = sqlite3.connect(store.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM organization").fetchone()  # holds a reader lock
    before = sqlite_locks_seen_from_another_process(store.path + "-shm")
    assert "128 taken" in before  # the lock that says "the index is in use here"
    assert any(f"{offset} taken" in before for offset in range(123, 128))
    watch = CommitWatch(store.path)
    watch.start()
    assert watch.watching and watch.token() is not None
    watch.close()
    assert sqlite_locks_seen_from_another_process(store.path + "-shm") == before
    reader.execute("COMMIT")
    reader.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("path", [":memory:", "file:x?mode=memory", "missing.db", None])
def test_an_unwatched_database_has_its_counters_read_every_time(store, path, tmp_path):
    """In memory (no second connection sees it), missing, or simply not started."""
    watch = CommitWatch(store.path if path is None else
                        path if ":" in path else str(tmp_path / path))
    if path is not None:
        watch.start()
    assert not watch.watching and watch.token() is None
    assert not (tmp_path / "missing.db").exists()  # watching never creates a database
    counters = ChangeCounters(database, watch)
    value = counters.current("organization")
    _, statements = _statements(store, lambda: counters.current("organization"))
    assert len(statements) == 1 and counters.current("organization") == value
    watch.close()


def test_an_answer_from_memory_is_the_answer_a_fresh_read_gives(client, admin, make):
    org = make.org(name="Zoë \u2603 \"quoted\"", metadata={"tier": 1, "tags": ["a", "b"]})
    fresh = client.simulate_put(f"{ORGS}/{org['id']}", json={}, headers=admin)  # encoded anew
    first = client.simulate_get(f"{ORGS}/{org['id']}", headers=admin)
    again = client.simulate_get(f"{ORGS}/{org['id']}", headers=admin)
    assert assert_envelope(first, 200) == assert_envelope(again, 200) == assert_envelope(fresh, 200)
    assert first.headers["Content-Type"] == fresh.headers["Content-Type"]
    # byte for byte the same envelope, but for the request id
    assert again.content.replace(again.json["requestId"].encode(), b"") == \
        fresh.content.replace(fresh.json["requestId"].encode(), b"")
