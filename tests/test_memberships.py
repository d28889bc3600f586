import pytest

from goldenrecord.store.models import Event
from support import assert_envelope

MEMBERSHIPS = "/api/v1/memberships"
MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_expands_user_org_and_role(client, admin, make):
    org = make.org(name="Acme Corporation", slug="acme-corp")
    user = make.user(email="john.doe@acme.com", firstName="John", lastName="Doe")
    body = {"organizationId": org["id"], "userId": user["id"], "roleId": "role_admin", "isOwner": True}
    membership = assert_envelope(client.simulate_post(MEMBERSHIPS, json=body, headers=admin), 201)
    assert membership["id"].startswith("mem_")
    assert membership["isOwner"] is True
    assert membership["user"] == {"id": user["id"], "email": "john.doe@acme.com",
                                  "firstName": "John", "lastName": "Doe"}
    assert membership["organization"] == {"id": org["id"], "name": "Acme Corporation", "slug": "acme-corp"}
    assert membership["role"] == {"id": "role_admin", "name": "Admin", "slug": "admin"}
    listed = assert_envelope(client.simulate_get(MEMBERSHIPS, headers=admin), 200)
    assert listed == [membership]


def test_role_defaults_to_member(client, admin, make):
    membership = make.membership(make.org(), make.user())
    assert membership["role"]["slug"] == "member" and membership["isOwner"] is False


def test_member_at_most_once(client, admin, make):
    org, user = make.org(), make.user()
    make.membership(org, user)
    again = client.simulate_post(MEMBERSHIPS, json={"organizationId": org["id"], "userId": user["id"]},
                                 headers=admin)
    assert_envelope(again, 409, "GR_DUPLICATE_MEMBERSHIP", "userId")


@pytest.mark.parametrize("which, code, field", [
    ("organizationId", "GR_ORG_NOT_FOUND", "organizationId"),
    ("userId", "GR_USER_NOT_FOUND", "userId"),
])
def test_missing_references_are_404_naming_the_field(client, admin, make, which, code, field):
    body = {"organizationId": make.org()["id"], "userId": make.user()["id"], which: MISSING}
    assert_envelope(client.simulate_post(MEMBERSHIPS, json=body, headers=admin), 404, code, field)


def test_unknown_role_is_404_naming_role(client, admin, make):
    body = {"organizationId": make.org()["id"], "userId": make.user()["id"], "roleId": "role_nope"}
    assert_envelope(client.simulate_post(MEMBERSHIPS, json=body, headers=admin), 404, "GR_NOT_FOUND", "roleId")
    assert client.simulate_get(MEMBERSHIPS, headers=admin).json["meta"]["total"] == 0


@pytest.mark.parametrize("body, field", [
    ({"userId": MISSING}, "organizationId"),
    ({"organizationId": "nope", "userId": MISSING}, "organizationId"),
    ({"organizationId": MISSING, "userId": MISSING, "isOwner": "true"}, "isOwner"),
    ({"organizationId": MISSING, "userId": MISSING, "roleId": "bad id!"}, "roleId"),
])
def test_create_validation(client, admin, body, field):
    assert_envelope(client.simulate_post(MEMBERSHIPS, json=body, headers=admin), 400,
                    "GR_VALIDATION_ERROR", field)


def test_filters(client, admin, make):
    a, b = make.org(), make.org()
    u1, u2 = make.user(), make.user()
    make.membership(a, u1)
    make.membership(a, u2)
    make.membership(b, u1)

    def ids(**params):
        result = client.simulate_get(MEMBERSHIPS, params=params, headers=admin)
        return sorted((m["organizationId"], m["userId"]) for m in assert_envelope(result, 200))

    assert ids(organizationId=a["id"]) == sorted([(a["id"], u1["id"]), (a["id"], u2["id"])])
    assert ids(userId=u1["id"]) == sorted([(a["id"], u1["id"]), (b["id"], u1["id"])])
    assert ids(organizationId=b["id"], userId=u1["id"]) == [(b["id"], u1["id"])]


def test_update_role_and_owner(client, admin, make, clock):
    membership = make.membership(make.org(), make.user())
    clock.advance(seconds=30)
    result = client.simulate_put(f"{MEMBERSHIPS}/{membership['id']}",
                                 json={"roleId": "role_admin", "isOwner": True}, headers=admin)
    updated = assert_envelope(result, 200)
    assert updated["role"]["slug"] == "admin" and updated["roleId"] == "role_admin"
    assert updated["isOwner"] is True
    assert updated["updatedAt"] == "2026-01-15T10:30:30Z"


def test_delete(client, admin, make):
    membership = make.membership(make.org(), make.user())
    url = f"{MEMBERSHIPS}/{membership['id']}"
    assert assert_envelope(client.simulate_delete(url, headers=admin), 200) == {
        "id": membership["id"], "deleted": True}
    assert_envelope(client.simulate_get(url, headers=admin), 404, "GR_NOT_FOUND")
    assert_envelope(client.simulate_delete(url, headers=admin), 404, "GR_NOT_FOUND")


def test_malformed_membership_id_is_400(client, admin):
    assert_envelope(client.simulate_get(f"{MEMBERSHIPS}/bad%20id", headers=admin), 400,
                    "GR_VALIDATION_ERROR", "id")


# Issue 19: a membership's status, roles of its own organization, and changes that change
# nothing.

def _membership_events(store):
    return [e.type for e in Event.select().order_by(Event.created_at, Event.id)
            if e.type == "membership.updated"]


def test_a_membership_starts_active_and_is_deactivated_and_reactivated(client, admin, make, store,
                                                                      clock):
    membership = make.membership(make.org(), make.user())
    assert membership["status"] == "active"
    url = f"{MEMBERSHIPS}/{membership['id']}"
    clock.advance(seconds=30)
    inactive = assert_envelope(client.simulate_post(f"{url}/deactivate", headers=admin), 200)
    assert inactive["status"] == "inactive" and inactive["updatedAt"] == "2026-01-15T10:30:30Z"
    assert {k: v for k, v in inactive.items() if k not in ("status", "updatedAt")} == {
        k: v for k, v in membership.items() if k not in ("status", "updatedAt")}
    assert assert_envelope(client.simulate_get(url, headers=admin), 200) == inactive
    again = assert_envelope(client.simulate_post(f"{url}/deactivate", headers=admin), 200)
    assert again == inactive  # already inactive: nothing changes, nothing is emitted
    assert _membership_events(store) == ["membership.updated"]
    active = assert_envelope(client.simulate_post(f"{url}/reactivate", headers=admin), 200)
    assert active["status"] == "active"
    assert _membership_events(store) == ["membership.updated"] * 2
    listed = client.simulate_get(MEMBERSHIPS, headers=admin).json["data"]
    assert [m["status"] for m in listed] == ["active"]


def test_status_changes_are_404_for_a_missing_membership(client, admin):
    for action in ("deactivate", "reactivate"):
        assert_envelope(client.simulate_post(f"{MEMBERSHIPS}/mem_nope/{action}", headers=admin),
                        404, "GR_NOT_FOUND")


def test_an_organization_scoped_key_deactivates_its_organization_only(client, admin, make, keys):
    org, other = make.org(), make.org()
    theirs = make.membership(other, make.user())
    scoped = keys.headers("users:update", org=org["id"])
    result = client.simulate_post(f"{MEMBERSHIPS}/{theirs['id']}/deactivate", headers=scoped)
    assert_envelope(result, 403, "GR_ORG_SCOPE_VIOLATION")
    url = f"{MEMBERSHIPS}/{theirs['id']}"
    assert assert_envelope(client.simulate_get(url, headers=admin), 200)["status"] == "active"


def test_a_role_of_another_organization_is_400_on_role_id(client, admin, make, store):
    org, other = make.org(), make.org()
    role = assert_envelope(client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "theirs", "name": "Theirs", "organizationId": other["id"]}), 201)
    own = assert_envelope(client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "ours", "name": "Ours", "organizationId": org["id"]}), 201)
    membership = make.membership(org, make.user())
    url = f"{MEMBERSHIPS}/{membership['id']}"
    result = client.simulate_put(url, json={"roleId": role["id"], "isOwner": True}, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "roleId")
    assert assert_envelope(client.simulate_get(url, headers=admin), 200) == membership  # nothing applied
    changed = assert_envelope(client.simulate_put(url, json={"roleId": own["id"]}, headers=admin), 200)
    assert changed["role"] == {"id": own["id"], "name": "Ours", "slug": "ours"}
    assert _membership_events(store) == ["membership.updated"]


def test_an_update_that_changes_nothing_emits_nothing(client, admin, make, store):
    membership = make.membership(make.org(), make.user())
    url = f"{MEMBERSHIPS}/{membership['id']}"
    same = client.simulate_put(url, json={"roleId": "role_member", "isOwner": False}, headers=admin)
    assert assert_envelope(same, 200) == membership
    assert _membership_events(store) == []
