import pytest

from support import assert_envelope

USERS = "/api/v1/users"


def test_create_and_get_in_spec_shape(client, admin):
    body = {"email": "john.doe@acme.com", "firstName": "John", "lastName": "Doe",
            "avatarUrl": "https://example.com/avatar.jpg", "metadata": {"department": "Engineering"}}
    user = assert_envelope(client.simulate_post(USERS, json=body, headers=admin), 201)
    assert set(user) == {"id", "email", "firstName", "lastName", "avatarUrl", "workosUserId",
                         "isActive", "metadata", "externalId", "createdAt", "updatedAt"}
    assert user["workosUserId"] is None and user["isActive"] is True
    assert assert_envelope(client.simulate_get(f"{USERS}/{user['id']}", headers=admin), 200) == user


def test_email_unique_case_insensitively(client, admin, make):
    make.user(email="Jane@Example.com")
    result = client.simulate_post(USERS, json={"email": "jane@example.COM"}, headers=admin)
    assert_envelope(result, 409, "GR_DUPLICATE_EMAIL", "email")
    make.user(email="Åsa@example.com")
    unicode_twin = client.simulate_post(USERS, json={"email": "åsa@EXAMPLE.com"}, headers=admin)
    assert_envelope(unicode_twin, 409, "GR_DUPLICATE_EMAIL", "email")


def test_update_email_to_own_in_other_case_is_fine(client, admin, make):
    user = make.user(email="jo@example.com")
    result = client.simulate_put(f"{USERS}/{user['id']}", json={"email": "JO@example.com"}, headers=admin)
    assert assert_envelope(result, 200)["email"] == "JO@example.com"


def test_update_email_to_taken_is_409(client, admin, make):
    make.user(email="taken@example.com")
    user = make.user()
    result = client.simulate_put(f"{USERS}/{user['id']}", json={"email": "Taken@example.com"}, headers=admin)
    assert_envelope(result, 409, "GR_DUPLICATE_EMAIL", "email")


def test_update_is_partial(client, admin, make):
    user = make.user(firstName="John", lastName="Doe", metadata={"a": 1})
    result = client.simulate_put(f"{USERS}/{user['id']}", json={"lastName": "Smith", "isActive": False},
                                 headers=admin)
    updated = assert_envelope(result, 200)
    assert (updated["firstName"], updated["lastName"], updated["isActive"]) == ("John", "Smith", False)
    assert updated["metadata"] == {"a": 1}


def test_search_on_email_and_names(client, admin, make):
    make.user(email="ann@acme.com", firstName="Ann", lastName="Lee")
    make.user(email="bob@globex.com", firstName="Bob", lastName="Acmeson")
    make.user(email="cy@initech.com", firstName="Cy", lastName="Young")
    found = client.simulate_get(USERS, params={"search": "acme"}, headers=admin)
    assert {u["firstName"] for u in assert_envelope(found, 200)} == {"Ann", "Bob"}


def test_filter_by_organization(client, admin, make):
    org = make.org()
    inside, outside = make.user(), make.user()
    make.membership(org, inside)
    result = client.simulate_get(USERS, params={"organizationId": org["id"]}, headers=admin)
    assert [u["id"] for u in assert_envelope(result, 200)] == [inside["id"]]
    assert result.json["meta"]["total"] == 1
    assert outside["id"]


def test_delete_cascades_memberships(client, admin, make):
    org, user = make.org(), make.user()
    make.membership(org, user)
    assert assert_envelope(client.simulate_delete(f"{USERS}/{user['id']}", headers=admin), 200) == {
        "id": user["id"], "deleted": True}
    members = client.simulate_get("/api/v1/memberships", params={"organizationId": org["id"]},
                                  headers=admin)
    assert assert_envelope(members, 200) == []
    assert_envelope(client.simulate_delete(f"{USERS}/{user['id']}", headers=admin), 404,
                    "GR_USER_NOT_FOUND")


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": "not-an-email"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"email": "two@@example.com"}, "email"),
    ({"email": "a b@example.com"}, "email"),
    ({"email": "x" * 250 + "@example.com"}, "email"),
    ({"email": 42}, "email"),
    ({"email": "ok@example.com", "firstName": 1}, "firstName"),
    ({"email": "ok@example.com", "lastName": "x" * 101}, "lastName"),
    ({"email": "ok@example.com", "avatarUrl": "ftp://x"}, "avatarUrl"),
    ({"email": "ok@example.com", "workosUserId": "user_1"}, "workosUserId"),
    ({"email": "ok@example.com", "isActive": False}, "isActive"),
])
def test_create_validation(client, admin, body, field):
    assert_envelope(client.simulate_post(USERS, json=body, headers=admin), 400, "GR_VALIDATION_ERROR", field)
    assert client.simulate_get(USERS, headers=admin).json["meta"]["total"] == 0


def test_organization_filter_must_be_uuid(client, admin):
    result = client.simulate_get(USERS, params={"organizationId": "nope"}, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "organizationId")
