"""Group commit of creates (store/grouped.py): organizations created by concurrent callers
share one write transaction, and each caller still gets what it would have got alone —
its row or its own refusal, its own audit entry, an answer only once written.

Groups are made deterministic by holding the write lock in the test while the creators
queue: the first one in leads (and waits for the lock), the others queue behind it and
are written together by the next leader.
"""
import threading

import pytest

from goldenrecord.store import Conflict, Unavailable
from goldenrecord.store.audit.context import Actor, acting
from goldenrecord.store.db import write_transaction
from support import wait_until


def _queued_creates(store, slugs):
    """Create an organization per slug, each on a thread of its own as the API key
    `key-<i>`, while the test holds the write lock until all of them wait; returns
    per slug the organization or the error raised, in order."""
    group = store.organizations._group
    outcomes = [None] * len(slugs)

    def create(i, slug):
        with acting(Actor("api_key", f"key-{i}", f"Key {i}"), request_id=f"req-{i}"):
            try:
                outcomes[i] = store.organizations.create(name=f"Grouped {slug}", slug=slug)
            except Exception as error:  # noqa: BLE001 - the test looks at it
                outcomes[i] = error

    threads = [threading.Thread(target=create, args=(i, slug)) for i, slug in enumerate(slugs)]
    with write_transaction():
        threads[0].start()
        # the first leads: it has taken its group (itself) and waits for the lock held here
        wait_until(lambda: group._leading and not group._queue)
        for thread in threads[1:]:
            thread.start()
        wait_until(lambda: len(group._queue) == len(slugs) - 1)
    for thread in threads:
        thread.join(30)
    return outcomes


def _actor_of(store, org_id):
    return store.db.execute_sql(
        "SELECT actor_id, request_id, action FROM audit_entry WHERE target_id = ?",
        (org_id,)).fetchall()


def test_queued_creates_share_one_transaction_each_audited_as_its_caller(store):
    before = store.organizations._group.groups
    slugs = [f"grouped-{i}" for i in range(6)]
    outcomes = _queued_creates(store, slugs)
    assert [org.slug for org in outcomes] == slugs
    assert store.organizations._group.groups - before == 2  # the leader alone, then the rest
    for i, org in enumerate(outcomes):
        assert _actor_of(store, org.id) == [(f"key-{i}", f"req-{i}", "organization.created")]
    events = store.db.execute_sql(
        "SELECT payload FROM event WHERE type = 'organization.created' ORDER BY seq").fetchall()
    assert len(events) == len(slugs)
    assert store.audit.verify()[0] is None  # the chain holds across the group's entries


def test_a_refused_create_fails_alone_in_its_group(store):
    store.organizations.create(name="Taken", slug="taken")
    slugs = ["lead", "ok-1", "taken", "twice", "twice", "ok-2"]
    outcomes = _queued_creates(store, slugs)
    for i in (0, 1, 3, 5):
        assert outcomes[i].slug == slugs[i]
        assert _actor_of(store, outcomes[i].id)[0][0] == f"key-{i}"
    for i in (2, 4):  # taken before, and taken by an earlier create of the same group
        assert isinstance(outcomes[i], Conflict) and outcomes[i].field == "slug"
    slugs_stored = {row[0] for row in store.db.execute_sql("SELECT slug FROM organization")}
    assert {"lead", "ok-1", "twice", "ok-2", "taken"} <= slugs_stored


def test_a_group_that_fails_is_written_one_by_one(store, monkeypatch):
    """Anything else going wrong in a group writes nothing; each caller then writes alone
    and gets what its own transaction gives."""
    real = store.organizations._write_new
    failed = []

    def fails_for_groups(fields):
        if len(fields) > 1:
            failed.append(len(fields))
            raise RuntimeError("a group's write failed")
        return real(fields)

    monkeypatch.setattr(store.organizations, "_write_new", fails_for_groups)
    slugs = [f"alone-{i}" for i in range(5)]
    outcomes = _queued_creates(store, slugs)
    assert failed == [4]
    assert [org.slug for org in outcomes] == slugs
    for i, org in enumerate(outcomes):
        assert _actor_of(store, org.id)[0][:2] == (f"key-{i}", f"req-{i}")


def test_a_caller_inside_a_transaction_writes_there(store):
    """An Idempotency-Key claim holds a write transaction: the create is written in it,
    and goes when it rolls back."""
    group = store.organizations._group
    before = group.groups
    with pytest.raises(RuntimeError):
        with write_transaction():
            store.organizations.create(name="Inside", slug="inside")
            raise RuntimeError("roll back")
    assert group.groups == before
    assert store.db.execute_sql(
        "SELECT count(*) FROM organization WHERE slug = 'inside'").fetchone()[0] == 0


def test_a_group_the_storage_cannot_take_tells_each_caller_so(store, monkeypatch):
    """A storage fault (the write lock out of reach, a full disk) is every caller's answer,
    each its own Unavailable, without each waiting for the storage again alone."""
    real = store.organizations._write_new
    tried = []

    def storage_fails_for_groups(fields):
        tried.append(len(fields))
        if len(fields) > 1:
            raise Unavailable(cause="disk full")
        return real(fields)

    monkeypatch.setattr(store.organizations, "_write_new", storage_fails_for_groups)
    slugs = [f"faulted-{i}" for i in range(4)]
    outcomes = _queued_creates(store, slugs)
    assert tried == [1, 3]  # the leader alone, then the group that failed: no retries
    assert outcomes[0].slug == "faulted-0"
    refused = outcomes[1:]
    assert all(isinstance(error, Unavailable) for error in refused)
    assert len({id(error) for error in refused}) == 3
    assert store.db.execute_sql(
        "SELECT count(*) FROM organization WHERE slug LIKE 'faulted-%'").fetchone()[0] == 1
