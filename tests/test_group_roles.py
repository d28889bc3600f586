"""SCIM groups mapped to roles (issue 23): members get the highest-priority mapped role.

Everything through HTTP: the IdP's SCIM requests in Okta's and Entra ID's forms, the
mapping through /api/v1/organizations/:id/groups, the order through /api/v1/roles/priority.
"""
import pytest

from scim_support import idp, org  # noqa: F401  (fixtures)
from scim_support import GROUP, PATCH, SCIM, USER, idp_headers
from support import assert_envelope

V1 = "/api/v1"


def provision(client, idp, name):
    result = client.simulate_post(f"{SCIM}/Users", headers=idp, json={
        "schemas": [USER], "userName": f"{name}@acme.example"})
    assert result.status_code == 201, result.text
    return result.json["id"]


def scim_group(client, idp, name, members=()):
    result = client.simulate_post(f"{SCIM}/Groups", headers=idp, json={
        "schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]})
    assert result.status_code == 201, result.text
    return result.json["id"]


def patch_group(client, idp, group_id, *operations):
    result = client.simulate_patch(f"{SCIM}/Groups/{group_id}", headers=idp, json={
        "schemas": [PATCH], "Operations": list(operations)})
    assert result.status_code == 200, result.text
    return result.json


def okta_add(user_id):
    return {"op": "add", "path": "members", "value": [{"value": user_id}]}


def okta_remove(user_id):
    return {"op": "remove", "path": "members", "value": [{"value": user_id}]}


def entra_remove(user_id):
    return {"op": "Remove", "path": f'members[value eq "{user_id}"]'}


def map_group(client, headers, org_id, group_id, role_id, status=200, code=None):
    return assert_envelope(client.simulate_put(
        f"{V1}/organizations/{org_id}/groups/{group_id}", headers=headers,
        json={"roleId": role_id}), status, code)


def membership(client, admin, org_id, user_id):
    [found] = assert_envelope(client.simulate_get(f"{V1}/memberships", headers=admin, params={
        "organizationId": org_id, "userId": user_id}), 200)
    return found


def role_of(client, admin, org_id, user_id):
    return membership(client, admin, org_id, user_id)["roleId"]


def make_role(client, admin, slug, **fields):
    return assert_envelope(client.simulate_post(f"{V1}/roles", headers=admin, json={
        "slug": slug, "name": slug.title(), **fields}), 201)


@pytest.fixture
def ann(client, idp):
    return provision(client, idp, "ann")


def test_a_mapped_groups_members_get_its_role_and_lose_it_on_leaving(client, admin, org, idp,
                                                                       ann):
    eng = scim_group(client, idp, "Engineering", [ann])
    assert role_of(client, admin, org["id"], ann) == "role_member"
    mapped = map_group(client, admin, org["id"], eng, "role_admin")
    assert mapped["roleId"] == "role_admin" and mapped["memberCount"] == 1
    found = membership(client, admin, org["id"], ann)
    assert (found["roleId"], found["roleSource"]) == ("role_admin", "group")
    patch_group(client, idp, eng, entra_remove(ann))  # Entra ID's form
    found = membership(client, admin, org["id"], ann)
    assert (found["roleId"], found["roleSource"]) == ("role_member", "manual")
    patch_group(client, idp, eng, okta_add(ann))  # Okta's form
    assert role_of(client, admin, org["id"], ann) == "role_admin"
    patch_group(client, idp, eng, okta_remove(ann))
    assert role_of(client, admin, org["id"], ann) == "role_member"


def test_put_delete_and_unmapping_recompute(client, admin, org, idp, ann):
    eng = scim_group(client, idp, "Engineering")
    map_group(client, admin, org["id"], eng, "role_admin")
    assert role_of(client, admin, org["id"], ann) == "role_member"  # not a member yet
    result = client.simulate_put(f"{SCIM}/Groups/{eng}", headers=idp, json={
        "schemas": [GROUP], "displayName": "Engineering", "members": [{"value": ann}]})
    assert result.status_code == 200
    assert role_of(client, admin, org["id"], ann) == "role_admin"
    map_group(client, admin, org["id"], eng, None)
    assert role_of(client, admin, org["id"], ann) == "role_member"
    map_group(client, admin, org["id"], eng, "role_admin")
    assert role_of(client, admin, org["id"], ann) == "role_admin"
    assert client.simulate_delete(f"{SCIM}/Groups/{eng}", headers=idp).status_code == 204
    assert role_of(client, admin, org["id"], ann) == "role_member"


def test_the_highest_priority_role_wins_and_follows_the_order(client, admin, org, idp, ann):
    billing = make_role(client, admin, "billing")
    support = make_role(client, admin, "support", organizationId=org["id"])
    first = scim_group(client, idp, "Billing", [ann])
    second = scim_group(client, idp, "Support", [ann])
    map_group(client, admin, org["id"], first, billing["id"])
    map_group(client, admin, org["id"], second, support["id"])
    # new roles rank below every other: billing (environment) above support (this org's)
    assert role_of(client, admin, org["id"], ann) == billing["id"]
    order = assert_envelope(client.simulate_put(f"{V1}/roles/priority", headers=admin, json={
        "organizationId": org["id"], "roles": ["admin", "support", "member", "billing"]}), 200)
    assert [r["slug"] for r in order] == ["admin", "support", "member", "billing"]
    assert role_of(client, admin, org["id"], ann) == support["id"]
    patch_group(client, idp, second, entra_remove(ann))
    assert role_of(client, admin, org["id"], ann) == billing["id"]


def test_a_user_in_twenty_groups_gets_the_best_of_them(client, admin, org, idp, ann):
    roles = [make_role(client, admin, f"tier-{n}", organizationId=org["id"]) for n in range(20)]
    groups = [scim_group(client, idp, f"G{n}", [ann]) for n in range(20)]
    for group, role in zip(groups, roles):
        map_group(client, admin, org["id"], group, role["id"])
    assert role_of(client, admin, org["id"], ann) == roles[0]["id"]  # made first: ranks first
    reversed_order = ["admin", "member", *[r["slug"] for r in reversed(roles)]]
    assert_envelope(client.simulate_put(f"{V1}/roles/priority", headers=admin, json={
        "organizationId": org["id"], "roles": reversed_order}), 200)
    assert role_of(client, admin, org["id"], ann) == roles[19]["id"]
    for group in groups[10:]:
        patch_group(client, idp, group, entra_remove(ann))
    assert role_of(client, admin, org["id"], ann) == roles[9]["id"]
    for group in groups[:10]:
        patch_group(client, idp, group, okta_remove(ann))
    assert role_of(client, admin, org["id"], ann) == "role_member"


def test_deactivation_takes_the_groups_role_and_reactivation_gives_it_back(client, admin, org,
                                                                            idp, ann):
    eng = scim_group(client, idp, "Engineering", [ann])
    map_group(client, admin, org["id"], eng, "role_admin")
    result = client.simulate_patch(f"{SCIM}/Users/{ann}", headers=idp, json={
        "schemas": [PATCH], "Operations": [{"op": "Replace", "value": {"active": "False"}}]})
    assert result.status_code == 200 and result.json["active"] is False
    found = membership(client, admin, org["id"], ann)
    assert (found["status"], found["roleId"]) == ("inactive", "role_member")
    result = client.simulate_patch(f"{SCIM}/Users/{ann}", headers=idp, json={
        "schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]})
    assert result.status_code == 200
    assert role_of(client, admin, org["id"], ann) == "role_admin"


def test_a_role_set_by_hand_stays_and_a_groups_role_cannot_be_changed_by_hand(
        client, admin, org, idp, ann):
    bob = provision(client, idp, "bob")
    billing = make_role(client, admin, "billing")
    hand = membership(client, admin, org["id"], bob)
    assert_envelope(client.simulate_put(f"{V1}/memberships/{hand['id']}", headers=admin,
                                        json={"roleId": billing["id"]}), 200)
    eng = scim_group(client, idp, "Engineering", [ann])
    map_group(client, admin, org["id"], eng, "role_admin")
    mine = membership(client, admin, org["id"], ann)
    assert_envelope(client.simulate_put(f"{V1}/memberships/{mine['id']}", headers=admin,
                                        json={"roleId": billing["id"]}), 403, "GR_FORBIDDEN")
    assert role_of(client, admin, org["id"], ann) == "role_admin"
    # the groups never gave bob his role: joining and leaving an unmapped group leaves it
    ops = scim_group(client, idp, "Ops", [bob])
    patch_group(client, idp, ops, entra_remove(bob))
    assert role_of(client, admin, org["id"], bob) == billing["id"]
    # ... but a mapped one governs him while he is in it, and gives back Member after
    patch_group(client, idp, eng, okta_add(bob))
    assert role_of(client, admin, org["id"], bob) == "role_admin"
    patch_group(client, idp, eng, okta_remove(bob))
    assert role_of(client, admin, org["id"], bob) == "role_member"


def test_organizations_are_isolated(client, admin, keys, make, org, idp, ann):
    other = make.org()
    theirs = make_role(client, admin, "theirs", organizationId=other["id"])
    eng = scim_group(client, idp, "Engineering", [ann])
    body = map_group(client, admin, org["id"], eng, theirs["id"], 400, "GR_VALIDATION_ERROR")
    assert body["field"] == "roleId"
    map_group(client, admin, org["id"], eng, "role_nope", 404, "GR_NOT_FOUND")
    # another organization's key: neither the group nor the list
    their_key = keys.headers("users:read", "users:update", org=other["id"])
    map_group(client, their_key, org["id"], eng, "role_admin", 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(client.simulate_get(f"{V1}/organizations/{org['id']}/groups",
                                        headers=their_key), 403, "GR_ORG_SCOPE_VIOLATION")
    # the group is not theirs to find through their own organization either
    map_group(client, their_key, other["id"], eng, "role_admin", 404, "GR_NOT_FOUND")
    # the organization's own key maps its own group
    mine = keys.headers("users:read", "users:update", org=org["id"])
    listed = assert_envelope(client.simulate_get(f"{V1}/organizations/{org['id']}/groups",
                                                 headers=mine), 200)
    assert [(g["id"], g["memberCount"], g["roleId"]) for g in listed] == [(eng, 1, None)]
    map_group(client, mine, org["id"], eng, "role_admin")
    # a member of both organizations keeps their role in the other one
    theirs_idp = idp_headers(keys, other["id"])
    assert role_of(client, admin, org["id"], ann) == "role_admin"
    other_group = scim_group(client, theirs_idp, "Engineering")
    assert other_group != eng


def test_a_mapped_role_cannot_be_deleted(client, admin, org, idp, ann):
    billing = make_role(client, admin, "billing")
    eng = scim_group(client, idp, "Engineering")
    map_group(client, admin, org["id"], eng, billing["id"])
    body = assert_envelope(client.simulate_delete(f"{V1}/roles/{billing['id']}", headers=admin),
                           409, "GR_ROLE_IN_USE")
    assert body["details"] == {"groups": 1}


def test_role_changes_fire_events_and_are_audited_with_their_cause(client, admin, store, org,
                                                                    ann):
    key, plaintext = store.api_keys.create(name="okta", scopes=["scim:write"],
                                           organization_id=org["id"])
    okta = {"Authorization": f"Bearer {plaintext}"}
    eng = scim_group(client, okta, "Engineering")
    map_group(client, admin, org["id"], eng, "role_admin")
    patch_group(client, okta, eng, okta_add(ann))
    events = assert_envelope(client.simulate_get(f"{V1}/events", headers=admin,
                                                 params={"limit": 100}), 200)
    kinds = [e["event"] for e in events]
    assert kinds[-2:] == ["group.member_added", "membership.updated"]
    assert events[-1]["data"]["roleId"] == "role_admin"
    assert events[-1]["data"]["roleSource"] == "group"
    assert "group.updated" in kinds and "group.created" in kinds
    entries = assert_envelope(client.simulate_get(f"{V1}/audit-logs", headers=admin, params={
        "actor": key.id, "limit": 100}), 200)
    changed = [e for e in entries if e["action"] == "membership.role_changed"]
    assert len(changed) == 1
    assert changed[0]["changes"]["roleId"] == {"before": "role_member", "after": "role_admin"}
    # the member's change follows its cause in the chain, written by the same request
    added = next(e for e in entries if e["action"] == "group.member_added")
    assert changed[0]["sequence"] == added["sequence"] + 1
    assert changed[0]["context"]["requestId"] == added["context"]["requestId"]
    assert changed[0]["actor"]["id"] == key.id


def test_a_refused_change_changes_no_role(client, admin, org, idp, ann):
    eng = scim_group(client, idp, "Engineering", [ann])
    map_group(client, admin, org["id"], eng, "role_admin")
    result = client.simulate_patch(f"{SCIM}/Groups/{eng}", headers=idp, json={
        "schemas": [PATCH], "Operations": [entra_remove(ann), okta_add("not-a-member")]})
    assert result.status_code == 400
    assert role_of(client, admin, org["id"], ann) == "role_admin"


def test_a_membership_made_by_the_api_takes_its_users_groups_role_at_once(client, admin, org,
                                                                          idp, ann):
    eng = scim_group(client, idp, "Engineering", [ann])
    map_group(client, admin, org["id"], eng, "role_admin")
    held = membership(client, admin, org["id"], ann)
    # deleted by hand, the membership's user stays in the IdP's groups
    assert_envelope(client.simulate_delete(f"{V1}/memberships/{held['id']}", headers=admin), 200)
    made = assert_envelope(client.simulate_post(f"{V1}/memberships", headers=admin, json={
        "organizationId": org["id"], "userId": ann, "roleId": "role_member"}), 201)
    assert (made["roleId"], made["roleSource"]) == ("role_admin", "group")
    assert membership(client, admin, org["id"], ann)["roleId"] == "role_admin"
