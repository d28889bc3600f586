"""SCIM list filters cost the same however many members the organization has (issue 23):
`userName eq`, `externalId eq`, `emails[type eq "work"].value eq`, `emails.value eq`, `id
eq` and their `and`/`or` combinations are looked up by index (store/provisioning.py
`candidates`), never answered by reading every member.

Cost is SQLite's own: the virtual machine steps the request's statements take (a
progress handler), and how many statements run. Reading every member grows both with the
organization; a lookup does not.
"""
import contextlib

import pytest

from scim_support import idp, org  # noqa: F401  (fixtures)
from scim_support import SCIM, USER
from support import traced_statements

STEP = 1  # VM instructions per progress callback (each statement counts afresh)


@contextlib.contextmanager
def vm_steps(store):
    """How many STEP-instruction slices SQLite runs on this thread's connection inside."""
    counted = [0]
    connection = store.db.connection()

    def tick():
        counted[0] += 1
        return 0  # go on

    connection.set_progress_handler(tick, STEP)
    try:
        yield counted
    finally:
        connection.set_progress_handler(None, STEP)


def _provision(client, idp, count, start=0):
    for i in range(start, start + count):
        result = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
            "schemas": [USER], "userName": f"E-{i:04d}", "externalId": f"x-{i}",
            "emails": [{"value": f"p{i}@acme.example", "type": "work", "primary": True},
                       {"value": f"p{i}@home.example", "type": "home"}]})
        assert result.status_code == 201, result.text
        yield result.json["id"]


FILTERS = {
    "userName": ('userName eq "e-0003"', {3}),
    "externalId": ('externalId eq "x-4"', {4}),
    "work email": ('emails[type eq "work"].value eq "P5@acme.example"', {5}),
    "home email": ('emails.value eq "p6@home.example"', {6}),
    "id": ('id eq "{id7}"', {7}),
    "or": ('userName eq "E-0001" or emails[type eq "work"].value eq "p2@acme.example"', {1, 2}),
    "and": ('active eq true and externalId eq "x-8"', {8}),
    "and, other side": ('externalId eq "x-8" and displayName pr', {8}),
    "nothing": ('userName eq "nobody"', set()),
    "and, no match": ('userName eq "E-0003" and externalId eq "x-4"', set()),
}


def _measure(client, store, idp, text):
    with traced_statements(store) as statements, vm_steps(store) as steps:
        result = client.simulate_get(f"{SCIM}/Users", headers=idp, params={"filter": text})
    assert result.status_code == 200, result.text
    return result.json, len(statements), steps[0]


@pytest.mark.sqlite_only  # counts SQLite's VM steps (its progress handler); PostgreSQL has none
def test_indexed_filters_cost_the_same_with_ten_or_four_hundred_members(client, store, idp):
    ids = list(_provision(client, idp, 10))

    def run():
        # first a request that reloads what the change before left stale (key caches)
        client.simulate_get(f"{SCIM}/Users", headers=idp, params={"count": 0})
        costs = {}
        for name, (text, wanted) in FILTERS.items():
            found, statements, steps = _measure(client, store, idp,
                                                text.replace("{id7}", ids[7]))
            assert {ids.index(r["id"]) for r in found["Resources"]} == wanted, name
            assert found["totalResults"] == len(wanted)
            costs[name] = (statements, steps)
        return costs

    small = run()
    organization_id = _org_of(store, ids[0])
    for i in range(10, 400):  # SCIM users, as the first ten (their userNames, emails)
        store.provisioning.provision(
            organization_id, user_name=f"E-{i:04d}", email=f"p{i}@acme.example",
            emails=[{"value": f"p{i}@acme.example", "type": "work", "primary": True},
                    {"value": f"p{i}@home.example", "type": "home"}], external_id=f"x-{i}")
    large = run()
    for name in FILTERS:
        (s_small, v_small), (s_large, v_large) = small[name], large[name]
        assert s_large == s_small, (name, small[name], large[name])
        # B-tree depth may add a little; reading 40x the members would add ~40x
        assert v_large <= 1.5 * v_small + 10, (name, small[name], large[name])


def _org_of(store, user_id):
    from goldenrecord.store.models import Membership
    return Membership.get(Membership.user == user_id).organization_id


def test_a_filter_no_index_helps_still_answers_right(client, store, idp):
    ids = list(_provision(client, idp, 3))
    found = client.simulate_get(f"{SCIM}/Users", headers=idp,
                                params={"filter": 'displayName pr and not (userName eq "E-0001")'})
    assert {r["id"] for r in found.json["Resources"]} == {ids[0], ids[2]}


@pytest.mark.parametrize("text", ['userName eq "E-0001" or displayName pr',
                                  'not (userName eq "E-0001")'])
def test_an_or_with_an_unindexed_side_reads_the_members_and_is_still_right(
        client, store, idp, text):
    ids = list(_provision(client, idp, 2))
    found = client.simulate_get(f"{SCIM}/Users", headers=idp, params={"filter": text})
    expected = set(ids) if "or" in text else {ids[0]}
    assert {r["id"] for r in found.json["Resources"]} == expected
