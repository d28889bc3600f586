"""SCIM 2.0 Users (issue 23): an organization's IdP provisions its members through
/scim/v2/, with an organization-scoped key holding `scim:write`."""
import json

import pytest

from scim_support import idp, org  # noqa: F401  (fixtures)
from scim_support import CONTENT, PATCH, SCIM, USER, idp_headers, scim_error
from support import assert_envelope



def new_user(client, idp, email="jane@acme.example", **more):
    result = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
        "schemas": [USER], "userName": email, "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": email, "type": "work", "primary": True}], "active": True, **more})
    assert result.status_code == 201, result.text
    return result.json


def test_create_then_get(client, idp, admin, org):
    created = new_user(client, idp, externalId="okta-1")
    assert created["userName"] == "jane@acme.example"
    assert created["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert created["displayName"] == "Jane Doe"
    assert created["emails"] == [{"value": "jane@acme.example", "type": "work", "primary": True}]
    assert created["active"] is True and created["externalId"] == "okta-1"
    assert created["meta"]["location"].endswith(f"{SCIM}/Users/{created['id']}")
    fetched = client.simulate_get(f"{SCIM}/Users/{created['id']}", headers=idp)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == CONTENT
    assert fetched.json == created
    assert fetched.headers["etag"] == created["meta"]["version"]
    # the same user and membership the API shows
    user = assert_envelope(client.simulate_get(f"/api/v1/users/{created['id']}", headers=admin), 200)
    assert user["email"] == "jane@acme.example" and user["externalId"] == "okta-1"
    [membership] = assert_envelope(client.simulate_get(
        "/api/v1/memberships", headers=admin, query_string=f"userId={created['id']}"), 200)
    assert membership["organizationId"] == org["id"] and membership["status"] == "active"


def idp_key(store, org, name="okta"):
    key, plaintext = store.api_keys.create(name=name, scopes=["scim:write"],
                                           organization_id=org["id"])
    return key, {"Authorization": f"Bearer {plaintext}", "Content-Type": CONTENT}


def audit(client, admin, **params):
    return assert_envelope(client.simulate_get("/api/v1/audit-logs", headers=admin,
                                               params={"limit": 100, **params}), 200)


def membership_of(client, admin, user_id, org_id):
    found = assert_envelope(client.simulate_get("/api/v1/memberships", headers=admin,
                                                params={"userId": user_id}), 200)
    return {m["organizationId"]: m for m in found}.get(org_id)


def test_provisioning_emits_events_and_is_audited_as_the_idps_key(client, store, admin, org):
    key, idp = idp_key(store, org)
    created = new_user(client, idp)
    [entry] = audit(client, admin, action="user.created")
    assert entry["actor"] == {"type": "api_key", "id": key.id, "name": "okta"}
    assert entry["target"] == {"type": "user", "id": created["id"]}
    assert audit(client, admin, action="scim_user.created") == []  # userName = email: no row
    named = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
        "schemas": [USER], "userName": "E-77", "emails": [{"value": "e77@acme.example"}]})
    [entry] = audit(client, admin, action="scim_user.created")  # the IdP's userName, kept
    assert entry["actor"]["id"] == key.id and named.json["id"] in entry["target"]["id"]
    assert entry["changes"]["userName"] == {"before": None, "after": "E-77"}
    events = assert_envelope(client.simulate_get("/api/v1/events", headers=admin,
                                                 params={"limit": 100}), 200)
    assert {"user.created", "membership.created"} <= {e["event"] for e in events}
    patched = client.simulate_patch(f"{SCIM}/Users/{created['id']}", headers=idp, json={
        "schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert patched.status_code == 200, patched.text
    [deactivated] = audit(client, admin, action="membership.updated")
    assert deactivated["actor"]["id"] == key.id
    assert deactivated["changes"]["status"] == {"before": "active", "after": "inactive"}


def test_an_email_already_a_member_is_a_uniqueness_conflict(client, idp):
    new_user(client, idp)
    again = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
        "schemas": [USER], "userName": "JANE@acme.example"})
    scim_error(again, 409, "uniqueness")


def test_a_user_of_no_organization_is_linked_not_duplicated(client, idp, make, admin, org):
    existing = make.user(email="solo@acme.example")
    linked = new_user(client, idp, email="Solo@acme.example")
    assert linked["id"] == existing["id"]
    assert membership_of(client, admin, existing["id"], org["id"])["status"] == "active"


def test_a_user_of_another_organization_is_linked_only_at_a_domain_verified_here(
        client, store, idp, make, admin, org):
    other = make.org()
    shared = make.user(email="pat@acme.example")
    make.membership(other, shared)
    refused = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
        "schemas": [USER], "userName": "pat@acme.example"})
    assert "verify" in scim_error(refused, 409, "uniqueness")["detail"]
    assert membership_of(client, admin, shared["id"], org["id"]) is None  # nothing half made
    domain = store.domains.create(org["id"], domain="acme.example")
    store.domains.record_check(org["id"], domain.id, None)
    linked = new_user(client, idp, email="pat@acme.example")
    assert linked["id"] == shared["id"]
    users = assert_envelope(client.simulate_get("/api/v1/users", headers=admin,
                                                params={"search": "pat@acme.example"}), 200)
    assert [u["id"] for u in users] == [shared["id"]]  # linked, not duplicated
    assert membership_of(client, admin, shared["id"], other["id"])["status"] == "active"
    # a shared user's email is every organization's: the IdP cannot change it
    moved = client.simulate_put(f"{SCIM}/Users/{shared['id']}", headers=idp, json={
        "schemas": [USER], "userName": "pat@elsewhere.example"})
    scim_error(moved, 403, "mutability")


def test_create_refuses_bad_input_naming_the_attribute(client, idp):
    for body, named in (({"schemas": [USER]}, "userName"),
                        ({"schemas": [USER], "userName": "not-an-email"}, "userName"),
                        ({"schemas": [USER], "userName": "a@b.example", "active": "maybe"},
                         "active"),
                        ({"schemas": [USER], "userName": "a@b.example", "name": "Jo"}, "name")):
        result = client.simulate_post(f"{SCIM}/Users", headers=idp, json=body)
        assert named in scim_error(result, 400, "invalidValue")["detail"]
    wrong_type = client.simulate_post(f"{SCIM}/Users", body=json.dumps({"userName": "a@b.example"}),
                                      headers={**idp, "Content-Type": "text/plain"})
    scim_error(wrong_type, 400, "invalidValue")


def _list(client, idp, **params):
    result = client.simulate_get(f"{SCIM}/Users", headers=idp, params=params)
    assert result.status_code == 200, result.text
    assert result.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    return result.json


def test_list_filters(client, idp, keys, make, clock):
    jane = new_user(client, idp, externalId="okta-jane")
    clock.advance(seconds=1)  # members are listed in the order they joined
    bob = new_user(client, idp, email="bob@acme.example", externalId="okta-bob")
    outsider = make.org()
    new_user(client, idp_headers(keys, outsider["id"]),
             email="eve@acme.example")

    def ids(flt):
        return [r["id"] for r in _list(client, idp, filter=flt)["Resources"]]

    assert ids('userName eq "JANE@acme.example"') == [jane["id"]]
    assert ids('userName eq "eve@acme.example"') == []  # another organization's member
    assert ids('externalId eq "okta-bob"') == [bob["id"]]
    assert ids('externalId eq "OKTA-BOB"') == []  # externalId is case-exact
    assert ids('emails[type eq "work"].value eq "bob@acme.example"') == [bob["id"]]
    assert ids('emails[type eq "home"].value eq "bob@acme.example"') == []
    assert ids('userName eq "jane@acme.example" or externalId eq "okta-bob"') == [
        jane["id"], bob["id"]]
    assert ids('userName sw "b" and active eq true') == [bob["id"]]
    assert ids('not (userName sw "b")') == [jane["id"]]
    found = _list(client, idp, filter='userName eq "nobody@acme.example"')
    assert found["totalResults"] == 0 and found["Resources"] == []


def test_list_pages_by_start_index_and_count(client, idp, clock):
    made = []
    for i in range(5):
        made.append(new_user(client, idp, email=f"u{i}@acme.example")["id"])
        clock.advance(seconds=1)  # members are listed in the order they joined
    page = _list(client, idp, startIndex=2, count=2)
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == made[1:3]
    assert [r["id"] for r in _list(client, idp, startIndex=0, count=1)["Resources"]] == made[:1]
    assert _list(client, idp, count=0)["Resources"] == []
    assert len(_list(client, idp, count=10**5)["Resources"]) == 5  # capped at 200, not refused
    # RFC 7644 §3.4.2.4: a negative count is 0, a startIndex below 1 is 1
    negative = _list(client, idp, count=-3, startIndex=-2)
    assert negative["totalResults"] == 5 and negative["Resources"] == []
    assert negative["startIndex"] == 1
    filtered = _list(client, idp, filter='userName sw "u"', startIndex=4, count=10)
    assert filtered["totalResults"] == 5 and [r["id"] for r in filtered["Resources"]] == made[3:]


def test_attributes_and_excluded_attributes(client, idp):
    created = new_user(client, idp, externalId="x1")
    only = _list(client, idp, attributes="userName,name.givenName")["Resources"][0]
    assert only == {"schemas": [USER], "id": created["id"], "userName": created["userName"],
                    "name": {"givenName": "Jane"}}
    without = client.simulate_get(f"{SCIM}/Users/{created['id']}", headers=idp,
                                  params={"excludedAttributes": "emails,meta,name.familyName"})
    assert "emails" not in without.json and "meta" not in without.json
    assert without.json["name"] == {"givenName": "Jane"}
    bad = client.simulate_get(f"{SCIM}/Users", headers=idp, params={"attributes": "a b"})
    scim_error(bad, 400, "invalidPath")


@pytest.mark.parametrize("bad", [
    'userName eq', 'userName zz "x"', 'userName eq "x', '(' * 20 + 'userName pr' + ')' * 20,
    'userName eq "x" and', 'emails[type eq "work"', '"x" eq userName', 'userName eq x',
    'a' * 1001, 'userName eq "x" ] ', 'not userName pr', 'emails[value eq "x"].1 eq "y"'])
def test_a_bad_filter_is_invalid_filter_never_a_500(client, idp, bad):
    result = client.simulate_get(f"{SCIM}/Users", headers=idp, params={"filter": bad})
    assert result.status_code == 400, (bad, result.text)
    assert result.json["scimType"] in ("invalidFilter", "invalidValue")


def test_put_replaces_and_versions_change(client, idp, admin, org):
    created = new_user(client, idp, externalId="okta-1")
    replaced = client.simulate_put(f"{SCIM}/Users/{created['id']}", headers=idp, json={
        "schemas": [USER], "userName": "jane.doe@acme.example",
        "name": {"givenName": "Janet"}, "active": False})
    assert replaced.status_code == 200, replaced.text
    body = replaced.json
    assert body["userName"] == "jane.doe@acme.example" and body["active"] is False
    assert body["name"] == {"givenName": "Janet"}
    assert "externalId" not in body  # replaced: not given, so cleared
    assert body["meta"]["version"] != created["meta"]["version"]
    assert replaced.headers["etag"] == body["meta"]["version"]
    assert membership_of(client, admin, created["id"], org["id"])["status"] == "inactive"


def test_if_match_guards_changes_and_if_none_match_answers_304(client, idp):
    created = new_user(client, idp)
    path = f"{SCIM}/Users/{created['id']}"
    same = client.simulate_get(path, headers={**idp, "If-None-Match": created["meta"]["version"]})
    assert same.status_code == 304 and not same.content
    stale = client.simulate_put(path, headers={**idp, "If-Match": 'W/"old"'}, json={
        "schemas": [USER], "userName": "x@acme.example"})
    scim_error(stale, 412)
    assert client.simulate_get(path, headers=idp).json["userName"] == "jane@acme.example"
    current = client.simulate_put(path, headers={**idp, "If-Match": created["meta"]["version"]},
                                  json={"schemas": [USER], "userName": "x@acme.example"})
    assert current.status_code == 200


def _patch(client, idp, user_id, *operations):
    return client.simulate_patch(f"{SCIM}/Users/{user_id}", headers=idp, json={
        "schemas": [PATCH], "Operations": list(operations)})


def test_patch_in_oktas_form(client, idp, admin, org):
    """Okta deactivates with a path-less replace of `active`, and renames the same way."""
    created = new_user(client, idp)
    off = _patch(client, idp, created["id"], {"op": "replace", "value": {"active": False}})
    assert off.status_code == 200 and off.json["active"] is False
    assert membership_of(client, admin, created["id"], org["id"])["status"] == "inactive"
    renamed = _patch(client, idp, created["id"], {"op": "replace", "value": {
        "name": {"givenName": "Janet", "familyName": "Doe"}, "active": True}})
    assert renamed.json["name"]["givenName"] == "Janet" and renamed.json["active"] is True
    assert membership_of(client, admin, created["id"], org["id"])["status"] == "active"


def test_patch_in_entra_ids_form(client, idp, admin, org):
    """Entra ID capitalises ops, sends paths with sub-attributes and filters, and string
    booleans."""
    created = new_user(client, idp)
    result = _patch(client, idp, created["id"],
                    {"op": "Replace", "path": "name.givenName", "value": "Janet"},
                    {"op": "Add", "path": "externalId", "value": "entra-1"},
                    {"op": "Replace", "path": 'emails[type eq "work"].value',
                     "value": "ignored@acme.example"},
                    {"op": "Replace", "path": "active", "value": "False"})
    assert result.status_code == 200, result.text
    body = result.json
    assert body["name"]["givenName"] == "Janet" and body["externalId"] == "entra-1"
    assert body["active"] is False and body["userName"] == "jane@acme.example"
    # emails are the IdP's to set: the work one is the user's email now, userName stays
    assert body["emails"] == [{"value": "ignored@acme.example", "type": "work", "primary": True}]
    user = assert_envelope(client.simulate_get(f"/api/v1/users/{created['id']}", headers=admin),
                           200)
    assert user["email"] == "ignored@acme.example"
    removed = _patch(client, idp, created["id"], {"op": "Remove", "path": "externalId"})
    assert "externalId" not in removed.json


def test_a_bad_patch_is_refused_and_changes_nothing(client, idp):
    created = new_user(client, idp)
    path = f"{SCIM}/Users/{created['id']}"
    no_schema = client.simulate_patch(path, headers=idp, json={
        "Operations": [{"op": "replace", "value": {"active": False}}]})
    scim_error(no_schema, 400, "invalidSyntax")
    bad_op = _patch(client, idp, created["id"], {"op": "replace", "value": {"active": False}},
                    {"op": "move", "path": "active"})
    scim_error(bad_op, 400, "invalidSyntax")
    no_target = _patch(client, idp, created["id"],
                       {"op": "replace", "path": 'emails[type eq "home"].value', "value": "x"})
    scim_error(no_target, 400, "noTarget")
    bad_path = _patch(client, idp, created["id"], {"op": "replace", "path": "a[b", "value": 1})
    assert bad_path.status_code == 400
    assert client.simulate_get(path, headers=idp).json["active"] is True


def test_delete_deactivates_the_membership_and_the_user_stays(client, store, idp, admin, org,
                                                              make):
    """RFC 7644 §3.6: a deleted resource is 404 from then on; here the membership stays,
    inactive, and provisioning the same person again brings it back."""
    created = new_user(client, idp)
    other = make.org()
    make.membership(other, {"id": created["id"]})
    deleted = client.simulate_delete(f"{SCIM}/Users/{created['id']}", headers=idp)
    assert deleted.status_code == 204 and not deleted.content
    assert membership_of(client, admin, created["id"], org["id"])["status"] == "inactive"
    assert membership_of(client, admin, created["id"], other["id"])["status"] == "active"
    user = assert_envelope(client.simulate_get(f"/api/v1/users/{created['id']}", headers=admin),
                           200)
    assert user["isActive"] is True
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        gone = client.simulate_request(method, f"{SCIM}/Users/{created['id']}", headers=idp,
                                       json={"schemas": [PATCH, USER], "userName": "x",
                                             "Operations": [{"op": "add", "path": "active",
                                                             "value": True}]})
        scim_error(gone, 404)
    assert _list(client, idp)["totalResults"] == 0
    assert _list(client, idp, filter='userName eq "jane@acme.example"')["Resources"] == []
    back = new_user(client, idp)  # provisioned again: the same user, the membership back
    assert back["id"] == created["id"] and back["active"] is True
    assert membership_of(client, admin, created["id"], org["id"])["status"] == "active"


def test_another_organizations_user_is_not_found(client, idp, make):
    stranger = make.user()
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        result = client.simulate_request(method, f"{SCIM}/Users/{stranger['id']}", headers=idp,
                                         json={"schemas": [USER], "userName": "a@b.example"})
        scim_error(result, 404)


def _create(client, idp, **body):
    return client.simulate_post(f"{SCIM}/Users", headers=idp, json={"schemas": [USER], **body})


def test_user_name_is_the_idps_own_and_the_email_comes_from_emails(client, idp, admin):
    """userName need not be an email (scim2-tester, Entra's employee ids); the email is
    the primary entry of `emails`, else the work one, else the first."""
    primary = _create(client, idp, userName="E-1001", emails=[
        {"value": "home@acme.example", "type": "home"},
        {"value": "Main@acme.example", "type": "other", "primary": True}])
    assert primary.status_code == 201, primary.text
    assert primary.json["userName"] == "E-1001"
    assert primary.json["emails"] == [{"value": "home@acme.example", "type": "home"},
                                      {"value": "Main@acme.example", "type": "other",
                                       "primary": True}]
    user = assert_envelope(client.simulate_get(f"/api/v1/users/{primary.json['id']}",
                                               headers=admin), 200)
    assert user["email"] == "Main@acme.example"
    work = _create(client, idp, userName="E-1002", emails=[
        {"value": "x2@home.example", "type": "home"}, {"value": "x2@acme.example", "type": "work"}])
    first = _create(client, idp, userName="E-1003", emails=[{"value": "x3@acme.example"}])
    emails = {r.json["userName"]: assert_envelope(client.simulate_get(
        f"/api/v1/users/{r.json['id']}", headers=admin), 200)["email"] for r in (work, first)}
    assert emails == {"E-1002": "x2@acme.example", "E-1003": "x3@acme.example"}
    found = _list(client, idp, filter='userName eq "e-1001"')["Resources"]  # without case
    assert [r["id"] for r in found] == [primary.json["id"]]


def test_a_user_without_any_email_is_refused_naming_emails(client, idp):
    for body in ({"userName": "E-2001"}, {"userName": "E-2001", "emails": []}):
        refused = _create(client, idp, **body)
        assert "emails" in scim_error(refused, 400, "invalidValue")["detail"]
    bad = _create(client, idp, userName="E-2001", emails=[{"value": "nope", "type": "work"}])
    assert "emails[0].value" in scim_error(bad, 400, "invalidValue")["detail"]
    assert _list(client, idp)["totalResults"] == 0  # nothing half made


def test_user_name_is_unique_in_the_organization_without_case(client, idp, keys, make):
    taken = _create(client, idp, userName="Pat.Lee", emails=[{"value": "pat@acme.example"}])
    assert taken.status_code == 201
    again = _create(client, idp, userName="pat.lee", emails=[{"value": "pat2@acme.example"}])
    assert again.json["scimType"] == "uniqueness" and again.status_code == 409
    other = _create(client, idp, userName="Sam", emails=[{"value": "sam@acme.example"}])
    renamed = client.simulate_put(f"{SCIM}/Users/{other.json['id']}", headers=idp, json={
        "schemas": [USER], "userName": "PAT.LEE", "emails": [{"value": "sam@acme.example"}]})
    scim_error(renamed, 409, "uniqueness")
    # another organization's IdP has its own userNames
    elsewhere = idp_headers(keys, make.org()["id"])
    assert _create(client, elsewhere, userName="Pat.Lee",
                   emails=[{"value": "pat.lee@beta.example"}]).status_code == 201


def test_a_member_added_through_the_api_is_shown_with_their_email_as_user_name(
        client, idp, make, org):
    member = make.user(email="kim@acme.example")
    make.membership(org, member)
    [shown] = _list(client, idp, filter='userName eq "KIM@acme.example"')["Resources"]
    assert shown["id"] == member["id"] and shown["userName"] == "kim@acme.example"
    # their email is their userName here: nobody else may take it
    clash = _create(client, idp, userName="kim@acme.example",
                    emails=[{"value": "kim2@acme.example"}])
    scim_error(clash, 409, "uniqueness")


def test_linking_another_organizations_user_by_emails_needs_a_verified_domain(
        client, store, idp, make, org, admin):
    shared = make.user(email="lou@acme.example")
    make.membership(make.org(), shared)
    body = {"userName": "LOU-7", "emails": [{"value": "lou@acme.example", "primary": True}]}
    scim_error(_create(client, idp, **body), 409, "uniqueness")
    assert membership_of(client, admin, shared["id"], org["id"]) is None
    domain = store.domains.create(org["id"], domain="acme.example")
    store.domains.record_check(org["id"], domain.id, None)
    linked = _create(client, idp, **body)
    assert linked.status_code == 201 and linked.json["id"] == shared["id"]
    assert linked.json["userName"] == "LOU-7"
