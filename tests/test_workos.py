"""The WorkOS integration: the REST client against a fake WorkOS on loopback, the signed
webhook receiver, and the bulk user sync over HTTP and the CLI."""
import json
import logging
import subprocess
import sys

import falcon.testing
import pytest

import apps
import goldenrecord
from conftest import UNLIMITED
from fake_workos import API_KEY, FakeWorkOS, workos_user
from goldenrecord.search import typos
from goldenrecord.store.models import Event, User, WorkosEvent
from goldenrecord.workos_sync import client as workos_client
from goldenrecord.workos_sync import signature
from process import ROOT, clean_env
from support import (assert_envelope, orphan_terms, progress_lines, ticking, variant_bytes,
                     variant_rows)

SECRET = "whsec_workos_test_secret"


@pytest.fixture
def fake():
    server = FakeWorkOS([workos_user(n) for n in range(1, 26)])
    yield server
    server.close()


def workos_config(tmp_path, fake, **overrides):
    settings = {"database.path": str(tmp_path / "gr.db"), **UNLIMITED,
                "workos.api_key": API_KEY, "workos.webhook_secret": SECRET,
                "workos.base_url": fake.url, **overrides}
    return goldenrecord.load_config(env={}, overrides=settings)


@pytest.fixture
def gr(tmp_path, fake, clock):
    with apps.service(workos_config(tmp_path, fake), clock=clock) as instance:
        yield instance


@pytest.fixture
def api(gr):
    return falcon.testing.TestClient(gr.app)


@pytest.fixture
def admin_headers(gr):
    _, plaintext = gr.store.api_keys.create(name="admin", scopes=["*:*"])
    return {"Authorization": f"Bearer {plaintext}"}


def new_client(fake, **kw):
    sleeps = []
    client = workos_client.WorkOSClient(API_KEY, base_url=fake.url, sleep=sleeps.append,
                                        jitter=lambda low, high: 1.0, **kw)
    return client, sleeps


# ------------------------------------------------------------------------- client

def test_client_follows_cursor_pagination_over_every_page(fake):
    client, _ = new_client(fake)
    pages = list(client.user_pages(limit=10))
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [u["id"] for page in pages for u in page] == [u["id"] for u in fake.users]
    queries = [query for _, _, query, _ in fake.requests]
    assert queries[0] == {"limit": "10", "order": "asc"}
    assert queries[1]["after"] == pages[0][-1]["id"] and queries[2]["after"] == pages[1][-1]["id"]
    assert all(auth == f"Bearer {API_KEY}" for *_, auth in fake.requests)


def test_client_stops_on_an_empty_list(fake):
    fake.users.clear()
    client, _ = new_client(fake)
    assert list(client.users()) == []
    assert len(fake.requests) == 1


def test_client_honours_retry_after_on_429(fake):
    fake.fail(429, headers={"Retry-After": "7"})
    client, sleeps = new_client(fake)
    assert len(list(client.users())) == 25
    assert sleeps == [7.0]


def test_client_backs_off_exponentially_on_5xx_then_succeeds(fake):
    fake.fail(500, times=2)
    client, sleeps = new_client(fake)
    assert len(list(client.users())) == 25
    assert sleeps == [1.0, 2.0]  # min(2**attempt, 30) s with the jitter pinned to 1


def test_client_gives_up_after_its_retries_with_a_typed_error(fake):
    fake.fail(503, times=10)
    client, sleeps = new_client(fake)
    with pytest.raises(workos_client.ServerError) as caught:
        list(client.users())
    assert caught.value.status == 503 and len(sleeps) == workos_client.MAX_RETRIES


@pytest.mark.parametrize("status, kind", [
    (401, workos_client.AuthenticationError),
    (404, workos_client.NotFoundError),
    (422, workos_client.UnprocessableEntityError),
])
def test_client_raises_typed_errors_without_retrying(fake, status, kind):
    fake.fail(status, body={"message": "nope", "code": "some_code"})
    client, sleeps = new_client(fake)
    with pytest.raises(kind) as caught:
        client.get("/user_management/users")
    assert caught.value.status == status and caught.value.code == "some_code"
    assert "nope" in caught.value.message and caught.value.request_id == "fake-request-id"
    assert sleeps == []


def test_client_with_a_wrong_key_gets_authentication_error(fake):
    client = workos_client.WorkOSClient("sk_wrong", base_url=fake.url)
    with pytest.raises(workos_client.AuthenticationError):
        list(client.users())


def test_client_reads_a_real_404_body(fake):
    client, _ = new_client(fake)
    with pytest.raises(workos_client.NotFoundError) as caught:
        client.get("/user_management/users/user_missing")
    assert "User not found 'user_missing'" in caught.value.message
    assert caught.value.code == "entity_not_found"


def test_a_redirect_is_reported_as_one_at_once_and_not_followed(fake):
    fake.fail(302, times=10, headers={"Location": "https://elsewhere.example/users"})
    client, sleeps = new_client(fake)
    with pytest.raises(workos_client.WorkOSError) as caught:
        client.get("/user_management/users")
    assert caught.value.message == (
        "WorkOS answered 302 with a redirect, which is not followed (the API key would go "
        "with it): check workos.base_url")
    assert caught.value.status == 302 and sleeps == [] and len(fake.requests) == 1


def test_retry_after_accepts_seconds_and_http_dates_and_is_capped():
    assert workos_client.retry_after("3") == 3.0
    assert workos_client.retry_after("1000") == workos_client.MAX_RETRY_AFTER
    assert workos_client.retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert workos_client.retry_after("soon") is None
    assert workos_client.retry_after(None) is None


# ---------------------------------------------------------------------- signature

NOW = 1_768_473_000.0  # seconds


def test_signature_accepts_what_workos_sends_with_or_without_the_space():
    body = b'{"id":"event_1"}'
    value = signature.header(SECRET, int(NOW * 1000), body)
    assert value.startswith("t=") and ", v1=" in value
    signature.verify(value, body, SECRET, NOW)
    signature.verify(value.replace(", ", ","), body, SECRET, NOW)


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "future", "empty",
                                  "no v1", "no t", "junk", "bad t", "unicode digits"])
def test_signature_refusals(case):
    body = b'{"id":"event_1"}'
    stamp = int(NOW * 1000)
    value = {
        "tampered": signature.header(SECRET, stamp, body + b" "),
        "wrong secret": signature.header("whsec_other", stamp, body),
        "stale": signature.header(SECRET, stamp - 181_000, body),
        "future": signature.header(SECRET, stamp + 181_000, body),
        "empty": "",
        "no v1": f"t={stamp}",
        "no t": "v1=" + signature.compute(SECRET, stamp, body),
        "junk": "garbage",
        "bad t": "t=abc, v1=00",
        "unicode digits": "t=\u00b2\u00b3, v1=00",
    }[case]
    with pytest.raises(signature.InvalidSignature):
        signature.verify(value, body, SECRET, NOW)


def test_signature_within_tolerance_is_accepted():
    body = b"{}"
    for offset in (-179, 179):
        signature.verify(signature.header(SECRET, int((NOW + offset) * 1000), body), body, SECRET, NOW)


# ----------------------------------------------------------------- webhook receiver

def event(event_id, event_type, data):
    return {"object": "event", "id": event_id, "event": event_type, "data": data,
            "created_at": "2026-01-15T10:29:00.000Z"}


def deliver(api, clock, body, *, secret=SECRET, stamp=None, raw=None):
    raw = raw if raw is not None else json.dumps(body).encode()
    stamp = stamp if stamp is not None else int(clock().timestamp() * 1000)
    headers = {"WorkOS-Signature": signature.header(secret, stamp, raw),
               "Content-Type": "application/json"}
    return api.simulate_post("/api/webhooks/workos", body=raw, headers=headers)


def events_of(kind):
    return [json.loads(e.payload)["data"] for e in Event.select().where(Event.type == kind)]


def test_user_created_event_creates_the_user_and_emits_our_event(api, clock):
    data = assert_envelope(deliver(api, clock, event("event_1", "user.created", workos_user(1))), 200)
    assert data == {"received": True, "id": "event_1", "event": "user.created", "outcome": "created"}
    user = User.get(User.workos_user_id == workos_user(1)["id"])
    assert (user.email, user.first_name, user.last_name, user.avatar_url) == (
        "person1@example.com", "First1", "Last1", "https://images.example.com/1.png")
    assert [e["workosUserId"] for e in events_of("user.created")] == [workos_user(1)["id"]]


def test_a_workos_event_is_recorded_in_the_audit_log_as_workos(api, clock, admin_headers):
    assert_envelope(deliver(api, clock, event("event_1", "user.created", workos_user(1))), 200)
    [entry] = assert_envelope(api.simulate_get("/api/v1/audit-logs", params={
        "action": "user.created"}, headers=admin_headers), 200)
    assert entry["actor"] == {"type": "workos", "id": None, "name": None}
    assert entry["changes"]["email"]["after"] == "person1@example.com"


def test_a_redelivered_event_changes_nothing_twice(api, clock):
    body = event("event_1", "user.created", workos_user(1))
    deliver(api, clock, body)
    # WorkOS redelivers; meanwhile someone edited the user in Golden Record.
    User.update(first_name="Edited").execute()
    data = assert_envelope(deliver(api, clock, body), 200)
    assert data["outcome"] == "duplicate"
    assert User.get().first_name == "Edited"
    assert len(events_of("user.created")) == 1 and User.select().count() == 1


def test_user_updated_event_updates_and_an_older_one_arriving_late_is_ignored(api, clock):
    deliver(api, clock, event("event_1", "user.created", workos_user(1)))
    newer = workos_user(1, first_name="Newer", updated_at="2026-01-10T00:00:00.000Z")
    older = workos_user(1, first_name="Older", updated_at="2026-01-05T00:00:00.000Z")
    assert assert_envelope(deliver(api, clock, event("event_3", "user.updated", newer)), 200)[
        "outcome"] == "updated"
    assert assert_envelope(deliver(api, clock, event("event_2", "user.updated", older)), 200)[
        "outcome"] == "unchanged"
    assert User.get().first_name == "Newer"
    assert [e["firstName"] for e in events_of("user.updated")] == ["Newer"]


def test_user_deleted_event_deactivates_and_keeps_the_golden_record(api, clock, admin_headers):
    deliver(api, clock, event("event_1", "user.created", workos_user(1)))
    data = assert_envelope(deliver(api, clock, event("event_2", "user.deleted", workos_user(1))), 200)
    assert data["outcome"] == "deactivated"
    user = User.get()
    assert user.is_active is False and user.email == "person1@example.com"
    shown = assert_envelope(api.simulate_get(f"/api/v1/users/{user.id}", headers=admin_headers), 200)
    assert shown["isActive"] is False and shown["workosUserId"] == workos_user(1)["id"]
    assert [e["isActive"] for e in events_of("user.updated")] == [False]


def test_deleting_an_unknown_user_is_acknowledged(api, clock):
    data = assert_envelope(deliver(api, clock, event("event_1", "user.deleted", workos_user(9))), 200)
    assert data["outcome"] == "unchanged" and User.select().count() == 0


def test_unknown_event_types_are_acknowledged_and_ignored(api, clock):
    data = assert_envelope(deliver(api, clock, event("event_1", "dsync.user.created",
                                                     {"id": "directory_user_1"})), 200)
    assert data["outcome"] == "ignored"
    assert Event.select().count() == 0 and User.select().count() == 0


def test_an_event_links_an_existing_user_by_email_whatever_its_case(api, clock, admin_headers):
    existing = assert_envelope(api.simulate_post(
        "/api/v1/users", json={"email": "Person1@Example.COM", "firstName": "Pat"},
        headers=admin_headers), 201)
    data = assert_envelope(deliver(api, clock, event("event_1", "user.created", workos_user(1))), 200)
    assert data["outcome"] == "linked"
    assert User.select().count() == 1
    user = User.get_by_id(existing["id"])
    assert user.workos_user_id == workos_user(1)["id"] and user.first_name == "First1"


def test_an_email_held_by_a_user_linked_elsewhere_is_a_conflict(api, clock):
    deliver(api, clock, event("event_1", "user.created", workos_user(1)))
    clash = workos_user(2, email="person1@example.com")
    error = assert_envelope(deliver(api, clock, event("event_2", "user.created", clash)), 409)
    assert error["field"] == "email"
    assert WorkosEvent.select().count() == 1  # not recorded: a retry after a fix may succeed


def test_workos_users_are_indexed_within_the_search_bounds(api, clock, gr):
    """Names from WorkOS go through the same variant budget and upkeep as the API's."""
    squares = "".join(map(chr, range(0x3300, 0x3358)))
    pairs = " ".join(squares[i:i + 2] for i in range(0, 66, 2))  # 33 tokens of 4-12 letters
    words = "vexillologically quintessentials labyrinthinely " * 2
    before = variant_bytes(gr.store.db)
    hostile = workos_user(1, first_name=pairs, last_name=words[:100])
    assert assert_envelope(deliver(api, clock, event("event_1", "user.created", hostile)),
                           200)["outcome"] == "created"
    assert 0 < variant_bytes(gr.store.db) - before <= typos.MAX_VARIANT_BYTES
    renamed = workos_user(1, first_name="Quentin", last_name="Vexley",
                          updated_at="2026-01-10T00:00:00.000Z")
    assert assert_envelope(deliver(api, clock, event("event_2", "user.updated", renamed)),
                           200)["outcome"] == "updated"
    terms = {term for _, term in variant_rows(gr.store.db)}
    assert {"quentin", "vexley"} <= terms
    assert not terms & {"vexillologically", "quintessentials", "labyrinthinely"}
    assert orphan_terms(gr.store.db) == set()


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "missing header",
                                  "malformed header"])
def test_refused_signatures_change_nothing(api, clock, case):
    body = event("event_1", "user.created", workos_user(1))
    raw = json.dumps(body).encode()
    stamp = int(clock().timestamp() * 1000)
    if case == "tampered":
        headers = {"WorkOS-Signature": signature.header(SECRET, stamp, raw)}
        raw = raw.replace(b"person1", b"mallory")
    elif case == "wrong secret":
        headers = {"WorkOS-Signature": signature.header("whsec_wrong", stamp, raw)}
    elif case == "stale":
        headers = {"WorkOS-Signature": signature.header(SECRET, stamp - 6 * 60 * 1000, raw)}
    elif case == "missing header":
        headers = {}
    else:
        headers = {"WorkOS-Signature": "sha256=abc"}
    result = api.simulate_post("/api/webhooks/workos", body=raw,
                               headers={**headers, "Content-Type": "application/json"})
    assert_envelope(result, 401, "GR_INVALID_SIGNATURE", "WorkOS-Signature")
    assert User.select().count() == 0 and WorkosEvent.select().count() == 0
    assert Event.select().count() == 0


def test_refused_signatures_count_as_failed_authentications(tmp_path, fake, clock):
    config = workos_config(tmp_path, fake, **{"rate_limits.failed_auth_per_ip": 3})
    with apps.service(config, clock=clock) as gr:
        api = falcon.testing.TestClient(gr.app)
        body = event("event_1", "user.created", workos_user(1))
        for _ in range(3):
            assert_envelope(deliver(api, clock, body, secret="whsec_wrong"), 401,
                            "GR_INVALID_SIGNATURE")
        refused = deliver(api, clock, body, secret="whsec_wrong")
        assert_envelope(refused, 429, "GR_RATE_LIMITED")
        assert int(refused.headers["Retry-After"]) >= 1
        # the limit is the address's, shared with API keys
        bad_key = api.simulate_get("/api/v1/organizations",
                                   headers={"Authorization": "Bearer gr_live_" + "x" * 43})
        assert_envelope(bad_key, 429, "GR_RATE_LIMITED")
        assert User.select().count() == 0
        # WorkOS's own, well-signed delivery from the same address is never refused for them
        assert_envelope(deliver(api, clock, body), 200)
        assert User.select().count() == 1
        clock.advance(minutes=1)
        assert_envelope(deliver(api, clock, body, secret="whsec_wrong"), 401,
                        "GR_INVALID_SIGNATURE")


@pytest.mark.parametrize("direction", [-1, 1], ids=["older", "newer"])
def test_timestamps_within_180_seconds_either_way_are_accepted(api, clock, direction):
    """WorkOS's SDKs' tolerance, on the injected clock: 181 s off is refused, 179 s passes."""
    def signed_off_by(seconds, number):
        stamp = int((clock().timestamp() + direction * seconds) * 1000)
        return deliver(api, clock, event(f"event_{number}", "user.created", workos_user(number)),
                       stamp=stamp)

    assert_envelope(signed_off_by(181, 1), 401, "GR_INVALID_SIGNATURE", "WorkOS-Signature")
    assert User.select().count() == 0
    assert_envelope(signed_off_by(179, 2), 200)
    assert User.select().count() == 1


def test_the_clock_moving_on_makes_a_delivery_stale(api, clock):
    body = event("event_1", "user.created", workos_user(1))
    raw = json.dumps(body).encode()
    stamp = int(clock().timestamp() * 1000)
    clock.advance(seconds=181)
    refused = deliver(api, clock, body, raw=raw, stamp=stamp)
    assert_envelope(refused, 401, "GR_INVALID_SIGNATURE", "WorkOS-Signature")
    assert "180 seconds" in refused.json["errors"][0]["message"]


@pytest.mark.parametrize("body, field", [
    (b"[1, 2]", "body"),
    (b"not json", "body"),
    (json.dumps({"event": "user.created", "data": {}}).encode(), "id"),
    (json.dumps({"id": "event_1", "data": {}}).encode(), "event"),
    (json.dumps(event("event_1", "user.created", workos_user(1, email="not-an-email"))).encode(),
     "data.email"),
    (json.dumps(event("event_1", "user.updated", {"email": "a@example.com"})).encode(),
     "data.workosUserId"),
    # json.dumps writes a lone surrogate as the escape "\ud800", as a JSON encoder may
    (json.dumps(event("event_1", "user.created", workos_user(1, first_name="Jo\ud800"))).encode(),
     "data"),
    (json.dumps(event("event_\udc00", "user.created", workos_user(1))).encode(), "id"),
    (json.dumps(event("event_1", "user.created", {"id": "u", "email": {"\ud800": 1}})).encode(),
     "data"),
])
def test_well_signed_but_malformed_events_are_4xx_naming_the_field(api, clock, body, field):
    error = assert_envelope(deliver(api, clock, None, raw=body), 400, "GR_VALIDATION_ERROR")
    assert error["field"] == field
    assert User.select().count() == 0 and WorkosEvent.select().count() == 0


@pytest.mark.parametrize("data", [None, "user_1", ["user_1"]])
def test_a_user_event_without_a_data_object_names_data(api, clock, data):
    body = event("event_1", "user.created", data)
    if data is None:
        del body["data"]
    error = assert_envelope(deliver(api, clock, body), 400, "GR_VALIDATION_ERROR", "data")
    assert error["message"] == "A WorkOS user.created event needs a 'data' object: the WorkOS user"


def test_a_missing_signature_header_is_called_missing(api):
    result = api.simulate_post("/api/webhooks/workos", body=b"{}",
                               headers={"Content-Type": "application/json"})
    error = assert_envelope(result, 401, "GR_INVALID_SIGNATURE", "WorkOS-Signature")
    assert error["message"] == "The WorkOS-Signature header is missing"
    malformed = api.simulate_post("/api/webhooks/workos", body=b"{}",
                                  headers={"WorkOS-Signature": "garbage"})
    assert assert_envelope(malformed, 401, "GR_INVALID_SIGNATURE")["message"] == (
        "The WorkOS-Signature header is malformed")


def test_sync_answered_with_a_redirect_is_a_gateway_error_saying_so(api, admin_headers, fake):
    fake.fail(301, times=10, headers={"Location": "https://elsewhere.example/"})
    error = assert_envelope(sync(api, admin_headers), 502, "GR_WORKOS_ERROR")
    assert "redirect" in error["message"] and "could not be reached" not in error["message"]
    assert len(fake.requests) == 1


def test_an_updated_at_that_overflows_utc_is_read_as_absent(api, clock):
    user = workos_user(1, updated_at="9999-12-31T23:59:59-01:00")
    data = assert_envelope(deliver(api, clock, event("event_1", "user.created", user)), 200)
    assert data["outcome"] == "created"


def test_webhooks_are_refused_when_no_secret_is_configured(tmp_path, fake, clock):
    with apps.service(workos_config(tmp_path, fake, **{"workos.webhook_secret": ""}),
                      clock=clock) as instance:
        result = deliver(falcon.testing.TestClient(instance.app), clock,
                         event("event_1", "user.created", workos_user(1)), secret="")
        assert_envelope(result, 400, "GR_WORKOS_NOT_CONFIGURED")


# ----------------------------------------------------------------------- bulk sync

def sync(api, headers):
    return api.simulate_post("/api/workos/sync-users", headers=headers)


def test_sync_creates_links_and_then_finds_everything_unchanged(api, admin_headers, fake):
    assert_envelope(api.simulate_post("/api/v1/users", json={"email": "PERSON3@example.com"},
                                      headers=admin_headers), 201)
    counts = assert_envelope(sync(api, admin_headers), 200)
    assert counts == {"created": 24, "updated": 0, "linked": 1, "unchanged": 0, "failed": 0,
                      "total": 25}
    assert User.select().count() == 25
    assert User.select().where(User.workos_user_id.is_null()).count() == 0
    again = assert_envelope(sync(api, admin_headers), 200)
    assert again == {"created": 0, "updated": 0, "linked": 0, "unchanged": 25, "failed": 0,
                     "total": 25}
    fake.users[4]["last_name"] = "Renamed"
    fake.users[4]["updated_at"] = "2026-02-01T00:00:00.000Z"
    third = assert_envelope(sync(api, admin_headers), 200)
    assert (third["updated"], third["unchanged"]) == (1, 24)
    assert User.get(User.workos_user_id == fake.users[4]["id"]).last_name == "Renamed"


def test_sync_counts_users_it_cannot_hold_as_failed_and_goes_on(api, admin_headers, fake):
    fake.users[0]["email"] = "broken"
    fake.users[1]["email"] = fake.users[2]["email"]  # two WorkOS users, one email
    counts = assert_envelope(sync(api, admin_headers), 200)
    assert counts["failed"] == 2 and counts["created"] == 23 and counts["total"] == 25


def test_sync_counts_users_with_lone_surrogates_as_failed(api, admin_headers, fake):
    fake.users[0]["first_name"] = "Jo\udc00"  # served as the JSON escape "\udc00"
    fake.users[1]["id"] = "user_\ud800"
    counts = assert_envelope(sync(api, admin_headers), 200)
    assert counts["failed"] == 2 and counts["created"] == 23 and counts["total"] == 25


def test_sync_interrupted_half_way_completes_when_run_again(api, admin_headers, fake):
    fake.users.extend(workos_user(n) for n in range(26, 251))  # 250 users: 3 pages of 100
    second_page = fake.users[99]["id"]
    fake.fail(500, times=10, headers={"Retry-After": "0"},
              when=lambda query: query.get("after") == second_page)
    error = assert_envelope(sync(api, admin_headers), 502, "GR_WORKOS_ERROR")
    assert error["details"]["workosStatus"] == 500
    assert User.select().count() == 100  # the finished page stayed
    fake.script.clear()
    counts = assert_envelope(sync(api, admin_headers), 200)
    assert counts == {"created": 150, "updated": 0, "linked": 0, "unchanged": 100, "failed": 0,
                      "total": 250}
    assert User.select().count() == 250


def test_sync_rides_out_a_429_with_retry_after(api, admin_headers, fake):
    fake.fail(429, headers={"Retry-After": "0"})
    assert assert_envelope(sync(api, admin_headers), 200)["created"] == 25


def test_sync_needs_a_full_access_key(api, gr):
    _, narrow = gr.store.api_keys.create(name="n", scopes=["users:create", "users:update"])
    assert_envelope(sync(api, {"Authorization": f"Bearer {narrow}"}), 403, "GR_FORBIDDEN")
    assert_envelope(sync(api, {}), 401, "GR_UNAUTHORIZED")
    assert User.select().count() == 0


def test_sync_refuses_organization_scoped_keys_whatever_their_scopes(api, gr, admin_headers,
                                                                    fake):
    org = assert_envelope(api.simulate_post("/api/v1/organizations", json={
        "name": "Acme", "slug": "acme"}, headers=admin_headers), 201)
    _, scoped = gr.store.api_keys.create(name="s", scopes=["*:*"], organization_id=org["id"])
    result = sync(api, {"Authorization": f"Bearer {scoped}"})
    error = assert_envelope(result, 403, "GR_ORG_SCOPE_VIOLATION")
    assert "every organization" in error["message"]
    assert User.select().count() == 0 and fake.requests == []


def test_sync_with_a_key_workos_refuses_is_a_gateway_error(tmp_path, fake, clock):
    with apps.service(workos_config(tmp_path, fake, **{"workos.api_key": "sk_test_wrong"}),
                      clock=clock) as instance:
        _, admin_key = instance.store.api_keys.create(name="a", scopes=["*:*"])
        result = sync(falcon.testing.TestClient(instance.app), {"Authorization": f"Bearer {admin_key}"})
        error = assert_envelope(result, 502, "GR_WORKOS_ERROR")
        assert error["details"]["workosStatus"] == 401 and "sk_test_wrong" not in result.text


def test_sync_without_an_api_key_is_a_clear_4xx(tmp_path, fake, clock):
    with apps.service(workos_config(tmp_path, fake, **{"workos.api_key": ""}),
                      clock=clock) as instance:
        _, admin_key = instance.store.api_keys.create(name="a", scopes=["*:*"])
        result = sync(falcon.testing.TestClient(instance.app), {"Authorization": f"Bearer {admin_key}"})
        error = assert_envelope(result, 400, "GR_WORKOS_NOT_CONFIGURED")
        assert "workos.api_key" in error["message"]


# ---------------------------------------------------------------------- CLI, config

def run_cli(tmp_path, *args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "goldenrecord.py"), *args,
                           "--db", str(tmp_path / "cli.db")],
                          capture_output=True, text=True, timeout=60, env=clean_env(**(env or {})),
                          cwd=str(tmp_path))


@pytest.mark.slow  # the CLI in a child process
def test_cli_sync_prints_counts_and_reports_progress(tmp_path, fake):
    config = tmp_path / "gr.toml"
    config.write_text(f'[workos]\nbase_url = "{fake.url}"\n')
    result = run_cli(tmp_path, "workos", "sync-users", "--config", str(config),
                     env={"GOLDENRECORD_WORKOS_API_KEY": API_KEY})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"created": 25, "updated": 0, "linked": 0,
                                         "unchanged": 0, "failed": 0, "total": 25}
    assert "WorkOS users synced into new database" in result.stderr
    assert API_KEY not in result.stderr


def test_cli_sync_reports_progress_on_stderr(tmp_path, fake, capsys, caplog, monkeypatch):
    caplog.set_level(logging.INFO, "goldenrecord.progress")
    config = tmp_path / "gr.toml"
    config.write_text(f'[workos]\nbase_url = "{fake.url}"\n')
    monkeypatch.setenv("GOLDENRECORD_WORKOS_API_KEY", API_KEY)
    status = goldenrecord.main(["workos", "sync-users", "--config", str(config),
                                "--db", str(tmp_path / "cli.db")], progress=ticking(interval=0))
    assert status == 0 and json.loads(capsys.readouterr().out)["created"] == 25
    assert progress_lines(caplog, "WorkOS sync") == ["WorkOS sync: 25 users so far"]


@pytest.mark.slow  # the CLI in a child process
def test_cli_sync_without_an_api_key_is_a_clear_error(tmp_path):
    result = run_cli(tmp_path, "workos", "sync-users")
    assert result.returncode == 2
    assert "workos.api_key" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # the CLI in a child process
def test_cli_sync_reports_workos_refusing_without_a_traceback(tmp_path, fake):
    config = tmp_path / "gr.toml"
    config.write_text(f'[workos]\nbase_url = "{fake.url}"\napi_key = "sk_wrong"\n')
    result = run_cli(tmp_path, "workos", "sync-users", "--config", str(config))
    assert result.returncode == 1
    assert "WorkOS answered 401" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["http://api.workos.com", "ftp://127.0.0.1", "not a url"])
def test_workos_base_url_must_be_https_except_on_loopback(url):
    with pytest.raises(goldenrecord.ConfigError, match="workos.base_url"):
        goldenrecord.load_config(env={}, overrides={"workos.base_url": url})


def test_workos_secrets_can_come_from_the_environment():
    config = goldenrecord.load_config(env={"GOLDENRECORD_WORKOS_API_KEY": "sk_env",
                                           "GOLDENRECORD_WORKOS_WEBHOOK_SECRET": "whsec_env"})
    assert (config.workos.api_key, config.workos.webhook_secret) == ("sk_env", "whsec_env")


# ------------------------------------------------------------- real server process

@pytest.mark.slow  # a real server process
def test_real_server_workos_webhook_in_golden_record_webhook_out(tmp_path, fake):
    """End to end over real HTTP: WorkOS signs an event, the server applies it once, and
    its own signed `user.created` reaches a subscriber; the sync runs against the fake."""
    import time

    from process import ServerProcess, new_key
    from support import Receiver

    receiver = Receiver()
    config = tmp_path / "gr.toml"
    config.write_text(f'[webhooks]\nallow_private_targets = true\nbackoff_base_seconds = 0.1\n'
                      f'[workos]\nbase_url = "{fake.url}"\n')
    server = ServerProcess(tmp_path / "real.db", key=new_key(), args=["--config", str(config)],
                           env={"GOLDENRECORD_WORKOS_API_KEY": API_KEY,
                                "GOLDENRECORD_WORKOS_WEBHOOK_SECRET": SECRET})
    try:
        server.api("POST", "/api/v1/webhooks", json={"name": "h", "url": receiver.url,
                                                      "events": ["user.created"]})
        raw = json.dumps(event("event_1", "user.created", workos_user(1))).encode()
        headers = {"WorkOS-Signature": signature.header(SECRET, int(time.time() * 1000), raw),
                   "Content-Type": "application/json"}
        for expected in ("created", "duplicate"):
            answer = server.api("POST", "/api/webhooks/workos", data=raw, headers=headers)
            assert answer.status_code == 200 and answer.json()["data"]["outcome"] == expected
        delivered = json.loads(receiver.wait_for(1)[0]["body"])
        assert delivered["event"] == "user.created"
        assert delivered["data"]["workosUserId"] == workos_user(1)["id"]
        counts = server.api("POST", "/api/workos/sync-users").json()["data"]
        assert (counts["created"], counts["unchanged"], counts["total"]) == (24, 1, 25)
        assert "sk_test_fake" not in server.stderr() and SECRET not in server.stderr()
    finally:
        server.stop()
        receiver.close()
