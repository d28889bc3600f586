"""SCIM 2.0 Groups (issue 23): an organization's IdP groups of its members."""
import pytest

from scim_support import idp, org  # noqa: F401  (fixtures)
from scim_support import CONTENT, GROUP, PATCH, SCIM, USER, idp_headers, scim_error
from support import assert_envelope


@pytest.fixture
def people(client, idp):
    """Three members provisioned through SCIM: their ids."""
    ids = []
    for name in ("ann", "ben", "cat"):
        result = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
            "schemas": [USER], "userName": f"{name}@acme.example"})
        assert result.status_code == 201, result.text
        ids.append(result.json["id"])
    return ids


def make_group(client, idp, name="Engineering", members=()):
    result = client.simulate_post(f"{SCIM}/Groups", headers=idp, json={
        "schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]})
    assert result.status_code == 201, result.text
    return result.json


def member_ids(document):
    return sorted(m["value"] for m in document["members"])



def test_create_get_list_and_filter(client, idp, people, clock):
    eng = make_group(client, idp, members=people[:2], name="Engineering")
    clock.advance(seconds=1)
    ops = make_group(client, idp, members=people[2:], name="Ops")
    assert member_ids(eng) == sorted(people[:2])
    # a member is its id and its reference, as sent (display and type are not served: a
    # client comparing what it sent with what it gets back finds the same)
    assert all(set(m) == {"value", "$ref"} and m["$ref"].endswith(f"/Users/{m['value']}")
               for m in eng["members"])
    fetched = client.simulate_get(f"{SCIM}/Groups/{eng['id']}", headers=idp)
    assert fetched.json == eng and fetched.headers["etag"] == eng["meta"]["version"]
    listed = client.simulate_get(f"{SCIM}/Groups", headers=idp).json
    assert [g["id"] for g in listed["Resources"]] == [eng["id"], ops["id"]]

    def ids(flt, **more):
        found = client.simulate_get(f"{SCIM}/Groups", headers=idp,
                                    params={"filter": flt, **more}).json
        return [g["id"] for g in found["Resources"]]

    assert ids('displayName eq "ops"') == [ops["id"]]
    assert ids(f'members[value eq "{people[0]}"]') == [eng["id"]]
    lean = client.simulate_get(f"{SCIM}/Groups", headers=idp,
                               params={"excludedAttributes": "members"}).json["Resources"]
    assert all("members" not in g for g in lean)


def test_a_display_name_is_unique_in_the_organization(client, idp, keys, make):
    make_group(client, idp)
    scim_error(client.simulate_post(f"{SCIM}/Groups", headers=idp, json={
        "schemas": [GROUP], "displayName": "Engineering"}), 409, "uniqueness")
    elsewhere = idp_headers(keys, make.org()["id"])
    make_group(client, elsewhere)  # another organization's name space


def test_members_must_be_members_of_the_organization(client, idp, make):
    stranger = make.user()
    refused = client.simulate_post(f"{SCIM}/Groups", headers=idp, json={
        "schemas": [GROUP], "displayName": "G", "members": [{"value": stranger["id"]}]})
    assert "not a member" in scim_error(refused, 400, "invalidValue")["detail"]
    assert client.simulate_get(f"{SCIM}/Groups", headers=idp).json["totalResults"] == 0


def _patch(client, idp, group_id, *operations):
    result = client.simulate_patch(f"{SCIM}/Groups/{group_id}", headers=idp, json={
        "schemas": [PATCH], "Operations": list(operations)})
    assert result.status_code == 200, result.text
    return result.json


def test_patch_members_in_entra_ids_and_oktas_forms(client, idp, people):
    group = make_group(client, idp, members=people[:1])
    added = _patch(client, idp, group["id"],
                   {"op": "Add", "path": "members", "value": [{"value": people[1]},
                                                              {"value": people[2]}]})
    assert member_ids(added) == sorted(people)
    assert added["meta"]["version"] != group["meta"]["version"]
    entra = _patch(client, idp, group["id"],
                   {"op": "Remove", "path": f'members[value eq "{people[0]}"]'})
    assert member_ids(entra) == sorted(people[1:])
    okta = _patch(client, idp, group["id"],
                  {"op": "remove", "path": "members", "value": [{"value": people[1]}]},
                  {"op": "replace", "value": {"displayName": "Platform"}})
    assert member_ids(okta) == [people[2]] and okta["displayName"] == "Platform"


def test_put_replaces_and_delete_removes_only_the_group(client, idp, people, admin, org):
    group = make_group(client, idp, members=people)
    replaced = client.simulate_put(f"{SCIM}/Groups/{group['id']}", headers=idp, json={
        "schemas": [GROUP], "displayName": "Renamed", "externalId": "g-1",
        "members": [{"value": people[0]}]})
    assert replaced.status_code == 200
    assert replaced.json["displayName"] == "Renamed" and member_ids(replaced.json) == [people[0]]
    deleted = client.simulate_delete(f"{SCIM}/Groups/{group['id']}", headers=idp)
    assert deleted.status_code == 204
    scim_error(client.simulate_get(f"{SCIM}/Groups/{group['id']}", headers=idp), 404)
    members = assert_envelope(client.simulate_get("/api/v1/memberships", headers=admin,
                                                  params={"organizationId": org["id"]}), 200)
    assert len(members) == 3


def test_group_changes_are_audited_as_the_idps_key(client, store, org, admin, people):
    key, plaintext = store.api_keys.create(name="entra", scopes=["scim:write"],
                                           organization_id=org["id"])
    idp = {"Authorization": f"Bearer {plaintext}", "Content-Type": CONTENT}
    group = make_group(client, idp, members=people[:1])
    entries = assert_envelope(client.simulate_get("/api/v1/audit-logs", headers=admin,
                                                  params={"actor": key.id, "limit": 100}), 200)
    # one entry per row, named by its event (the row's before/after), none twice
    actions = sorted(e["action"] for e in entries)
    assert actions.count("group.created") == 1 and actions.count("group.member_added") == 1
    assert not {"scim_group.created", "scim_group_member.created"} & set(actions)
    # a row with a two-column key is named by its parts joined by "/", not a tuple's text
    [added] = [e for e in entries if e["action"] == "group.member_added"]
    assert added["target"] == {"type": "scim_group_member", "id": f"{group['id']}/{people[0]}"}


def test_another_organizations_group_is_not_found(client, idp, keys, make):
    elsewhere = idp_headers(keys, make.org()["id"])
    theirs = make_group(client, elsewhere)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        result = client.simulate_request(method, f"{SCIM}/Groups/{theirs['id']}", headers=idp,
                                         json={"schemas": [GROUP], "displayName": "X"})
        scim_error(result, 404)
