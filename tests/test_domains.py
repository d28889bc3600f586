"""Verified domains over HTTP: the TXT record looked up on a DNS server on loopback
(tests/dns_server.py), failures with their reason (never a 500), one organization per
verified domain, and the `auto` join policy on every path that creates users."""
import json
import time

import falcon.testing
import pytest

import apps
import dns_server
import goldenrecord
from conftest import UNLIMITED
from fake_workos import API_KEY, FakeWorkOS, workos_user
from goldenrecord.store.models import Event
from support import assert_envelope

V1 = "/api/v1"


@pytest.fixture
def dns():
    server = dns_server.shared()
    yield server
    server.records.clear()
    server.failing.clear()


def claim(client, headers, org, domain, **more):
    return client.simulate_post(f"{V1}/organizations/{org['id']}/domains", headers=headers,
                                json={"domain": domain, **more})


def verify(client, headers, org, domain):
    return client.simulate_post(f"{V1}/organizations/{org['id']}/domains/{domain['id']}/verify",
                                headers=headers)


def publish(dns, domain):
    record = domain["verificationRecord"]
    dns.publish(record["name"], "v=spf1 -all", record["value"])


def verified(client, admin, dns, org, name, **more):
    domain = assert_envelope(claim(client, admin, org, name, **more), 201)
    publish(dns, domain)
    return assert_envelope(verify(client, admin, org, domain), 200)


def test_a_claim_is_pending_with_the_record_to_publish(client, admin, make):
    org = make.org()
    domain = assert_envelope(claim(client, admin, org, "Acme.COM"), 201)
    assert (domain["domain"], domain["state"], domain["joinPolicy"]) == ("acme.com", "pending", "none")
    record = domain["verificationRecord"]
    assert record["type"] == "TXT" and record["name"] == "_goldenrecord-verification.acme.com"
    assert record["value"].startswith("goldenrecord-verification=") and len(record["value"]) > 40
    listed = assert_envelope(client.simulate_get(f"{V1}/organizations/{org['id']}/domains",
                                                 headers=admin), 200)
    assert listed == [domain]
    assert_envelope(claim(client, admin, org, "acme.com"), 409, "GR_DUPLICATE_DOMAIN", "domain")


def test_the_published_record_verifies_the_domain(client, admin, make, dns):
    org = make.org()
    domain = verified(client, admin, dns, org, "acme.com")
    assert domain["state"] == "verified" and domain["failureReason"] is None
    assert domain["verifiedAt"] == "2026-01-15T10:30:00Z"
    assert dns.questions[-1] == "_goldenrecord-verification.acme.com"


@pytest.mark.parametrize("setup, reason", [
    (lambda dns, record: None, "NXDOMAIN"),
    (lambda dns, record: dns.publish(record["name"], "goldenrecord-verification=wrong"),
     "do not hold the expected value"),
    (lambda dns, record: dns.failing.add(record["name"]), "SERVFAIL"),
])
def test_a_missing_or_wrong_record_fails_with_the_reason(client, admin, make, dns, setup, reason):
    org = make.org()
    domain = assert_envelope(claim(client, admin, org, "acme.com"), 201)
    setup(dns, domain["verificationRecord"])
    failed = assert_envelope(verify(client, admin, org, domain), 200)
    assert failed["state"] == "failed" and reason in failed["failureReason"]


def test_a_resolver_that_never_answers_fails_within_the_timeout(tmp_path, clock):
    silent = dns_server.SilentResolver()
    config = apps.config_for(tmp_path / "t.db", **UNLIMITED, **{
        "domains.resolver": silent.address, "domains.timeout_seconds": 0.3})
    try:
        with apps.service(config, clock=clock) as gr:
            org = gr.store.organizations.create(name="A", slug="a")
            domain = gr.store.domains.create(org.id, domain="acme.com")
            _, key = gr.store.api_keys.create(name="k", scopes=["*:*"])
            client = falcon.testing.TestClient(gr.app, headers={"Authorization": f"Bearer {key}"})
            started = time.monotonic()
            result = client.simulate_post(f"{V1}/organizations/{org.id}/domains/{domain.id}/verify")
            took = time.monotonic() - started
    finally:
        silent.close()
    failed = assert_envelope(result, 200)
    assert failed["state"] == "failed" and "did not answer within 0.3 s" in failed["failureReason"]
    assert took < 2


def test_a_domain_whose_record_is_gone_fails_on_the_next_verification(client, admin, make, dns):
    org = make.org()
    domain = verified(client, admin, dns, org, "acme.com")
    dns.records.clear()
    again = assert_envelope(verify(client, admin, org, domain), 200)
    assert again["state"] == "failed"


def test_a_domain_is_verified_for_one_organization_at_a_time(client, admin, make, dns):
    first, second = make.org(), make.org()
    held = verified(client, admin, dns, first, "acme.com")
    other = assert_envelope(claim(client, admin, second, "acme.com"), 201)
    publish(dns, other)
    assert_envelope(verify(client, admin, second, other), 409, "GR_DUPLICATE_DOMAIN", "domain")
    shown = assert_envelope(client.simulate_get(
        f"{V1}/organizations/{second['id']}/domains/{other['id']}", headers=admin), 200)
    assert shown["state"] == "pending"
    assert_envelope(client.simulate_delete(
        f"{V1}/organizations/{first['id']}/domains/{held['id']}", headers=admin), 200)
    assert assert_envelope(verify(client, admin, second, other), 200)["state"] == "verified"


def test_a_domain_of_another_organization_is_not_found_through_this_one(client, admin, make):
    first, second = make.org(), make.org()
    domain = assert_envelope(claim(client, admin, first, "acme.com"), 201)
    result = client.simulate_get(f"{V1}/organizations/{second['id']}/domains/{domain['id']}",
                                 headers=admin)
    assert_envelope(result, 404, "GR_NOT_FOUND")


def test_organization_scoped_keys_reach_their_organizations_domains_only(client, admin, keys, make):
    home, other = make.org(), make.org()
    theirs = assert_envelope(claim(client, admin, other, "other.com"), 201)
    scoped = keys.headers("organizations:read", "organizations:update", org=home["id"])
    assert_envelope(claim(client, scoped, home, "home.com"), 201)
    assert_envelope(claim(client, scoped, other, "x.com"), 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(verify(client, scoped, other, theirs), 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_get(f"{V1}/organizations/{other['id']}/domains",
                                        headers=scoped), 403, "GR_ORG_SCOPE_VIOLATION")


@pytest.mark.parametrize("body, status, field", [
    ({"domain": "acme.com", "joinPolicy": "sometimes"}, 400, "joinPolicy"),
    ({"domain": "acme.com", "joinPolicy": "auto", "roleId": "role_nope"}, 404, "roleId"),
    ({"domain": "not a domain"}, 400, "domain"),
])
def test_bad_claims_are_refused_naming_the_field(client, admin, make, body, status, field):
    org = make.org()
    result = client.simulate_post(f"{V1}/organizations/{org['id']}/domains", headers=admin,
                                  json=body)
    assert_envelope(result, status, field=field)
    listed = client.simulate_get(f"{V1}/organizations/{org['id']}/domains", headers=admin)
    assert assert_envelope(listed, 200) == []


def membership_events():
    return [json.loads(e.payload)["data"] for e in Event.select().where(
        Event.type == "membership.created")]


def test_auto_join_adds_new_users_at_the_domain_with_its_role(client, admin, make, dns):
    org = make.org()
    verified(client, admin, dns, org, "acme.com", joinPolicy="auto", roleId="role_admin")
    joined = make.user(email="Jane@ACME.com")
    outsider = make.user(email="jane@acme.org")
    memberships = assert_envelope(client.simulate_get(
        f"{V1}/memberships", headers=admin, query_string=f"organizationId={org['id']}"), 200)
    assert [(m["userId"], m["roleId"]) for m in memberships] == [(joined["id"], "role_admin")]
    assert [(m["userId"], m["organizationId"]) for m in membership_events()] == [
        (joined["id"], org["id"])]
    [created] = [json.loads(e.payload) for e in Event.select().where(Event.type == "user.created")
                 if json.loads(e.payload)["data"]["id"] == joined["id"]]
    assert created["data"]["email"] == "Jane@ACME.com"
    assert outsider["id"] not in {m["userId"] for m in memberships}


def test_auto_join_needs_a_verified_domain(client, admin, make, dns):
    org = make.org()
    assert_envelope(claim(client, admin, org, "acme.com", joinPolicy="auto"), 201)
    make.user(email="jane@acme.com")
    assert membership_events() == []


def test_the_policy_can_be_changed_and_turned_off(client, admin, make, dns):
    org = make.org()
    domain = verified(client, admin, dns, org, "acme.com")
    path = f"{V1}/organizations/{org['id']}/domains/{domain['id']}"
    auto = assert_envelope(client.simulate_put(path, headers=admin, json={"joinPolicy": "auto"}), 200)
    assert (auto["joinPolicy"], auto["roleId"]) == ("auto", "role_member")
    make.user(email="one@acme.com")
    off = assert_envelope(client.simulate_put(path, headers=admin, json={
        "joinPolicy": "none", "roleId": "role_admin"}), 200)
    assert (off["joinPolicy"], off["roleId"]) == ("none", "role_admin")  # kept, unused
    make.user(email="two@acme.com")
    assert len(membership_events()) == 1
    on = assert_envelope(client.simulate_put(path, headers=admin, json={"joinPolicy": "auto"}), 200)
    assert on["roleId"] == "role_admin"
    three = make.user(email="three@acme.com")
    assert [(m["userId"], m["roleId"]) for m in membership_events()][-1] == (three["id"],
                                                                             "role_admin")


def test_an_organization_scoped_creator_at_its_own_auto_domain_makes_one_membership(
        client, admin, keys, make, dns):
    org = make.org()
    verified(client, admin, dns, org, "acme.com", joinPolicy="auto", roleId="role_admin")
    scoped = keys.headers("users:create", "users:read", org=org["id"])
    user = assert_envelope(client.simulate_post(f"{V1}/users", headers=scoped,
                                                json={"email": "jo@acme.com"}), 201)
    memberships = assert_envelope(client.simulate_get(
        f"{V1}/memberships", headers=admin, query_string=f"userId={user['id']}"), 200)
    assert [(m["organizationId"], m["roleId"]) for m in memberships] == [(org["id"], "role_admin")]


def test_an_invitations_role_wins_over_the_domain_policy(client, admin, make, dns):
    org = make.org()
    verified(client, admin, dns, org, "acme.com", joinPolicy="auto")
    invitation = make.invitation(org, "boss@acme.com", roleId="role_admin")
    membership = assert_envelope(client.simulate_post(f"{V1}/invitations/accept", headers=admin,
                                                      json={"token": invitation["token"]}), 201)
    assert membership["roleId"] == "role_admin"


def test_users_created_by_the_workos_sync_join_too(tmp_path, clock, dns):
    fake = FakeWorkOS([workos_user(n) for n in range(1, 4)])  # person<n>@example.com
    config = apps.config_for(tmp_path / "w.db", **UNLIMITED, **{
        "workos.api_key": API_KEY, "workos.base_url": fake.url})
    try:
        with apps.service(config, clock=clock) as gr:
            _, key = gr.store.api_keys.create(name="k", scopes=["*:*"])
            client = falcon.testing.TestClient(gr.app, headers={"Authorization": f"Bearer {key}"})
            org = assert_envelope(client.simulate_post(f"{V1}/organizations", json={
                "name": "Example", "slug": "example"}), 201)
            verified(client, {}, dns, org, "example.com", joinPolicy="auto")
            assert assert_envelope(client.simulate_post("/api/workos/sync-users"), 200)["created"] == 3
            members = assert_envelope(client.simulate_get(
                f"{V1}/memberships", query_string=f"organizationId={org['id']}"), 200)
    finally:
        fake.close()
    assert sorted(m["user"]["email"] for m in members) == [
        "person1@example.com", "person2@example.com", "person3@example.com"]


def test_the_resolver_setting_is_checked_at_start_and_read_from_the_environment(tmp_path):
    with pytest.raises(goldenrecord.ConfigError, match="domains.resolver"):
        apps.config_for(tmp_path / "x.db", **{"domains.resolver": "dns.example:53"})
    with pytest.raises(goldenrecord.ConfigError, match="domains.timeout_seconds"):
        apps.config_for(tmp_path / "x.db", **{"domains.timeout_seconds": 0})
    config = goldenrecord.load_config(env={"GOLDENRECORD_DOMAINS_RESOLVER": "[::1]:5353"})
    assert config.domains.resolver == "[::1]:5353"
