"""External ids on organizations and users: set on create and update, unique per type,
found by `/external/:externalId` and the `externalId=` list filter, within org scope."""
import pytest

from support import assert_envelope

V1 = "/api/v1"
KINDS = {
    "organizations": ("GR_ORG_NOT_FOUND", lambda make, **f: make.org(**f)),
    "users": ("GR_USER_NOT_FOUND", lambda make, **f: make.user(**f)),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_set_on_create_and_found_by_it(client, admin, make, kind):
    missing, new = KINDS[kind]
    row = new(make, externalId="crm-42")
    assert row["externalId"] == "crm-42"
    found = client.simulate_get(f"{V1}/{kind}/external/crm-42", headers=admin)
    assert assert_envelope(found, 200)["id"] == row["id"]
    listed = client.simulate_get(f"{V1}/{kind}", headers=admin, query_string="externalId=crm-42")
    assert [r["id"] for r in assert_envelope(listed, 200)] == [row["id"]]
    assert listed.json["meta"]["total"] == 1
    assert assert_envelope(client.simulate_get(f"{V1}/{kind}", headers=admin,
                                               query_string="externalId=crm-43"), 200) == []
    assert_envelope(client.simulate_get(f"{V1}/{kind}/external/crm-43", headers=admin), 404, missing)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unique_per_type_with_nulls_allowed(client, admin, make, kind):
    _, new = KINDS[kind]
    first = new(make, externalId="x-1")
    new(make), new(make)  # any number without one
    body = ({"name": "Dup", "slug": "dup"} if kind == "organizations"
            else {"email": "dup@example.com"})
    refused = client.simulate_post(f"{V1}/{kind}", headers=admin, json={**body, "externalId": "x-1"})
    assert_envelope(refused, 409, "GR_DUPLICATE_EXTERNAL_ID", "externalId")
    second = new(make)
    changed = client.simulate_put(f"{V1}/{kind}/{second['id']}", headers=admin,
                                  json={"externalId": "x-1"})
    assert_envelope(changed, 409, "GR_DUPLICATE_EXTERNAL_ID", "externalId")
    same = client.simulate_put(f"{V1}/{kind}/{first['id']}", headers=admin, json={"externalId": "x-1"})
    assert assert_envelope(same, 200)["externalId"] == "x-1"
    cleared = client.simulate_put(f"{V1}/{kind}/{first['id']}", headers=admin,
                                  json={"externalId": None})
    assert assert_envelope(cleared, 200)["externalId"] is None
    taken = client.simulate_put(f"{V1}/{kind}/{second['id']}", headers=admin,
                                json={"externalId": "x-1"})
    assert assert_envelope(taken, 200)["externalId"] == "x-1"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_at_most_128_characters(client, admin, make, kind):
    _, new = KINDS[kind]
    row = new(make, externalId="e" * 128)
    result = client.simulate_put(f"{V1}/{kind}/{row['id']}", headers=admin,
                                 json={"externalId": "e" * 129})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "externalId")
    result = client.simulate_get(f"{V1}/{kind}/external/{'e' * 129}", headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "externalId")


def test_a_staging_organization_is_found_by_external_id_but_listed_only_with_staging(
        client, admin, make):
    staging = make.org(verified=False, externalId="s-1")
    found = client.simulate_get(f"{V1}/organizations/external/s-1", headers=admin)
    assert assert_envelope(found, 200)["id"] == staging["id"]
    listed = client.simulate_get(f"{V1}/organizations", headers=admin, query_string="externalId=s-1")
    assert assert_envelope(listed, 200) == []
    listed = client.simulate_get(f"{V1}/organizations", headers=admin,
                                 query_string="externalId=s-1&includeStaging=true")
    assert [o["id"] for o in assert_envelope(listed, 200)] == [staging["id"]]


def test_organization_scoped_keys_find_only_their_own_by_external_id(client, keys, make):
    home = make.org(externalId="home")
    make.org(externalId="other")
    member = make.user(externalId="member")
    make.user(externalId="stranger")
    make.membership(home, member)
    scoped = keys.headers("organizations:read", "users:read", org=home["id"])
    assert assert_envelope(client.simulate_get(f"{V1}/organizations/external/home",
                                               headers=scoped), 200)["id"] == home["id"]
    assert_envelope(client.simulate_get(f"{V1}/organizations/external/other", headers=scoped),
                    403, "GR_ORG_SCOPE_VIOLATION")
    assert assert_envelope(client.simulate_get(f"{V1}/users/external/member",
                                               headers=scoped), 200)["id"] == member["id"]
    assert_envelope(client.simulate_get(f"{V1}/users/external/stranger", headers=scoped),
                    403, "GR_ORG_SCOPE_VIOLATION")
    assert assert_envelope(client.simulate_get(f"{V1}/users", headers=scoped,
                                               query_string="externalId=stranger"), 200) == []
    assert assert_envelope(client.simulate_get(f"{V1}/organizations", headers=scoped,
                                               query_string="externalId=other"), 200) == []
