"""Maintenance while serving (issue 16): `search reindex` works in short write transactions
that API writes get in between, and still leaves what a rebuild from scratch makes."""
import itertools
import threading
import time

import pytest

import support
from goldenrecord import search
from support import assert_envelope, index_state, orphan_terms

ORGS, USERS = "/api/v1/organizations", "/api/v1/users"


def rebuilt_from_scratch(store):
    return support.rebuilt_from_scratch(store.db, store.engine.write_transaction)


def leftovers(db):
    return db.execute_sql("SELECT name FROM sqlite_master WHERE name LIKE '%reindex%'").fetchall()


def break_the_index(db):
    """What a hand edit or a bug might leave: lost variant rows, a term no document holds
    with variants that belong to no term or to no such id, a full-text entry for a row that is not there."""
    db.execute_sql("DELETE FROM search_variant WHERE term_id IN "
                   "(SELECT id FROM search_term WHERE term >= 'g' AND term < 'i')")
    db.execute_sql("INSERT INTO search_term (term) VALUES ('phantasm')")
    db.execute_sql("INSERT INTO search_variant SELECT 'phntasm', id FROM search_term "
                   "WHERE term = 'phantasm' UNION ALL SELECT 'zzz', id FROM search_term "
                   "WHERE term = 'acme' UNION ALL SELECT 'acme', max(id) + 1000 FROM search_term")
    db.execute_sql("INSERT INTO organization_fts (rowid, name, slug, domain) "
                   "VALUES (99999, 'Ghostly Phantom', 'ghostly', NULL)")


class Writes:
    """API writes of every kind, against records before, inside and after the part a
    reindex has reached: creates, renames and deletes of organizations and users. Called
    as a reindex's pause, it writes at every one of the first `every_pause_until` pauses
    (the documents' phases), then at every `later`-th (the sweeps' thousands of steps)."""

    def __init__(self, client, headers, orgs, users, every_pause_until=60, later=25):
        self.client, self.headers = client, headers
        self.orgs, self.users = list(orgs), list(users)
        self.every_pause_until, self.later = every_pause_until, later
        self.pauses = itertools.count()
        self.statuses = []
        self.kinds = itertools.cycle(["create org", "rename first org", "create user",
                                      "rename last org", "delete org", "rename user",
                                      "delete user", "rename middle org"])
        self.count = itertools.count()

    def __call__(self, seconds=None):
        pause = next(self.pauses)
        if pause >= self.every_pause_until and pause % self.later:
            return
        kind, n = next(self.kinds), next(self.count)
        send = {"create org": lambda: self.client.simulate_post(
                    ORGS, json={"name": f"Quixotic Ventures{n}", "slug": f"quixotic-{n}"},
                    headers=self.headers),
                "rename first org": lambda: self._put(ORGS, self.orgs[0], {"name": "Renamed Zephyr"}),
                "rename last org": lambda: self._put(ORGS, self.orgs[-1], {"name": f"Latecomer Holdings{n}"}),
                "rename middle org": lambda: self._put(ORGS, self.orgs[len(self.orgs) // 2],
                                                       {"domain": f"middling{n}.example"}),
                "delete org": lambda: self.client.simulate_delete(f"{ORGS}/{self.orgs.pop(2)}",
                                                                  headers=self.headers),
                "create user": lambda: self.client.simulate_post(
                    USERS, json={"email": f"newcomer{n}@example.com", "firstName": "Newcomer"},
                    headers=self.headers),
                "rename user": lambda: self._put(USERS, self.users[-1], {"lastName": f"Wanderer{n}"}),
                "delete user": lambda: self.client.simulate_delete(f"{USERS}/{self.users.pop(0)}",
                                                                   headers=self.headers)}[kind]
        result = send()
        self.statuses.append(result.status_code)
        if kind.startswith("create"):
            (self.orgs if kind == "create org" else self.users).append(result.json["data"]["id"])

    def _put(self, path, id, body):
        return self.client.simulate_put(f"{path}/{id}", json=body, headers=self.headers)


@pytest.fixture
def records(make):
    names = ["Acme Corporation", "Globexian Industries", "Initech Systems", "Umbrella Holdings",
             "Societe Generale", "Hooli Labs", "Cyberdyne Systems", "Wayland Yutani",
             "Gringotts Banking", "Stark Industries", "Wonka Confectionery", "Tyrell Partners",
             # folded other than FTS5 indexes them (search/forms.py)
             "Łódź Ørsted", "Ｆｕｌｌｗｉｄｔｈ Æther ﬁrm"]
    orgs = [make.org(name=name, slug=f"org-{i}",
                     domain=f"{name.split()[0].lower()}.com" if name.isascii() else None)["id"]
            for i, name in enumerate(names)]
    users = [make.user(email=f"{first.lower()}@example.com", firstName=first, lastName="Straße")["id"]
             for first in ("Jane", "Robert", "Ximena", "Gareth", "Hannah", "Ingrid")]
    return orgs, users


@pytest.mark.sqlite_only
def test_a_reindex_with_writes_between_its_batches_leaves_what_a_rebuild_makes(
        client, admin, store, records):
    break_the_index(store.db)
    writes = Writes(client, admin, *records)
    # steps of two rows, one per transaction, and API writes in every pause between them
    search.reindex(store.db, store.engine.write_transaction, pause=writes, budget=0, rows=2)
    assert len(writes.statuses) > 40  # writes landed in every phase of the rebuild
    assert set(writes.statuses) <= {200, 201, 204}, writes.statuses
    reindexed = index_state(store.db)
    assert reindexed == rebuilt_from_scratch(store)
    assert leftovers(store.db) == [] and orphan_terms(store.db) == set()
    found = client.simulate_get(ORGS, params={"search": "zephir"}, headers=admin)  # a typo
    assert [o["name"] for o in assert_envelope(found, 200)] == ["Renamed Zephyr"]
    ghost = client.simulate_get(ORGS, params={"search": "ghostly"}, headers=admin)
    assert assert_envelope(ghost, 200) == []


@pytest.mark.sqlite_only
def test_a_reindex_cut_short_is_finished_by_the_next(client, admin, store, records):
    writes = Writes(client, admin, *records)
    pauses = itertools.count()

    def killed_midway(seconds):
        writes()
        if next(pauses) == 3:  # the organizations' new index is being filled
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search.reindex(store.db, store.engine.write_transaction, pause=killed_midway, budget=0,
                       rows=2)
    assert leftovers(store.db) != []
    for _ in range(8):  # the triggers left behind keep nothing from being written
        writes()
    search.reindex(store.db, store.engine.write_transaction, pause=writes, budget=0, rows=3)
    assert set(writes.statuses) <= {200, 201, 204}, writes.statuses
    assert leftovers(store.db) == []
    assert index_state(store.db) == rebuilt_from_scratch(store)


@pytest.mark.sqlite_only
def test_api_writes_go_on_while_the_reindex_command_runs(client, admin, store, records):
    """The store's reindex as `goldenrecord search reindex` runs it, on a thread of its own
    (its own SQLite connection), with the real pauses: writes are answered meanwhile."""
    for i in range(150):
        store.organizations.create(name=f"Bulkfill Enterprises {i}", slug=f"bulk-{i}")
    progress, failure = [], []

    def reindex():
        try:
            store.reindex_search(progress=lambda done, total: progress.append(
                (time.monotonic(), done, total)))
        except BaseException as error:  # re-raised below, on the test's thread
            failure.append(error)

    worker = threading.Thread(target=reindex)
    worker.start()
    answered = []
    n = 0
    while worker.is_alive():
        result = client.simulate_post(ORGS, json={"name": f"Concurrent Labs {n}", "slug": f"c-{n}"},
                                      headers=admin)
        answered.append((time.monotonic(), result.status_code))
        n += 1
    worker.join()
    assert failure == []
    assert {status for _, status in answered} == {201}
    first, last = progress[0][0], progress[-1][0]
    assert any(first < at < last for at, _ in answered)  # in between its transactions
    assert progress[-1][1] == progress[-1][2]  # done == total at the end
    assert index_state(store.db) == rebuilt_from_scratch(store)
