"""GET /api/v1/events: the outbox as a feed in commit order (store/feed.py, restapi/events.py).

The events are those webhooks deliver; a cursor resumes a walk without skipping or
repeating, also while others write; retention prunes them and an older cursor is 410; the
read scopes and organization scope of webhooks decide what a key reads; and a consumer
rebuilds organizations, users and memberships exactly from the feed alone.
"""
import json
import random
import threading

import falcon.testing

import apps
import goldenrecord
from support import Receiver, assert_envelope, race

V1 = "/api/v1"
FEED = f"{V1}/events"


def walk(client, headers, after=None, limit=100, **params):
    """Every event after `after`, page by page; returns (events, the last cursor)."""
    events = []
    while True:
        query = {"limit": limit, **params, **({"after": after} if after else {})}
        result = client.simulate_get(FEED, params=query, headers=headers)
        events += assert_envelope(result, 200)
        after = result.json["meta"]["nextCursor"]
        assert after
        if not result.json["meta"]["hasMore"]:
            return events, after


def test_the_feed_serves_what_webhooks_deliver_in_commit_order(client, admin, make, store):
    org = make.org(verified=False)
    user = make.user()
    membership = make.membership(org, user)
    client.simulate_put(f"{V1}/organizations/{org['id']}", json={"name": "Renamed"}, headers=admin)
    events, _ = walk(client, admin, limit=2)
    assert [e["event"] for e in events] == ["organization.created", "user.created",
                                            "membership.created", "organization.updated"]
    assert events[0]["data"]["id"] == org["id"] and events[3]["data"]["name"] == "Renamed"
    assert events[2]["data"]["id"] == membership["id"]
    # the very payload a webhook delivery of the same event sends
    stored = dict(store.db.execute_sql("SELECT id, payload FROM event").fetchall())
    assert [json.loads(stored[e["id"]]) for e in events] == events


def test_a_cursor_resumes_after_the_last_event_seen(client, admin, make):
    make.org()
    first, cursor = walk(client, admin)
    assert walk(client, admin, after=cursor)[0] == []  # nothing new: nothing, same place
    later = make.user()
    more, cursor2 = walk(client, admin, after=cursor)
    assert [e["data"]["id"] for e in more] == [later["id"]]
    assert walk(client, admin, after=cursor2)[0] == []


def test_a_tampered_cursor_is_400(client, admin, make):
    make.org()
    _, cursor = walk(client, admin)
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    assert_envelope(client.simulate_get(FEED, params={"after": tampered}, headers=admin), 400,
                    "GR_VALIDATION_ERROR", "cursor")


def test_filters_by_type_organization_and_time(client, admin, make, clock):
    one, two = make.org(verified=False), make.org(verified=False)
    clock.advance(hours=1)
    make.membership(one, make.user())
    events, _ = walk(client, admin, types="organization.created")
    assert [e["data"]["id"] for e in events] == [one["id"], two["id"]]
    events, _ = walk(client, admin, organizationId=two["id"])
    assert [e["event"] for e in events] == ["organization.created"]
    events, _ = walk(client, admin, rangeStart="2026-01-15T11:00:00Z")
    assert [e["event"] for e in events] == ["user.created", "membership.created"]
    events, _ = walk(client, admin, rangeEnd="2026-01-15T11:00:00Z")
    assert len(events) == 2
    assert_envelope(client.simulate_get(FEED, params={"types": "organization.exploded"},
                                        headers=admin), 400, "GR_VALIDATION_ERROR", "types")


def test_a_key_reads_only_the_event_types_its_read_scopes_cover(client, keys, make):
    make.membership(make.org(), make.user())
    orgs_only = keys.headers("events:read", "organizations:read")
    events, _ = walk(client, orgs_only)
    assert {e["event"] for e in events} == {"organization.created", "organization.updated"}
    assert_envelope(client.simulate_get(FEED, params={"types": "user.created"}, headers=orgs_only),
                    403, "GR_FORBIDDEN", "types")
    # events:read alone covers no records: an empty feed, never another scope's data
    assert walk(client, keys.headers("events:read"))[0] == []
    assert_envelope(client.simulate_get(FEED, headers=keys.headers("organizations:read")), 403,
                    "GR_FORBIDDEN")


def test_an_organization_scoped_key_reads_only_its_organization(client, keys, make):
    mine, theirs = make.org(verified=False), make.org(verified=False)
    make.membership(theirs, make.user())
    scoped = keys.headers("events:read", "organizations:read", "users:read", org=mine["id"])
    events, _ = walk(client, scoped)
    assert [(e["event"], e["data"]["id"]) for e in events] == [("organization.created", mine["id"])]
    assert_envelope(client.simulate_get(FEED, params={"organizationId": theirs["id"]},
                                        headers=scoped), 403, "GR_ORG_SCOPE_VIOLATION")


def test_events_are_kept_after_delivery_and_pruned_after_the_retention(tmp_path, clock):
    """Delivered events stay in the feed for events.retention_days; then the first write
    past the hour prunes them, and a cursor from before them is 410."""
    config = apps.config_for(tmp_path / "kept.db", **{"webhooks.allow_private_targets": True,
                                                      "events.retention_days": 30})
    service = goldenrecord.GoldenRecord(config, clock=clock)  # not started: stepped by hand
    receiver = Receiver()
    try:
        client = falcon.testing.TestClient(service.app)
        _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
        admin = {"Authorization": f"Bearer {key}"}
        assert_envelope(client.simulate_post(f"{V1}/webhooks", headers=admin, json={
            "name": "r", "url": receiver.url, "events": ["*"]}), 201)
        _, before_all = walk(client, admin)  # a consumer that has seen nothing yet
        org = assert_envelope(client.simulate_post(f"{V1}/organizations", headers=admin, json={
            "name": "Kept", "slug": "kept"}), 201)
        assert [o["status"] for o in service.webhooks.deliver_due()] == ["succeeded"]
        events, cursor = walk(client, admin)
        assert [e["data"]["id"] for e in events] == [org["id"]]  # delivered, still there
        clock.advance(days=29)
        client.simulate_post(f"{V1}/users", headers=admin, json={"email": "a@example.com"})
        assert len(walk(client, admin)[0]) == 2  # not yet 30 days old
        clock.advance(days=2)
        newer = assert_envelope(client.simulate_post(f"{V1}/users", headers=admin, json={
            "email": "b@example.com"}), 201)
        assert [e["data"]["email"] for e in walk(client, admin)[0]] == ["a@example.com",
                                                                      newer["email"]]
        # the organization's event went unseen from `before_all`: expired; from `cursor`
        # (just after it) nothing was missed
        assert_envelope(client.simulate_get(FEED, params={"after": before_all}, headers=admin),
                        410, "GR_EVENTS_CURSOR_EXPIRED")
        assert len(walk(client, admin, after=cursor)[0]) == 2
    finally:
        receiver.close()
        service.close()


def test_a_cursor_at_the_newest_pruned_event_is_not_expired(client, admin, make, store, clock):
    """Pruning removes events, not a consumer's place: one that had read everything
    pruned has missed nothing."""
    make.org()
    _, cursor = walk(client, admin)
    clock.advance(days=31)
    store.feed.prune(clock())
    assert assert_envelope(client.simulate_get(FEED, params={"after": cursor}, headers=admin),
                           200) == []


def test_a_walk_while_writers_commit_neither_skips_nor_repeats(app, store, keys):
    """Four writers create organizations through the API while a consumer walks the feed
    to its end again and again; once they stop, what it saw is every event exactly once,
    in the order their transactions committed (event numbers strictly increasing)."""
    admin = keys.headers("*:*")
    done = threading.Event()
    seen = []

    def write(i):
        client = falcon.testing.TestClient(app)
        for n in range(40):
            assert_envelope(client.simulate_post(f"{V1}/organizations", headers=admin, json={
                "name": f"W{i}-{n}", "slug": f"w{i}-{n}"}), 201)
        return True

    def read():
        client = falcon.testing.TestClient(app)
        after = None
        while True:
            finished = done.is_set()
            events, after = walk(client, admin, after=after, limit=7)
            seen.extend(events)
            if finished:
                return

    reader = threading.Thread(target=read)
    reader.start()
    race(4, write)
    done.set()
    reader.join(60)
    assert not reader.is_alive()
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids)) == 160
    numbers = dict(store.db.execute_sql("SELECT id, seq FROM event").fetchall())
    assert [numbers[i] for i in ids] == sorted(numbers.values())


def test_a_consumer_rebuilds_every_record_from_the_feed(client, admin, make):
    """1,000 random changes through the API; a consumer that applies the feed's events
    to empty tables ends with exactly what the API lists."""
    rng = random.Random(20)
    orgs, users, memberships = {}, {}, {}
    for step in range(1000):
        choice = rng.random()
        if choice < 0.2 or not orgs:
            org = make.org(verified=False)
            orgs[org["id"]] = org
        elif choice < 0.4 or not users:
            user = make.user()
            users[user["id"]] = user
        elif choice < 0.55:
            org_id, user_id = rng.choice(list(orgs)), rng.choice(list(users))
            result = client.simulate_post(f"{V1}/memberships", headers=admin, json={
                "organizationId": org_id, "userId": user_id})
            if result.status_code == 201:
                memberships[result.json["data"]["id"]] = result.json["data"]
        elif choice < 0.7:
            client.simulate_put(f"{V1}/organizations/{rng.choice(list(orgs))}", headers=admin,
                                json={"name": f"Renamed {step}", "metadata": {"step": step}})
        elif choice < 0.8:
            client.simulate_put(f"{V1}/users/{rng.choice(list(users))}", headers=admin,
                                json={"firstName": f"F{step}"})
        elif choice < 0.87 and memberships:
            membership = rng.choice(list(memberships))
            client.simulate_put(f"{V1}/memberships/{membership}", headers=admin,
                                json={"isOwner": rng.random() < 0.5})
        elif choice < 0.92 and memberships:
            membership = memberships.pop(rng.choice(list(memberships)))
            client.simulate_delete(f"{V1}/memberships/{membership['id']}", headers=admin)
        elif choice < 0.96 and len(users) > 1:
            user_id = rng.choice(list(users))
            del users[user_id]
            client.simulate_delete(f"{V1}/users/{user_id}", headers=admin)
            memberships = {k: m for k, m in memberships.items() if m["userId"] != user_id}
        elif len(orgs) > 1:
            org_id = rng.choice(list(orgs))
            del orgs[org_id]
            client.simulate_delete(f"{V1}/organizations/{org_id}", headers=admin)
            memberships = {k: m for k, m in memberships.items() if m["organizationId"] != org_id}

    rebuilt = {"organization": {}, "user": {}, "membership": {}}
    for event in walk(client, admin, limit=1000)[0]:
        kind, change = event["event"].split(".")
        table = rebuilt[kind]
        if change == "deleted":
            del table[event["data"]["id"]]
        else:
            table[event["data"]["id"]] = event["data"]

    def listed(path, **params):
        items, cursor = [], None
        while True:
            query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
            result = client.simulate_get(f"{V1}/{path}", params=query, headers=admin)
            items += assert_envelope(result, 200)
            cursor = result.json["meta"]["nextCursor"]
            if cursor is None:
                return {item["id"]: item for item in items}

    assert rebuilt["organization"] == listed("organizations", includeStaging="true")
    assert rebuilt["user"] == listed("users")
    membership_fields = ("id", "organizationId", "userId", "roleId", "roleSource", "isOwner",
                         "status", "createdAt", "updatedAt")
    assert rebuilt["membership"] == {
        key: {field: value[field] for field in membership_fields}
        for key, value in listed("memberships").items()}
    assert len(rebuilt["organization"]) > 50 and len(rebuilt["membership"]) > 20
