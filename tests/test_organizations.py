import pytest

from support import assert_envelope

ORGS = "/api/v1/organizations"
MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_returns_staging_org_in_spec_shape(client, admin):
    body = {"name": "Acme Corporation", "slug": "acme-corp", "domain": "acme.com",
            "metadata": {"industry": "technology", "size": "enterprise"}}
    org = assert_envelope(client.simulate_post(ORGS, json=body, headers=admin), 201)
    assert set(org) == {"id", "name", "slug", "domain", "logoUrl", "workosOrgId", "isVerified",
                        "isActive", "metadata", "externalId", "createdAt", "updatedAt"}
    assert org["isVerified"] is False and org["isActive"] is True
    assert org["logoUrl"] is None and org["workosOrgId"] is None
    assert org["metadata"] == body["metadata"]
    assert org["createdAt"] == "2026-01-15T10:30:00Z"
    fetched = assert_envelope(client.simulate_get(f"{ORGS}/{org['id']}", headers=admin), 200)
    assert fetched == org


def test_list_hides_staging_unless_asked(client, admin, make):
    verified = make.org(verified=True)
    staging = make.org(verified=False)
    default = assert_envelope(client.simulate_get(ORGS, headers=admin), 200)
    assert [o["id"] for o in default] == [verified["id"]]
    everything = client.simulate_get(ORGS, params={"includeStaging": "true"}, headers=admin)
    assert {o["id"] for o in assert_envelope(everything, 200)} == {verified["id"], staging["id"]}
    assert everything.json["meta"]["total"] == 2


def test_search_on_name_or_slug(client, admin, make):
    make.org(name="Acme Corporation", slug="acme-corp")
    make.org(name="Globex", slug="globex-acmeish")
    make.org(name="Initech", slug="initech")
    found = client.simulate_get(ORGS, params={"search": "acme"}, headers=admin)
    assert {o["name"] for o in assert_envelope(found, 200)} == {"Acme Corporation", "Globex"}
    assert client.simulate_get(ORGS, params={"search": "ACME"}, headers=admin).json["meta"]["total"] == 2
    wild = client.simulate_get(ORGS, params={"search": "%"}, headers=admin)
    assert assert_envelope(wild, 200) == []


def test_update_is_partial_and_metadata_replaces(client, admin, make, clock):
    org = make.org(domain="acme.com", metadata={"a": 1, "b": 2})
    clock.advance(minutes=5)
    result = client.simulate_put(f"{ORGS}/{org['id']}", json={"name": "Acme 2", "metadata": {"c": 3}},
                                 headers=admin)
    updated = assert_envelope(result, 200)
    assert updated["name"] == "Acme 2"
    assert updated["domain"] == "acme.com"
    assert updated["metadata"] == {"c": 3}
    assert updated["updatedAt"] == "2026-01-15T10:35:00Z"
    assert updated["createdAt"] == org["createdAt"]


def test_update_clears_optional_fields_with_null(client, admin, make):
    org = make.org(domain="acme.com")
    result = client.simulate_put(f"{ORGS}/{org['id']}", json={"domain": None, "isActive": False},
                                 headers=admin)
    updated = assert_envelope(result, 200)
    assert updated["domain"] is None and updated["isActive"] is False


def test_update_to_taken_slug_is_409(client, admin, make):
    make.org(slug="taken")
    org = make.org()
    result = client.simulate_put(f"{ORGS}/{org['id']}", json={"slug": "taken"}, headers=admin)
    assert_envelope(result, 409, "GR_DUPLICATE_SLUG", "slug")
    same = client.simulate_put(f"{ORGS}/{org['id']}", json={"slug": org["slug"]}, headers=admin)
    assert_envelope(same, 200)


def test_duplicate_slug_is_409(client, admin, make):
    make.org(slug="acme")
    result = client.simulate_post(ORGS, json={"name": "Other", "slug": "acme"}, headers=admin)
    assert_envelope(result, 409, "GR_DUPLICATE_SLUG", "slug")


def test_verify_toggles_and_accepts_explicit_value(client, admin, make):
    org = make.org(verified=False)
    url = f"{ORGS}/{org['id']}/verify"
    first = assert_envelope(client.simulate_post(url, headers=admin), 200)
    assert first == {"id": org["id"], "isVerified": True, "message": "Organization verified successfully"}
    assert assert_envelope(client.simulate_post(url, headers=admin), 200)["isVerified"] is False
    explicit = client.simulate_post(url, json={"isVerified": False}, headers=admin)
    assert assert_envelope(explicit, 200)["isVerified"] is False
    explicit = client.simulate_post(url, json={"isVerified": True}, headers=admin)
    assert assert_envelope(explicit, 200)["isVerified"] is True
    assert_envelope(client.simulate_post(url, json={"isVerified": "yes"}, headers=admin), 400,
                    "GR_VALIDATION_ERROR", "isVerified")


def test_delete_cascades_memberships(client, admin, make):
    org, user = make.org(), make.user()
    membership = make.membership(org, user)
    result = client.simulate_delete(f"{ORGS}/{org['id']}", headers=admin)
    assert assert_envelope(result, 200) == {"id": org["id"], "deleted": True}
    assert_envelope(client.simulate_get(f"{ORGS}/{org['id']}", headers=admin), 404, "GR_ORG_NOT_FOUND")
    assert_envelope(client.simulate_get(f"/api/v1/memberships/{membership['id']}", headers=admin), 404,
                    "GR_NOT_FOUND")
    assert_envelope(client.simulate_get(f"/api/v1/users/{user['id']}", headers=admin), 200)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_missing_org_is_404(client, admin, method):
    kwargs = {"json": {"name": "x"}} if method == "PUT" else {}
    result = client.simulate_request(method, f"{ORGS}/{MISSING}", headers=admin, **kwargs)
    assert_envelope(result, 404, "GR_ORG_NOT_FOUND")
    assert_envelope(client.simulate_post(f"{ORGS}/{MISSING}/verify", headers=admin), 404, "GR_ORG_NOT_FOUND")


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "550e8400e29b41d4a716446655440000x"])
def test_malformed_id_is_400_naming_id(client, admin, bad):
    assert_envelope(client.simulate_get(f"{ORGS}/{bad}", headers=admin), 400, "GR_VALIDATION_ERROR", "id")


@pytest.mark.parametrize("body, field", [
    ({"slug": "a"}, "name"),
    ({"name": "A"}, "slug"),
    ({"name": "", "slug": "a"}, "name"),
    ({"name": "   ", "slug": "a"}, "name"),
    ({"name": 5, "slug": "a"}, "name"),
    ({"name": None, "slug": "a"}, "name"),
    ({"name": "x" * 201, "slug": "a"}, "name"),
    ({"name": "A", "slug": "Acme"}, "slug"),
    ({"name": "A", "slug": "acme--corp"}, "slug"),
    ({"name": "A", "slug": "-acme"}, "slug"),
    ({"name": "A", "slug": "acme_corp"}, "slug"),
    ({"name": "A", "slug": "a" * 101}, "slug"),
    ({"name": "A", "slug": "a", "domain": "not a domain"}, "domain"),
    ({"name": "A", "slug": "a", "logoUrl": "javascript:alert(1)"}, "logoUrl"),
    ({"name": "A", "slug": "a", "metadata": []}, "metadata"),
    ({"name": "A", "slug": "a", "metadata": "x"}, "metadata"),
    ({"name": "A", "slug": "a", "metadata": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}, "metadata"),
    ({"name": "A", "slug": "a", "metadata": {"big": "x" * 20000}}, "metadata"),
    ({"name": "A", "slug": "a", "isVerified": True}, "isVerified"),
    ({"name": "A\x00B", "slug": "a"}, "name"),
])
def test_create_validation_names_the_field_and_changes_nothing(client, admin, body, field):
    result = client.simulate_post(ORGS, json=body, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", field)
    assert client.simulate_get(ORGS, params={"includeStaging": "true"},
                               headers=admin).json["meta"]["total"] == 0


@pytest.mark.parametrize("body, field", [
    ({"isActive": "no"}, "isActive"),
    ({"slug": None}, "slug"),
    ({"id": "x"}, "id"),
    ({"createdAt": "2020-01-01T00:00:00Z"}, "createdAt"),
])
def test_update_validation(client, admin, make, body, field):
    org = make.org()
    result = client.simulate_put(f"{ORGS}/{org['id']}", json=body, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", field)
    assert client.simulate_get(f"{ORGS}/{org['id']}", headers=admin).json["data"] == org


def test_unicode_names_round_trip(client, admin):
    body = {"name": "Société Générale 日本 🚀", "slug": "societe"}
    org = assert_envelope(client.simulate_post(ORGS, json=body, headers=admin), 201)
    assert org["name"] == body["name"]
