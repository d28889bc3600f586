"""SCIM 2.0's service (issue 23): discovery documents, authentication by an
organization-scoped `scim:write` key, and errors in SCIM's format under /scim/v2/ only."""
import random

import pytest

from scim_support import CONTENT, GROUP, SCIM, USER, scim_error

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
from support import assert_envelope


@pytest.fixture
def idp(keys, make):
    return keys.headers("scim:write", org=make.org()["id"])



def test_service_provider_config_declares_what_is_served(client, idp):
    result = client.simulate_get(f"{SCIM}/ServiceProviderConfig", headers=idp)
    assert result.status_code == 200 and result.headers["content-type"] == CONTENT
    config = result.json
    assert config["patch"] == {"supported": True} and config["etag"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["bulk"]["supported"] is False and config["sort"] == {"supported": False}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_and_schemas(client, idp):
    types = client.simulate_get(f"{SCIM}/ResourceTypes", headers=idp).json
    assert types["totalResults"] == len(types["Resources"])
    user = {r["id"]: r for r in types["Resources"]}["User"]
    assert user["endpoint"] == "/Users"
    schemas = client.simulate_get(f"{SCIM}/Schemas", headers=idp).json
    [user_schema] = [s for s in schemas["Resources"] if s["id"] == user["schema"]]
    names = {a["name"] for a in user_schema["attributes"]}
    assert {"userName", "name", "emails", "active", "externalId"} <= names
    one = client.simulate_get(f"{SCIM}/Schemas/{user['schema']}", headers=idp)
    assert one.status_code == 200 and one.json == user_schema
    assert client.simulate_get(f"{SCIM}/ResourceTypes/User", headers=idp).json == user
    scim_error(client.simulate_get(f"{SCIM}/ResourceTypes/Nothing", headers=idp), 404)
    # what is declared is what is enforced: a user needs an email (emails, or a userName
    # that is one) and is active or not; a group member is a reference to a User
    attributes = {a["name"]: a for a in user_schema["attributes"]}
    assert attributes["emails"]["required"] and attributes["active"]["required"]
    assert attributes["emails"]["mutability"] == "readWrite"
    [group_schema] = [s for s in schemas["Resources"] if s["name"] == "Group"]
    [members] = [a for a in group_schema["attributes"] if a["name"] == "members"]
    assert {a["name"]: a.get("referenceTypes") for a in members["subAttributes"]} == {
        "value": None, "$ref": ["User"]}


def test_search_over_every_resource_type(client, idp):
    """POST /.search (RFC 7644 §3.4.3): the query in a SearchRequest body, over Users then
    Groups, as one ListResponse; its parameters are checked as the URL's are."""
    user = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
        "schemas": [USER], "userName": "E-9", "emails": [{"value": "nine@acme.example"}]}).json
    group = client.simulate_post(f"{SCIM}/Groups", headers=idp, json={
        "schemas": [GROUP], "displayName": "Nines", "members": [{"value": user["id"]}]}).json
    search = {"schemas": [SEARCH]}
    found = client.simulate_post(f"{SCIM}/.search", headers=idp, json=search)
    assert found.status_code == 200 and found.headers["content-type"] == CONTENT
    assert [r["id"] for r in found.json["Resources"]] == [user["id"], group["id"]]
    assert found.json["totalResults"] == 2
    named = client.simulate_post(f"{SCIM}/.search", headers=idp, json={
        **search, "filter": 'displayName eq "Nines" or userName eq "e-9"',
        "attributes": ["displayName"], "startIndex": 2, "count": 5}).json
    assert named["totalResults"] == 2 and named["startIndex"] == 2
    assert named["Resources"] == [{"schemas": [GROUP], "id": group["id"],
                                   "displayName": "Nines"}]
    for bad, field, kind in (({"attributes": "displayName"}, "attributes", "invalidValue"),
                             ({"count": "ten"}, "count", "invalidValue"),
                             ({"filter": "displayName eq"}, "filter", "invalidFilter")):
        refused = client.simulate_post(f"{SCIM}/.search", headers=idp, json={**search, **bad})
        assert field in scim_error(refused, 400, kind)["detail"]
def test_without_a_key_the_refusal_is_a_scim_error_with_the_challenge(client):
    result = client.simulate_get(f"{SCIM}/Users")
    scim_error(result, 401)
    assert result.headers["www-authenticate"] == "Bearer"
    scim_error(client.simulate_get(f"{SCIM}/Users", headers={"Authorization": "Bearer nope"}),
               401)


def test_a_global_key_is_refused_scim_acts_in_one_organization(client, keys, admin):
    for headers in (admin, keys.headers("scim:write")):
        refused = scim_error(client.simulate_get(f"{SCIM}/Users", headers=headers), 403)
        assert "organization-scoped" in refused["detail"]


def test_scim_errors_stay_under_scim_the_api_keeps_its_envelope(client, idp):
    scim_error(client.simulate_get(f"{SCIM}/Nothing", headers=idp), 404)
    scim_error(client.simulate_post(f"{SCIM}/Schemas", headers=idp), 405)
    assert_envelope(client.simulate_get("/api/v1/nothing", headers=idp), 404, "GR_NOT_FOUND")
    assert_envelope(client.simulate_get("/api/v1/users", headers=idp), 403, "GR_FORBIDDEN")


def test_random_filters_never_answer_500(client, idp):
    """Fuzzing the filter from its own alphabet: every answer is 200 or a 400."""
    pieces = ['userName', 'emails', '[', ']', '(', ')', ' eq ', ' and ', ' or ', 'not ', ' pr',
              '"x"', '.value', 'type', ' sw ', 'true', '1', '\\"', 'urn:a:b:', ' ', '"']
    rng = random.Random(23)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        result = client.simulate_get(f"{SCIM}/Users", headers=idp, params={"filter": text})
        assert result.status_code in (200, 400), (text, result.text)
