"""Webhook subscriptions and delivery, against real HTTP receivers on loopback.

Most tests step the sender (`deliver_due()`) on a FakeClock instead of sleeping: each
step's outcomes are asserted, so a sender that sends nothing fails rather than passes.
The `live_hub` tests keep the background threads, for what only they show.
"""
import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta

import falcon.testing
import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

import goldenrecord
from support import Receiver, assert_envelope

HOOKS = "/api/v1/webhooks"


def verify_webhook(raw_body: str, headers: dict, secret: str) -> bool:
    """The spec's own Python verification snippet, verbatim."""
    timestamp = headers.get('X-Webhook-Timestamp')
    signature = headers.get('X-Webhook-Signature')
    if not timestamp or not signature:
        return False
    # Check timestamp is within 5 minutes
    timestamp_age = int(time.time()) - int(timestamp)
    if timestamp_age > 300:
        return False
    # Compute expected signature
    signed_payload = f"{timestamp}.{raw_body}"
    expected_sig = 'sha256=' + hmac.new(
        secret.encode(),
        signed_payload.encode(),
        hashlib.sha256
    ).hexdigest()
    # Constant-time comparison
    return hmac.compare_digest(signature, expected_sig)


def _service(tmp_path, clock=goldenrecord.utc_now, **webhooks):
    settings = {"allow_private_targets": "true", "backoff_base_seconds": "0.1",
                "timeout_seconds": "2", "max_attempts": "3", **webhooks}
    overrides = {"database.path": str(tmp_path / "wh.db"),
                 **{f"webhooks.{k}": v for k, v in settings.items()},
                 **{f"rate_limits.{t}": 10**9 for t in ("free", "basic", "pro", "enterprise")}}
    # built, not started: no sender thread runs until start() (or `with`), so a test can
    # deliver what is due itself, with deliver_due()
    return goldenrecord.GoldenRecord(goldenrecord.load_config(env={}, overrides=overrides),
                                     clock=clock)


def _client(service):
    """A test client of `service` holding a full-access key's headers."""
    client = falcon.testing.TestClient(service.app)
    _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
    client.headers = {"Authorization": f"Bearer {key}"}
    return client


@pytest.fixture
def hub(tmp_path, clock):
    """A service whose sender the test steps (deliver_due()) on the fake clock."""
    service = _service(tmp_path, clock)
    yield service
    service.close()


@pytest.fixture
def live_hub(tmp_path):
    """A started service: its background sender runs, on the wall clock."""
    with _service(tmp_path) as service:
        yield service


@pytest.fixture
def api(hub):
    return _client(hub)


def _attempts(service, clock, count):
    """Step `count` attempts of the one delivery, moving the clock to each retry's time."""
    outcomes = []
    for _ in range(count):
        [outcome] = service.webhooks.deliver_due()
        outcomes.append(outcome)
        if outcome["next_attempt_at"] is not None:
            clock.now = outcome["next_attempt_at"]
    return outcomes


def _step(service):
    """Deliver what is due now; sorted (event, status, response code) of the attempts made."""
    return sorted((o["event"], o["status"], o["response_code"])
                  for o in service.webhooks.deliver_due())


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _subscribe(api, url, events=("*",), headers=None, **fields):
    result = api.simulate_post(HOOKS, json={"name": "hook", "url": url, "events": list(events), **fields},
                               headers=headers or api.headers)
    return assert_envelope(result, 201)


def _org(api, slug="acme", headers=None):
    result = api.simulate_post("/api/v1/organizations", json={"name": slug.title(), "slug": slug},
                               headers=headers or api.headers)
    return assert_envelope(result, 201)


def test_subscription_lifecycle(api, receiver):
    hook = _subscribe(api, receiver.url, ["organization.created", "user.created"])
    assert hook["secret"].startswith("whsec_") and hook["isActive"] is True
    assert set(hook) >= {"id", "name", "url", "events", "isActive", "createdAt", "updatedAt"}
    shown = assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}", headers=api.headers), 200)
    assert "secret" not in shown
    listed = assert_envelope(api.simulate_get(HOOKS, headers=api.headers), 200)
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    updated = api.simulate_put(f"{HOOKS}/{hook['id']}", json={"events": ["*"], "isActive": False},
                               headers=api.headers)
    assert assert_envelope(updated, 200)["events"] == ["*"]
    gone = api.simulate_delete(f"{HOOKS}/{hook['id']}", headers=api.headers)
    assert assert_envelope(gone, 200) == {"id": hook["id"], "deleted": True}
    assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}", headers=api.headers), 404, "GR_NOT_FOUND")


@pytest.mark.parametrize("body, field", [
    ({"name": "h", "url": "ftp://example.com/x", "events": ["*"]}, "url"),
    ({"name": "h", "url": "not a url", "events": ["*"]}, "url"),
    ({"name": "h", "url": "http://127.0.0.1:9/", "events": ["user.exploded"]}, "events"),
    ({"name": "h", "url": "http://127.0.0.1:9/", "events": []}, "events"),
    ({"name": "h", "url": "http://127.0.0.1:9/"}, "events"),
    ({"name": "h", "url": "http://169.254.169.254/latest/meta-data", "events": ["*"]}, "url"),
    ({"name": "h", "url": "http://[fe80::1]/", "events": ["*"]}, "url"),
    # IPv6 forms that carry the metadata address 169.254.169.254: 6to4, NAT64, Teredo client
    ({"name": "h", "url": "http://[2002:a9fe:a9fe::1]/", "events": ["*"]}, "url"),
    ({"name": "h", "url": "http://[64:ff9b::a9fe:a9fe]/", "events": ["*"]}, "url"),
    ({"name": "h", "url": "http://[2001:0:4136:e378:8000:63bf:5601:5601]/", "events": ["*"]}, "url"),
    ({"name": "h", "url": "http://user:pw@127.0.0.1:9/", "events": ["*"]}, "url"),
    ({"name": "h", "url": "http://no-such-host.invalid/", "events": ["*"]}, "url"),
])
def test_subscription_validation(api, body, field):
    assert_envelope(api.simulate_post(HOOKS, json=body, headers=api.headers), 400, "GR_VALIDATION_ERROR", field)
    assert api.simulate_get(HOOKS, headers=api.headers).json["meta"]["total"] == 0


@pytest.mark.parametrize("url, message", [
    ("http://0.0.0.0:9/", "The URL resolves to 0.0.0.0, which is an unspecified address (a "
                          "connection to it reaches this host)"),
    ("http://169.254.169.254/", "The URL resolves to 169.254.169.254, which is a link-local "
                                "address (cloud metadata services answer there)"),
    ("http://[2002:a9fe:a9fe::1]/", "The URL resolves to 2002:a9fe:a9fe::1, a tunnel to "
                                    "169.254.169.254, which is a link-local address (cloud "
                                    "metadata services answer there)"),
    ("http://224.0.0.1/", "The URL resolves to 224.0.0.1, which is a multicast address"),
])
def test_a_refused_target_is_told_in_a_sentence(api, url, message):
    result = api.simulate_post(HOOKS, json={"name": "h", "url": url, "events": ["*"]},
                               headers=api.headers)
    assert assert_envelope(result, 400, "GR_VALIDATION_ERROR", "url")["message"] == message


def test_a_private_target_is_told_in_a_sentence(tmp_path):
    error = assert_envelope(_subscribe_without_private_targets(tmp_path, "http://10.1.2.3/"), 400)
    assert error["message"] == ("The URL resolves to 10.1.2.3, which is a loopback or private "
                                "address (see webhooks.allow_private_targets)")


def _subscribe_without_private_targets(tmp_path, url):
    with _service(tmp_path, allow_private_targets="false") as service:
        client = falcon.testing.TestClient(service.app)
        _, key = service.store.api_keys.create(name="a", scopes=["*:*"])
        return client.simulate_post(HOOKS, json={"name": "h", "url": url, "events": ["*"]},
                                    headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/", "http://10.1.2.3/", "http://192.168.0.5/", "http://[::1]:8000/",
    "http://localhost/", "http://100.64.0.1/",
    # IPv6 forms carrying a loopback or private IPv4 address
    "http://[::ffff:127.0.0.1]/",                      # IPv4-mapped
    "http://[2002:7f00:1::1]/", "http://[2002:c0a8:5::]/",  # 6to4 of 127.0.0.1, 192.168.0.5
    "http://[64:ff9b::a00:1]/",                        # NAT64 of 10.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
])
def test_private_targets_refused_unless_allowed(tmp_path, url):
    assert_envelope(_subscribe_without_private_targets(tmp_path, url), 400, "GR_VALIDATION_ERROR", "url")


@pytest.mark.parametrize("method, path", [("post", ""), ("put", "/{id}")])
def test_a_url_that_cannot_be_split_is_a_400_naming_url(api, receiver, method, path):
    """An unclosed IPv6 bracket passes the URL pattern but not urlsplit: a 400, not a 500
    (found by schemathesis' stateful run, tests/test_doc_tools.py)."""
    hook = _subscribe(api, receiver.url)
    body = {"name": "h", "url": "https://[::1/hook", "events": ["*"]}
    result = getattr(api, f"simulate_{method}")(HOOKS + path.format(id=hook["id"]), json=body,
                                               headers=api.headers)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "url")


@pytest.mark.parametrize("url", ["http://[2002:808:808::1]/", "http://[64:ff9b::808:808]/"])
def test_ipv6_forms_of_a_public_ipv4_address_are_allowed(tmp_path, url):
    """6to4 and NAT64 of 8.8.8.8: a DNS64 resolver gives every IPv4-only host such an address."""
    assert_envelope(_subscribe_without_private_targets(tmp_path, url), 201)


def test_delivery_is_signed_for_both_schemes(api, hub, receiver):
    hook = _subscribe(api, receiver.url)
    org = _org(api)
    assert _step(hub) == [("organization.created", "succeeded", 200)]
    request = receiver.wait_for(1)[0]
    headers, body = request["headers"], request["body"]
    payload = json.loads(body)
    assert payload["event"] == "organization.created"
    assert payload["data"]["id"] == org["id"] and payload["data"]["slug"] == "acme"
    assert payload["timestamp"].endswith("Z")
    assert headers["X-Webhook-Event"] == "organization.created"
    assert headers["X-Webhook-Id"] == payload["id"] == headers["webhook-id"]
    assert headers["Content-Type"] == "application/json"
    assert verify_webhook(body.decode(), headers, hook["secret"])
    assert StandardWebhook(hook["secret"]).verify(body, headers)["id"] == payload["id"]
    tampered = body.replace(b"acme", b"evil")
    assert not verify_webhook(tampered.decode(), headers, hook["secret"])
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook["secret"]).verify(tampered, headers)
    other_secret = "whsec_" + "A" * 43 + "="
    assert not verify_webhook(body.decode(), headers, other_secret)


def test_every_event_type_is_delivered(api, hub, receiver):
    _subscribe(api, receiver.url)
    org = _org(api)
    api.simulate_put(f"/api/v1/organizations/{org['id']}", json={"name": "Acme 2"}, headers=api.headers)
    user = assert_envelope(api.simulate_post("/api/v1/users", json={"email": "a@example.com"},
                                             headers=api.headers), 201)
    api.simulate_put(f"/api/v1/users/{user['id']}", json={"firstName": "A"}, headers=api.headers)
    member = assert_envelope(api.simulate_post("/api/v1/memberships", json={
        "organizationId": org["id"], "userId": user["id"]}, headers=api.headers), 201)
    api.simulate_put(f"/api/v1/memberships/{member['id']}", json={"isOwner": True}, headers=api.headers)
    api.simulate_delete(f"/api/v1/memberships/{member['id']}", headers=api.headers)
    api.simulate_delete(f"/api/v1/users/{user['id']}", headers=api.headers)
    api.simulate_delete(f"/api/v1/organizations/{org['id']}", headers=api.headers)
    assert [status for _, status, _ in _step(hub)] == ["succeeded"] * 9
    receiver.wait_for(9)
    assert sorted(receiver.events()) == sorted([
        "organization.created", "organization.updated", "user.created", "user.updated",
        "membership.created", "membership.updated", "membership.deleted", "user.deleted",
        "organization.deleted"])
    membership = next(json.loads(r["body"]) for r in receiver.requests
                      if json.loads(r["body"])["event"] == "membership.created")
    assert set(membership["data"]) >= {"id", "organizationId", "userId", "roleId", "createdAt"}


def test_event_filters_and_wildcard(api, hub, receiver):
    only_users = Receiver()
    users_hook = _subscribe(api, only_users.url, ["user.created"])
    _subscribe(api, receiver.url, ["*"])
    _org(api)
    api.simulate_post("/api/v1/users", json={"email": "b@example.com"}, headers=api.headers)
    sent = hub.webhooks.deliver_due()
    assert sorted(o["event"] for o in sent if o["webhook"] == users_hook["id"]) == ["user.created"]
    assert sorted(o["event"] for o in sent) == ["organization.created", "user.created",
                                                "user.created"]
    receiver.wait_for(2)
    assert [json.loads(r["body"])["event"] for r in only_users.wait_for(1)] == ["user.created"]
    only_users.close()


def test_disabled_subscription_receives_nothing(api, hub, receiver):
    control = Receiver()
    hook = _subscribe(api, receiver.url)
    active = _subscribe(api, control.url)
    api.simulate_put(f"{HOOKS}/{hook['id']}", json={"isActive": False}, headers=api.headers)
    _org(api)
    [sent] = hub.webhooks.deliver_due()  # the active subscription's delivery, and only that
    assert (sent["webhook"], sent["status"]) == (active["id"], "succeeded")
    control.wait_for(1)
    assert receiver.requests == []
    control.close()


def test_organization_scoped_subscription_gets_only_its_organization(api, hub, receiver):
    org_a, org_b = _org(api, "alpha"), _org(api, "beta")
    _, key_a = hub.store.api_keys.create(name="a", scopes=["*:*"], organization_id=org_a["id"])
    scoped = {"Authorization": f"Bearer {key_a}"}
    hook = _subscribe(api, receiver.url, headers=scoped)
    assert hook["organizationId"] == org_a["id"]
    api.simulate_put(f"/api/v1/organizations/{org_b['id']}", json={"name": "B2"}, headers=api.headers)
    api.simulate_post("/api/v1/users", json={"email": "outsider@example.com"}, headers=api.headers)
    api.simulate_put(f"/api/v1/organizations/{org_a['id']}", json={"name": "A2"}, headers=api.headers)
    api.simulate_post("/api/v1/users", json={"email": "insider@example.com"}, headers=scoped)
    assert len(_step(hub)) == 3
    receiver.wait_for(3)
    bodies = {json.loads(r["body"])["event"]: json.loads(r["body"]) for r in receiver.requests}
    assert len(receiver.requests) == 3  # sent in order of due time and id, not of events
    assert set(bodies) == {"organization.updated", "user.created", "membership.created"}
    assert bodies["organization.updated"]["data"]["id"] == org_a["id"]
    assert bodies["user.created"]["data"]["email"] == "insider@example.com"
    # and the other organization's key cannot see or touch the subscription
    _, key_b = hub.store.api_keys.create(name="b", scopes=["*:*"], organization_id=org_b["id"])
    other = {"Authorization": f"Bearer {key_b}"}
    assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}", headers=other), 403, "GR_ORG_SCOPE_VIOLATION")
    assert api.simulate_get(HOOKS, headers=other).json["data"] == []


def test_role_and_permission_events_reach_the_organizations_they_concern(api, hub, receiver):
    """An organization's subscription receives its own roles' events and those of what every
    organization shares (environment roles, permissions), never another organization's."""
    org_a, org_b = _org(api, "alpha"), _org(api, "beta")
    _, key_a = hub.store.api_keys.create(name="a", scopes=["*:*"], organization_id=org_a["id"])
    _subscribe(api, receiver.url, ["role.created", "permission.created"],
               headers={"Authorization": f"Bearer {key_a}"})
    roles = "/api/v1/roles"
    for slug, org in (("theirs", org_b), ("ours", org_a), ("everyone", None)):
        body = {"slug": slug, "name": slug, **({"organizationId": org["id"]} if org else {})}
        assert_envelope(api.simulate_post(roles, json=body, headers=api.headers), 201)
    assert_envelope(api.simulate_post("/api/v1/permissions", headers=api.headers, json={
        "slug": "reports:export", "name": "Export"}), 201)
    assert len(_step(hub)) == 3
    bodies = [json.loads(r["body"]) for r in receiver.wait_for(3)]
    assert sorted((b["event"], b["data"]["slug"]) for b in bodies) == [
        ("permission.created", "reports:export"), ("role.created", "everyone"),
        ("role.created", "ours")]


def test_retries_with_growing_gaps_and_the_same_id(tmp_path, clock):

    receiver = Receiver(lambda n, headers, body: 500 if n <= 2 else 200)
    service = (_service(tmp_path, clock, backoff_base_seconds="0.2"))
    client = _client(service)
    hook = _subscribe(client, receiver.url)
    _org(client)
    [first] = service.webhooks.deliver_due()
    gap1 = first["next_attempt_at"] - clock()
    clock.now = first["next_attempt_at"] - timedelta(milliseconds=5)
    assert service.webhooks.deliver_due() == []  # not due before its backoff
    clock.advance(milliseconds=5)
    [second] = service.webhooks.deliver_due()
    gap2 = second["next_attempt_at"] - clock()
    clock.now = second["next_attempt_at"]
    [third] = service.webhooks.deliver_due()
    assert [o["status"] for o in (first, second, third)] == ["pending", "pending", "succeeded"]
    # base * 2**(n-1) after the n-th failure, stretched by at most 10 % jitter
    assert 0.2 <= gap1.total_seconds() <= 0.22 and 0.4 <= gap2.total_seconds() <= 0.44
    ids = {r["headers"]["X-Webhook-Id"] for r in receiver.wait_for(3)}
    assert len(ids) == 1
    deliveries = client.simulate_get(f"{HOOKS}/{hook['id']}/deliveries", headers=client.headers)
    [delivery] = assert_envelope(deliveries, 200)
    assert (delivery["status"], delivery["attempts"], delivery["responseCode"]) == ("succeeded", 3, 200)
    assert delivery["event"] == "organization.created" and delivery["deliveredAt"]
    service.close()
    receiver.close()


def test_gives_up_after_max_attempts(api, hub, clock):
    receiver = Receiver(lambda n, headers, body: 503)
    hook = _subscribe(api, receiver.url)
    _org(api)
    outcomes = _attempts(hub, clock, 3)
    assert [o["status"] for o in outcomes] == ["pending", "pending", "failed"]
    clock.advance(days=1)
    assert hub.webhooks.deliver_due() == []  # given up: never due again
    assert len(receiver.wait_for(3)) == 3
    [delivery] = api.simulate_get(f"{HOOKS}/{hook['id']}/deliveries", headers=api.headers).json["data"]
    assert (delivery["status"], delivery["attempts"], delivery["responseCode"]) == ("failed", 3, 503)
    assert delivery["nextAttemptAt"] is None and delivery["error"] == "HTTP 503"
    receiver.close()


def test_redirects_are_not_followed(api, hub, clock):
    receiver = Receiver(lambda n, headers, body: 302)
    _subscribe(api, receiver.url)
    _org(api)
    outcomes = _attempts(hub, clock, 3)
    assert [(o["response_code"], o["error"]) for o in outcomes] == [(302, "HTTP 302")] * 3
    assert [r["path"] for r in receiver.wait_for(3)] == ["/"] * 3
    receiver.close()


def test_410_gone_disables_the_subscription(api, hub):
    receiver = Receiver(lambda n, headers, body: 410)
    hook = _subscribe(api, receiver.url)
    _org(api)
    assert _step(hub) == [("organization.created", "failed", 410)]
    shown = api.simulate_get(f"{HOOKS}/{hook['id']}", headers=api.headers).json["data"]
    assert shown["isActive"] is False and "410" in shown["disabledReason"]
    _org(api, "second")
    assert hub.webhooks.deliver_due() == []  # nothing is queued for a disabled subscription
    assert len(receiver.wait_for(1)) == 1
    receiver.close()


def test_ping_and_redeliver(api, hub, receiver):
    hook = _subscribe(api, receiver.url, ["user.created"])
    result = api.simulate_post(f"{HOOKS}/{hook['id']}/test", headers=api.headers)
    queued = assert_envelope(result, 202)
    assert _step(hub) == [("ping", "succeeded", 200)]
    [ping] = receiver.wait_for(1)
    assert json.loads(ping["body"])["event"] == "ping" and ping["headers"]["X-Webhook-Id"] == queued["eventId"]
    assert verify_webhook(ping["body"].decode(), ping["headers"], hook["secret"])
    [delivery] = api.simulate_get(f"{HOOKS}/{hook['id']}/deliveries", headers=api.headers).json["data"]
    again = api.simulate_post(f"{HOOKS}/{hook['id']}/deliveries/{delivery['id']}/redeliver",
                              headers=api.headers)
    fresh = assert_envelope(again, 202)
    assert fresh["id"] != delivery["id"] and fresh["eventId"] == delivery["eventId"]
    assert _step(hub) == [("ping", "succeeded", 200)]
    second = receiver.wait_for(2)[1]
    assert second["headers"]["X-Webhook-Id"] == queued["eventId"]
    missing = api.simulate_post(f"{HOOKS}/{hook['id']}/deliveries/dlv_nope/redeliver", headers=api.headers)
    assert_envelope(missing, 404, "GR_NOT_FOUND")


def test_deleting_a_subscription_stops_its_deliveries(api, hub, clock):
    receiver = Receiver(lambda n, headers, body: 500)
    hook = _subscribe(api, receiver.url)
    _org(api)
    [outcome] = _attempts(hub, clock, 1)  # failed: retried at next_attempt_at, now on the clock
    assert outcome["status"] == "pending"
    api.simulate_delete(f"{HOOKS}/{hook['id']}", headers=api.headers)
    assert hub.webhooks.deliver_due() == []
    assert len(receiver.wait_for(1)) == 1
    receiver.close()


def test_a_hanging_receiver_does_not_block_the_api(tmp_path):
    arrived, released = threading.Event(), threading.Event()
    receiver = Receiver(lambda n, headers, body: (arrived.set(), released.wait(10), 200)[-1])
    service = _service(tmp_path, timeout_seconds="15").start()  # the background sender runs
    client = _client(service)
    _subscribe(client, receiver.url)
    started = time.monotonic()
    _org(client, "org-0")
    assert arrived.wait(5)  # a delivery now hangs in the receiver ...
    for i in range(1, 10):
        _org(client, f"org-{i}")
    assert time.monotonic() - started < 5  # ... and ten writes were answered meanwhile
    released.set()
    service.close()
    receiver.close()


def test_stopping_waits_only_for_sends_already_started(tmp_path):
    """Sends still queued when the sender stops are dropped (they stay pending), so stopping
    waits for the one in progress, not for the whole grace period."""
    arrived, released = threading.Event(), threading.Event()
    receiver = Receiver(lambda n, headers, body: (arrived.set(), released.wait(10), 200)[-1])
    service = _service(tmp_path, workers="1").start()
    client = _client(service)
    hook = _subscribe(client, receiver.url)
    for i in range(3):
        _org(client, f"org-{i}")
    assert arrived.wait(5)  # the only worker hangs in the first send; two sends queue behind it
    threading.Timer(0.2, released.set).start()  # the receiver answers while stop() waits
    started = time.monotonic()
    service.webhooks.stop(grace_seconds=30)
    assert time.monotonic() - started < 10
    statuses = sorted(d.status for d in service.store.events.deliveries(hook["id"], limit=5).items)
    assert statuses == ["pending", "pending", "succeeded"]
    service.close()
    receiver.close()


def test_webhook_scopes(api, hub, receiver):
    hook = _subscribe(api, receiver.url)
    _, reader = hub.store.api_keys.create(name="r", scopes=["webhooks:read"])
    read_only = {"Authorization": f"Bearer {reader}"}
    assert_envelope(api.simulate_get(HOOKS, headers=read_only), 200)
    assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}/deliveries", headers=read_only), 200)
    for method, path in [("POST", HOOKS), ("PUT", f"{HOOKS}/{hook['id']}"),
                         ("DELETE", f"{HOOKS}/{hook['id']}"), ("POST", f"{HOOKS}/{hook['id']}/test")]:
        body = {"name": "x", "url": receiver.url, "events": ["*"]} if method != "DELETE" else None
        result = api.simulate_request(method, path, json=body, headers=read_only)
        assert_envelope(result, 403, "GR_FORBIDDEN")
    _, writer = hub.store.api_keys.create(name="w", scopes=["webhooks:write"])
    assert_envelope(api.simulate_get(HOOKS, headers={"Authorization": f"Bearer {writer}"}), 403, "GR_FORBIDDEN")


def test_targets_are_checked_again_at_delivery_time(tmp_path, receiver, clock):
    """A subscription saved when private targets were allowed is refused once they are not."""
    service = (_service(tmp_path, clock, allow_private_targets="false"))
    hook = service.store.webhooks.create(name="h", url=receiver.url, events=["*"])  # as saved earlier
    service.store.organizations.create(name="Acme", slug="acme")
    [outcome] = service.webhooks.deliver_due()
    assert outcome["response_code"] is None and "refused target" in outcome["error"]
    [delivery] = service.store.events.deliveries(hook.id, limit=5).items
    assert delivery.attempts == 1 and "refused target" in delivery.error
    assert receiver.requests == []
    service.close()


def test_delivery_refuses_a_tunnel_to_the_metadata_address_even_with_private_targets(tmp_path,
                                                                                    clock):
    service = _service(tmp_path, clock)  # allow_private_targets = true
    service.store.webhooks.create(name="h", url="http://[2002:a9fe:a9fe::1]/latest/meta-data",
                                  events=["*"])
    service.store.organizations.create(name="Acme", slug="acme")
    [outcome] = service.webhooks.deliver_due()
    assert "refused target" in outcome["error"] and "169.254.169.254" in outcome["error"]
    service.close()


def test_a_delivery_log_cursor_belongs_to_its_subscription(api, hub, receiver):
    first = _subscribe(api, receiver.url)
    second = _subscribe(api, receiver.url)
    for slug in ("one", "two"):
        _org(api, slug)
    assert [status for _, status, _ in _step(hub)] == ["succeeded"] * 4
    page = api.simulate_get(f"{HOOKS}/{first['id']}/deliveries", params={"limit": 1}, headers=api.headers)
    cursor = page.json["meta"]["nextCursor"]
    foreign = api.simulate_get(f"{HOOKS}/{second['id']}/deliveries", params={"cursor": cursor},
                               headers=api.headers)
    assert_envelope(foreign, 400, "GR_VALIDATION_ERROR", "cursor")


def test_a_change_made_with_an_idempotency_key_is_delivered_at_once(live_hub, receiver):
    """The change commits with the outer idempotency transaction; the sender is woken then."""
    api = _client(live_hub)
    _subscribe(api, receiver.url, events=["organization.created"])
    started = time.monotonic()
    result = api.simulate_post("/api/v1/organizations", json={"name": "Acme", "slug": "acme"},
                               headers={**api.headers, "Idempotency-Key": "once"})
    assert_envelope(result, 201)
    receiver.wait_for(1, timeout=5)
    assert time.monotonic() - started < 1.0


def _key(hub, *scopes):
    _, plaintext = hub.store.api_keys.create(name="k", scopes=list(scopes))
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.mark.parametrize("scopes, events, missing", [
    (["webhooks:write"], ["user.created"], "users:read"),
    (["webhooks:write"], ["membership.deleted"], "users:read"),
    (["webhooks:write", "users:read"], ["organization.updated"], "organizations:read"),
    (["webhooks:write", "users:read", "roles:read", "permissions:read", "invitations:read"],
     ["*"], "organizations:read"),
    (["webhooks:write", "organizations:read", "roles:read", "permissions:read",
      "invitations:read"], ["*"], "users:read"),
    (["webhooks:write", "organizations:read", "users:read", "permissions:read",
      "invitations:read"], ["*"], "roles:read"),
    (["webhooks:write", "users:read", "organizations:read", "roles:read", "permissions:read"],
     ["*"], "invitations:read"),
    (["webhooks:write", "users:read"], ["role.created"], "roles:read"),
    (["webhooks:write", "roles:read"], ["permission.deleted"], "permissions:read"),
    (["webhooks:write", "users:read"], ["invitation.created"], "invitations:read"),
    (["webhooks:write", "roles:read", "permissions:read"], ["role.updated", "permission.created"],
     None),
    (["webhooks:write", "organizations:read"], ["organization.created", "user.updated"],
     "users:read"),
    (["webhooks:write", "users:read"], ["user.created", "membership.created"], None),
    (["webhooks:write", "organizations:read"], ["organization.deleted"], None),
    (["webhooks:write", "users:read", "organizations:read", "roles:read", "permissions:read",
      "invitations:read"], ["*"], None),
    (["webhooks:write", "invitations:read"], ["invitation.accepted"], None),
])
def test_a_subscription_receives_only_what_its_creator_may_read(api, hub, receiver, scopes,
                                                                events, missing):
    body = {"name": "hook", "url": receiver.url, "events": events}
    result = api.simulate_post(HOOKS, json=body, headers=_key(hub, *scopes))
    if missing:
        error = assert_envelope(result, 403, "GR_FORBIDDEN", "events")
        assert f"'{missing}'" in error["message"]
        assert api.simulate_get(HOOKS, headers=api.headers).json["meta"]["total"] == 0
    else:
        assert assert_envelope(result, 201)["events"] == sorted(events)


def test_changing_events_needs_the_same_read_scopes(api, hub, receiver):
    hook = _subscribe(api, receiver.url, ["organization.created"])
    path = f"{HOOKS}/{hook['id']}"
    writer = _key(hub, "webhooks:write", "organizations:read")
    for events in (["user.created"], ["*"]):
        refused = api.simulate_put(path, json={"events": events, "name": "renamed"}, headers=writer)
        assert_envelope(refused, 403, "GR_FORBIDDEN", "events")
    unchanged = assert_envelope(api.simulate_get(path, headers=api.headers), 200)
    assert (unchanged["events"], unchanged["name"]) == (["organization.created"], "hook")
    assert_envelope(api.simulate_put(path, json={"name": "renamed"}, headers=writer), 200)
    changed = api.simulate_put(path, json={"events": ["organization.updated"]}, headers=writer)
    assert assert_envelope(changed, 200)["events"] == ["organization.updated"]


def test_rotating_the_secret_signs_later_deliveries_with_the_new_one(api, hub, receiver):
    hook = _subscribe(api, receiver.url, ["organization.created"])
    rotated = assert_envelope(
        api.simulate_post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=api.headers,
                          json={"gracePeriodSeconds": 0}), 200)
    assert rotated["previousSecretExpiresAt"] is None  # no grace: the old one stops at once
    assert rotated["id"] == hook["id"] and rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != hook["secret"]
    assert len(base64.b64decode(rotated["secret"][len("whsec_"):])) == 32  # as on create
    shown = assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}", headers=api.headers), 200)
    assert "secret" not in shown  # shown once: in the rotation's answer only
    listed = assert_envelope(api.simulate_get(HOOKS, headers=api.headers), 200)
    assert "secret" not in listed[0]
    _org(api)
    assert _step(hub) == [("organization.created", "succeeded", 200)]
    [request] = receiver.wait_for(1)
    body, headers = request["body"], request["headers"]
    assert verify_webhook(body.decode(), headers, rotated["secret"])
    assert StandardWebhook(rotated["secret"]).verify(body, headers)
    assert not verify_webhook(body.decode(), headers, hook["secret"])
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook["secret"]).verify(body, headers)


def _rotate(api, hook, **body):
    return assert_envelope(api.simulate_post(f"{HOOKS}/{hook['id']}/rotate-secret",
                                             headers=api.headers, json=body), 200)


def _delivered(api, hub, receiver, count):
    """Create an organization, deliver it, and return the request the receiver got."""
    _org(api, f"graced-{count}")
    assert _step(hub) == [("organization.created", "succeeded", 200)]
    return receiver.wait_for(count)[-1]


def _verifies_previous(request, secret):
    """The spec's check, made with X-Webhook-Signature-Previous in place of the current one."""
    headers = dict(request["headers"])
    if "X-Webhook-Signature-Previous" not in headers:
        return False
    headers["X-Webhook-Signature"] = headers["X-Webhook-Signature-Previous"]
    return verify_webhook(request["body"].decode(), headers, secret)


def test_a_rotated_secret_keeps_signing_beside_the_new_one_for_its_grace_period(
        api, hub, receiver, clock):
    """Standard Webhooks' way through a rotation: both signatures in `webhook-signature`
    (its libraries accept any one they can check) until the grace period ends."""
    hook = _subscribe(api, receiver.url, ["organization.created"])
    rotated = _rotate(api, hook, gracePeriodSeconds=3600)
    until = clock() + timedelta(seconds=3600)
    assert rotated["previousSecretExpiresAt"] == until.isoformat(timespec="seconds")[:19] + "Z"
    shown = assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}", headers=api.headers), 200)
    assert shown["previousSecretExpiresAt"] == rotated["previousSecretExpiresAt"]
    during = _delivered(api, hub, receiver, 1)
    for secret in (rotated["secret"], hook["secret"]):
        assert StandardWebhook(secret).verify(during["body"], during["headers"])
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    assert verify_webhook(during["body"].decode(), during["headers"], rotated["secret"])
    assert _verifies_previous(during, hook["secret"])
    clock.now = until  # the grace period is over: the old secret signs nothing more
    after = _delivered(api, hub, receiver, 2)
    assert StandardWebhook(rotated["secret"]).verify(after["body"], after["headers"])
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook["secret"]).verify(after["body"], after["headers"])
    assert "X-Webhook-Signature-Previous" not in after["headers"]
    # the next change of the subscription forgets the expired secret
    renamed = assert_envelope(api.simulate_put(f"{HOOKS}/{hook['id']}", headers=api.headers,
                                               json={"name": "renamed"}), 200)
    assert renamed["previousSecretExpiresAt"] is None
    assert hub.store.webhooks.get(hook["id"]).previous_secret is None


def test_a_second_rotation_stops_the_secret_rotated_out_first(api, hub, receiver):
    hook = _subscribe(api, receiver.url, ["organization.created"])
    first = _rotate(api, hook)  # the default grace period: 24 hours
    second = _rotate(api, first, gracePeriodSeconds=60)
    request = _delivered(api, hub, receiver, 1)
    for secret in (second["secret"], first["secret"]):
        assert StandardWebhook(secret).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook["secret"]).verify(request["body"], request["headers"])


@pytest.mark.parametrize("grace", [-1, 7 * 24 * 3600 + 1, "an hour", 1.5, None])
def test_a_grace_period_out_of_range_is_400_naming_it(api, receiver, grace):
    hook = _subscribe(api, receiver.url, ["organization.created"])
    refused = api.simulate_post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=api.headers,
                                json={"gracePeriodSeconds": grace})
    assert_envelope(refused, 400, None, "gracePeriodSeconds")
    unchanged = assert_envelope(api.simulate_get(f"{HOOKS}/{hook['id']}", headers=api.headers), 200)
    assert unchanged["previousSecretExpiresAt"] is None


def test_a_pending_retry_is_signed_with_the_rotated_secret(api, hub, clock):
    receiver = Receiver(lambda n, headers, body: 500 if n == 1 else 200)
    hook = _subscribe(api, receiver.url, ["organization.created"])
    _org(api)
    [failed] = _attempts(hub, clock, 1)
    assert failed["status"] == "pending"
    rotated = assert_envelope(
        api.simulate_post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=api.headers), 200)
    [retried] = _attempts(hub, clock, 1)
    assert retried["status"] == "succeeded"
    first, second = receiver.wait_for(2)
    assert verify_webhook(first["body"].decode(), first["headers"], hook["secret"])
    assert verify_webhook(second["body"].decode(), second["headers"], rotated["secret"])
    assert not verify_webhook(second["body"].decode(), second["headers"], hook["secret"])
    receiver.close()


def test_rotating_an_unknown_or_other_organizations_subscription_is_refused(api, hub, receiver):
    missing = api.simulate_post(f"{HOOKS}/wh_nope/rotate-secret", headers=api.headers)
    assert_envelope(missing, 404, "GR_NOT_FOUND")
    org_a, org_b = _org(api, "alpha"), _org(api, "beta")
    _, key_a = hub.store.api_keys.create(name="a", scopes=["*:*"], organization_id=org_a["id"])
    _, key_b = hub.store.api_keys.create(name="b", scopes=["*:*"], organization_id=org_b["id"])
    hook = _subscribe(api, receiver.url, headers={"Authorization": f"Bearer {key_a}"})
    global_hook = _subscribe(api, receiver.url)
    other = {"Authorization": f"Bearer {key_b}"}
    for target in (hook, global_hook):
        refused = api.simulate_post(f"{HOOKS}/{target['id']}/rotate-secret", headers=other)
        assert_envelope(refused, 403, "GR_ORG_SCOPE_VIOLATION")
    # the refused call changed nothing: the global subscription still signs with its secret
    _org(api, "gamma")
    assert _step(hub) == [("organization.created", "succeeded", 200)]
    [request] = receiver.wait_for(1)
    assert verify_webhook(request["body"].decode(), request["headers"], global_hook["secret"])
    own = api.simulate_post(f"{HOOKS}/{hook['id']}/rotate-secret",
                            headers={"Authorization": f"Bearer {key_a}"})
    assert assert_envelope(own, 200)["secret"] != hook["secret"]
