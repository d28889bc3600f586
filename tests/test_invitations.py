"""Invitations over HTTP: the token shown once and stored as a hash, its events with the
accept link, accepting (new and existing users, another organization's user), revoking,
resending, expiry (410) and organization scope."""
import hashlib
import json
import sqlite3

import pytest

import apps
import goldenrecord
from conftest import UNLIMITED
from goldenrecord.store.models import Event
from support import assert_envelope, race

V1 = "/api/v1"
TEMPLATE = "https://app.example.com/join?token={token}"


@pytest.fixture
def config(tmp_path):
    return apps.config_for(tmp_path / "gr.db", **UNLIMITED,
                           **{"invitations.accept_url_template": TEMPLATE})


@pytest.fixture
def org(make):
    return make.org()


def events(kind):
    return [json.loads(e.payload)["data"] for e in
            Event.select().where(Event.type == kind).order_by(Event.created_at, Event.id)]


def accept(client, headers, token, **names):
    return client.simulate_post(f"{V1}/invitations/accept", headers=headers,
                                json={"token": token, **names})


def test_the_token_is_shown_once_and_only_its_hash_is_stored(client, admin, make, org, config):
    made = make.invitation(org, "Jo@Example.com", roleId="role_admin")
    assert made["state"] == "pending" and made["roleId"] == "role_admin"
    assert made["token"].startswith("gr_inv_") and len(made["token"]) > 40
    assert made["acceptUrl"] == TEMPLATE.format(token=made["token"])
    assert made["expiresAt"] == "2026-01-22T10:30:00Z"  # seven days by default
    shown = assert_envelope(client.simulate_get(f"{V1}/invitations/{made['id']}", headers=admin), 200)
    assert "token" not in shown and "acceptUrl" not in shown
    listed = assert_envelope(client.simulate_get(f"{V1}/invitations", headers=admin), 200)
    assert [i["id"] for i in listed] == [made["id"]] and "token" not in listed[0]
    with sqlite3.connect(config.database.path) as db:
        dump = "\n".join(db.iterdump())
        (stored,) = db.execute("SELECT token_hash FROM invitation").fetchone()
    assert stored == hashlib.sha256(made["token"].encode()).hexdigest()
    holding = [line for line in dump.splitlines() if made["token"] in line]
    assert len(holding) == 1 and holding[0].startswith('INSERT INTO "event"')  # for the host app


def test_the_created_event_carries_the_token_and_the_accept_url(make, org):
    made = make.invitation(org, "jo@example.com")
    [event] = events("invitation.created")
    assert event["token"] == made["token"] and event["acceptUrl"] == made["acceptUrl"]
    assert event["id"] == made["id"] and event["state"] == "pending"


def test_without_a_template_the_accept_url_is_null(tmp_path, clock):
    with apps.service(apps.config_for(tmp_path / "plain.db"), clock=clock) as gr:
        org = gr.store.organizations.create(name="A", slug="a")
        _, token = gr.store.invitations.create(email="a@example.com", organization_id=org.id)
        [event] = events("invitation.created")
    assert event["token"] == token and event["acceptUrl"] is None


def test_accepting_creates_the_user_with_the_invitations_role(client, admin, make, org):
    made = make.invitation(org, "New.Person@example.com", roleId="role_admin")
    membership = assert_envelope(accept(client, admin, made["token"], firstName="New",
                                        lastName="Person"), 201)
    assert membership["organizationId"] == org["id"] and membership["roleId"] == "role_admin"
    assert membership["user"]["email"] == "New.Person@example.com"
    assert (membership["user"]["firstName"], membership["user"]["lastName"]) == ("New", "Person")
    invitation = assert_envelope(client.simulate_get(f"{V1}/invitations/{made['id']}",
                                                     headers=admin), 200)
    assert invitation["state"] == "accepted"
    assert invitation["acceptedUserId"] == membership["userId"]
    assert [e["id"] for e in events("invitation.accepted")] == [made["id"]]
    assert [e["userId"] for e in events("membership.created")] == [membership["userId"]]
    assert len(events("user.created")) == 1


def test_a_used_or_revoked_token_is_409_and_changes_nothing(client, admin, make, org):
    used = make.invitation(org, "used@example.com")
    assert_envelope(accept(client, admin, used["token"]), 201)
    assert_envelope(accept(client, admin, used["token"]), 409, "GR_INVITATION_NOT_PENDING", "token")
    revoked = make.invitation(org, "revoked@example.com")
    shown = assert_envelope(client.simulate_post(f"{V1}/invitations/{revoked['id']}/revoke",
                                                 headers=admin), 200)
    assert shown["state"] == "revoked"
    assert_envelope(accept(client, admin, revoked["token"]), 409, "GR_INVITATION_NOT_PENDING")
    assert_envelope(client.simulate_post(f"{V1}/invitations/{revoked['id']}/revoke", headers=admin),
                    409, "GR_INVITATION_NOT_PENDING", "id")
    assert_envelope(client.simulate_post(f"{V1}/invitations/{used['id']}/resend", headers=admin),
                    409, "GR_INVITATION_NOT_PENDING")
    users = assert_envelope(client.simulate_get(f"{V1}/users", headers=admin), 200)
    assert [u["email"] for u in users] == ["used@example.com"]
    assert [e["id"] for e in events("invitation.revoked")] == [revoked["id"]]


def test_a_token_accepted_by_racing_callers_makes_one_membership(client, admin, make, org):
    made = make.invitation(org, "racer@example.com")
    results = race(8, lambda i: accept(client, admin, made["token"]))
    assert sorted(r.status_code for r in results) == [201] + [409] * 7
    assert len(events("membership.created")) == 1 and len(events("user.created")) == 1


def test_an_unknown_token_is_404_naming_the_token(client, admin):
    error = assert_envelope(accept(client, admin, "gr_inv_nothing"), 404, "GR_NOT_FOUND", "token")
    assert "gr_inv_nothing" not in error["message"]


def test_an_expired_token_is_410_and_the_expiry_is_recorded_with_its_event(
        client, admin, make, org, clock):
    made = make.invitation(org, "late@example.com", expiresInDays=1)
    clock.advance(days=1)
    shown = assert_envelope(client.simulate_get(f"{V1}/invitations/{made['id']}", headers=admin), 200)
    assert shown["state"] == "expired"  # shown as expired before anything records it
    assert events("invitation.expired") == []
    assert_envelope(accept(client, admin, made["token"]), 410, "GR_INVITATION_EXPIRED", "token")
    [expired] = events("invitation.expired")
    assert expired["id"] == made["id"] and expired["state"] == "expired"
    assert assert_envelope(client.simulate_get(f"{V1}/users", headers=admin), 200) == []
    assert_envelope(accept(client, admin, made["token"]), 410, "GR_INVITATION_EXPIRED")
    assert len(events("invitation.expired")) == 1


def test_expiry_events_go_out_with_the_next_invitation_write(client, admin, make, org, clock):
    first = make.invitation(org, "a@example.com", expiresInDays=1)
    clock.advance(days=2)
    make.invitation(org, "b@example.com")
    assert [e["id"] for e in events("invitation.expired")] == [first["id"]]


def test_resending_voids_the_old_token_and_renews_an_expired_invitation(
        client, admin, make, org, clock):
    made = make.invitation(org, "again@example.com", expiresInDays=1)
    clock.advance(days=3)
    resent = assert_envelope(client.simulate_post(f"{V1}/invitations/{made['id']}/resend",
                                                  headers=admin, json={"expiresInDays": 2}), 200)
    assert resent["state"] == "pending" and resent["token"] != made["token"]
    assert resent["expiresAt"] == "2026-01-20T10:30:00Z"
    assert resent["acceptUrl"] == TEMPLATE.format(token=resent["token"])
    assert [e["token"] for e in events("invitation.resent")] == [resent["token"]]
    assert_envelope(accept(client, admin, made["token"]), 404, "GR_NOT_FOUND", "token")
    assert_envelope(accept(client, admin, resent["token"]), 201)


def test_inviting_a_member_is_409(client, admin, make, org):
    user = make.user(email="member@example.com")
    make.membership(org, user)
    result = client.simulate_post(f"{V1}/invitations", headers=admin, json={
        "email": "MEMBER@example.com", "organizationId": org["id"]})
    assert_envelope(result, 409, "GR_DUPLICATE_MEMBERSHIP", "email")


def test_expires_in_days_takes_any_json_integer(make, org):
    """7.0 is an integer to JSON Schema, which the OpenAPI document publishes."""
    assert make.invitation(org, "x@example.com", expiresInDays=3.0)["expiresAt"] == (
        "2026-01-18T10:30:00Z")


def test_accepting_after_joining_another_way_is_409_and_keeps_it_pending(client, admin, make, org):
    made = make.invitation(org, "meanwhile@example.com")
    make.membership(org, make.user(email="meanwhile@example.com"))
    assert_envelope(accept(client, admin, made["token"]), 409, "GR_DUPLICATE_MEMBERSHIP")
    shown = client.simulate_get(f"{V1}/invitations/{made['id']}", headers=admin)
    assert assert_envelope(shown, 200)["state"] == "pending"


@pytest.mark.parametrize("body, field", [
    ({"email": "x@example.com", "expiresInDays": 0}, "expiresInDays"),
    ({"email": "x@example.com", "expiresInDays": 2.5}, "expiresInDays"),
    ({"email": "x@example.com", "expiresInDays": 91}, "expiresInDays"),
    ({"email": "not an email"}, "email"),
    ({"email": "x@example.com", "roleId": "role_nope"}, "roleId"),
])
def test_bad_invitations_are_refused_naming_the_field(client, admin, org, body, field):
    result = client.simulate_post(f"{V1}/invitations", headers=admin,
                                  json={"organizationId": org["id"], **body})
    assert result.status_code in (400, 404)
    assert_envelope(result, result.status_code, field=field)
    assert events("invitation.created") == []


def test_lists_filter_by_organization_email_and_shown_state(client, admin, make, clock):
    one, two = make.org(), make.org()
    a = make.invitation(one, "a@example.com", expiresInDays=1)
    b = make.invitation(two, "B@example.com")
    clock.advance(days=2)

    def ids(query):
        found = client.simulate_get(f"{V1}/invitations", headers=admin, query_string=query)
        return [i["id"] for i in assert_envelope(found, 200)]

    assert ids(f"organizationId={one['id']}") == [a["id"]]
    assert ids("email=b@EXAMPLE.com") == [b["id"]]
    assert ids("state=expired") == [a["id"]]
    assert ids("state=pending") == [b["id"]]
    assert_envelope(client.simulate_get(f"{V1}/invitations", headers=admin,
                                        query_string="state=lost"), 400, field="state")


def test_accepting_needs_an_api_key(client, make, org):
    made = make.invitation(org, "anon@example.com")
    result = client.simulate_post(f"{V1}/invitations/accept", json={"token": made["token"]})
    assert_envelope(result, 401, "GR_UNAUTHORIZED")


def test_an_organization_scoped_key_takes_in_a_user_of_another_organization_by_invitation(
        client, admin, keys, make):
    home, other = make.org(), make.org()
    user = make.user(email="shared@example.com")
    make.membership(other, user)
    scoped = keys.headers("invitations:write", "invitations:read", "users:create", org=home["id"])
    refused = client.simulate_post(f"{V1}/memberships", headers=scoped,
                                   json={"organizationId": home["id"], "userId": user["id"]})
    assert_envelope(refused, 403, "GR_ORG_SCOPE_VIOLATION", "userId")
    made = assert_envelope(client.simulate_post(f"{V1}/invitations", headers=scoped, json={
        "email": "shared@example.com", "organizationId": home["id"]}), 201)
    membership = assert_envelope(accept(client, scoped, made["token"]), 201)
    assert (membership["userId"], membership["organizationId"]) == (user["id"], home["id"])
    memberships = assert_envelope(client.simulate_get(f"{V1}/memberships", headers=admin,
                                                      query_string=f"userId={user['id']}"), 200)
    assert {m["organizationId"] for m in memberships} == {home["id"], other["id"]}


def test_organization_scoped_keys_see_and_make_their_organizations_invitations_only(
        client, keys, make):
    home, other = make.org(), make.org()
    mine = make.invitation(home, "mine@example.com")
    theirs = make.invitation(other, "theirs@example.com")
    scoped = keys.headers("invitations:write", "invitations:read", org=home["id"])
    listed = assert_envelope(client.simulate_get(f"{V1}/invitations", headers=scoped), 200)
    assert [i["id"] for i in listed] == [mine["id"]]
    for method, path in (("GET", ""), ("POST", "/revoke"), ("POST", "/resend")):
        result = client.simulate_request(method, f"{V1}/invitations/{theirs['id']}{path}",
                                         headers=scoped)
        assert_envelope(result, 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_post(f"{V1}/invitations", headers=scoped, json={
        "email": "x@example.com", "organizationId": other["id"]}), 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(accept(client, scoped, theirs["token"]), 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_get(f"{V1}/invitations", headers=scoped,
                                        query_string=f"organizationId={other['id']}"),
                    403, "GR_ORG_SCOPE_VIOLATION")


def test_the_accept_url_template_is_checked_at_start_and_read_from_the_environment(tmp_path):
    with pytest.raises(goldenrecord.ConfigError, match="invitations.accept_url_template"):
        apps.config_for(tmp_path / "x.db", **{"invitations.accept_url_template": "https://x/"})
    config = goldenrecord.load_config(env={
        "GOLDENRECORD_INVITATIONS_ACCEPT_URL_TEMPLATE": TEMPLATE})
    assert config.invitations.accept_url_template == TEMPLATE
