"""Request sequences from Okta's and Microsoft Entra ID's published SCIM documentation,
replayed in order against /scim/v2/ (issue 23).

The bodies are the documents' own JSON, character for character, as published:

- Okta, "Okta and SCIM Version 2.0" (SCIM 2.0 Protocol Reference),
  https://developer.okta.com/docs/reference/scim/scim-20/
  (source: github.com/okta/okta-developer-docs, packages/@okta/vuepress-site/docs/reference/
  scim/scim-20/index.md at 02e8ee86314bfa4795f3cd29fe9465cce3a0a20a)
- Microsoft, "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft
  Entra ID", section "SCIM protocol requests and responses",
  https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
  (source: github.com/MicrosoftDocs/entra-docs, docs/identity/app-provisioning/
  use-scim-to-provision-users-and-groups.md at 03cc7794b575d649a067f5bf0a533300a3550e52)

Only the resource ids in them are the documents' examples; each is replaced by the id this
service gave (`_with_ids`), since a SCIM client uses the ids the server returns. Where a
sequence needs a second user, it is made from the same document's create body with another
userName, email and externalId (said so where it happens).
"""
import json

from scim_support import idp, org  # noqa: F401  (fixtures)
from scim_support import SCIM, scim_error
from support import assert_envelope


def _with_ids(text, ids):
    """The document's JSON with its example ids replaced by this service's."""
    for example, ours in ids.items():
        text = text.replace(example, ours)
    return json.loads(text)


def _send(client, idp, method, path, body=None, ids=None, **kwargs):
    """One documented request: its path (query included, as documented) and body."""
    path, _, query = path.partition("?")
    for example, ours in (ids or {}).items():
        path = path.replace(example, ours)
    if body is not None:
        kwargs["json"] = _with_ids(body, ids or {})
    return client.simulate_request(method, f"{SCIM}{path}", headers=idp, query_string=query,
                                   **kwargs)


def _membership(client, admin, user_id, org_id):
    found = assert_envelope(client.simulate_get("/api/v1/memberships", headers=admin,
                                                params={"userId": user_id}), 200)
    return {m["organizationId"]: m for m in found}[org_id]


# --- Okta ---------------------------------------------------------------------------------

OKTA_USER = "23a35c27-23d3-4c03-b4c5-6443c09e7173"
OKTA_OTHER_USER = "89bb1940-b905-4575-9e7f-6f887cfb368e"
OKTA_GROUP = "abf4dd94-a4c0-4f67-89c9-76b03340cb9b"

OKTA_FIND = ("/Users?filter=userName%20eq%20%22test.user%40okta.local%22"
             "&startIndex=1&count=100")
OKTA_CREATE_USER = """{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {
        "givenName": "Test",
        "familyName": "User"
    },
    "emails": [{
        "primary": true,
        "value": "test.user@okta.local",
        "type": "work"
    }],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": true
}"""
OKTA_UPDATE_USER = """{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
    "userName": "test.user@okta.local",
    "name": {
        "givenName": "Another",
        "middleName": "Excited",
        "familyName": "User"
    },
    "emails": [{
        "primary": true,
        "value": "test.user@okta.local",
        "type": "work",
        "display": "test.user@okta.local"
    }],
    "active": true,
    "groups": [],
    "meta": {
        "resourceType": "User"
    }
}"""
OKTA_DEACTIVATE_USER = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "value": {
            "active": false
        }
    }]
}"""
OKTA_CREATE_GROUP = """{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Test SCIMv2",
    "members": []
}"""
OKTA_RENAME_GROUP = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "value": {
            "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
            "displayName": "Test SCIMv2"
        }
    }]
}"""
OKTA_GROUP_MEMBERSHIP = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
          "op": "remove",
          "path": "members[value eq \\"89bb1940-b905-4575-9e7f-6f887cfb368e\\"]"
        },
        {
          "op": "add",
          "path": "members",
          "value": [{
              "value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
              "display": "test.user@okta.local"
        }]
    }]
}"""
OKTA_PUSH_MEMBERS = """{
  "schemas": [
    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
  ],
  "Operations": [
    {
      "op": "replace",
      "path": "members",
      "value": [
        {
          "value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
          "display": "test.user@okta.local"
        },
        {
          "value": "89bb1940-b905-4575-9e7f-6f887cfb368e",
          "display": "test.user@okta.local"
        }
      ]
    }
  ]
}"""


def test_oktas_documented_sequence(client, idp, admin, org):
    # Create Users: is the user there? no: create them
    absent = _send(client, idp, "GET", OKTA_FIND)
    assert absent.status_code == 200
    assert absent.json["totalResults"] == 0 and absent.json["Resources"] == []
    created = _send(client, idp, "POST", "/Users", OKTA_CREATE_USER)
    assert created.status_code == 201, created.text
    user = created.json
    assert user["userName"] == "test.user@okta.local" and user["active"] is True
    assert user["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert "password" not in user  # accepted and not kept: Golden Record keeps no passwords
    ids = {OKTA_USER: user["id"]}
    found = _send(client, idp, "GET", OKTA_FIND)
    assert [r["id"] for r in found.json["Resources"]] == [user["id"]]
    # provisioned twice: the documented 409
    scim_error(_send(client, idp, "POST", "/Users", OKTA_CREATE_USER), 409, "uniqueness")
    # Retrieve Users, then a specific User
    page = _send(client, idp, "GET", "/Users?startIndex=1&count=100")
    assert page.json["totalResults"] == 1 and page.json["startIndex"] == 1
    fetched = _send(client, idp, "GET", f"/Users/{OKTA_USER}", ids=ids)
    assert fetched.status_code == 200 and fetched.json == user
    # Update a specific User (PUT), after the GET above
    updated = _send(client, idp, "PUT", f"/Users/{OKTA_USER}", OKTA_UPDATE_USER, ids)
    assert updated.status_code == 200, updated.text
    assert updated.json["name"] == {"givenName": "Another", "familyName": "User"}
    assert "externalId" not in updated.json  # a PUT replaces: the body has none
    # Update a specific User (PATCH): deactivate
    deactivated = _send(client, idp, "PATCH", f"/Users/{OKTA_USER}", OKTA_DEACTIVATE_USER, ids)
    assert deactivated.status_code == 200 and deactivated.json["active"] is False
    assert _membership(client, admin, user["id"], org["id"])["status"] == "inactive"

    # a second member for the membership pushes: the create body, another person
    other = _send(client, idp, "POST", "/Users", OKTA_CREATE_USER.replace(
        "test.user@okta.local", "other.user@okta.local").replace(
        "00ujl29u0le5T6Aj10h7", "00ujl29u0le5T6Aj10h8"))
    assert other.status_code == 201, other.text
    ids[OKTA_OTHER_USER] = other.json["id"]

    # Create Groups, Retrieve Groups, Retrieve specific Groups
    group = _send(client, idp, "POST", "/Groups", OKTA_CREATE_GROUP)
    assert group.status_code == 201, group.text
    assert group.json["displayName"] == "Test SCIMv2" and group.json["members"] == []
    ids[OKTA_GROUP] = group.json["id"]
    listed = _send(client, idp, "GET", "/Groups?startIndex=1&count=100")
    assert [g["id"] for g in listed.json["Resources"]] == [group.json["id"]]
    assert _send(client, idp, "GET", f"/Groups/{OKTA_GROUP}", ids=ids).json == group.json
    # Update a specific Group name (sent before every membership update)
    renamed = _send(client, idp, "PATCH", f"/Groups/{OKTA_GROUP}", OKTA_RENAME_GROUP, ids)
    assert renamed.status_code == 200 and renamed.json["displayName"] == "Test SCIMv2"
    # Update specific Group membership: remove one (not a member yet: nothing), add another
    members = _send(client, idp, "PATCH", f"/Groups/{OKTA_GROUP}", OKTA_GROUP_MEMBERSHIP, ids)
    assert members.status_code == 200, members.text
    assert [m["value"] for m in members.json["members"]] == [user["id"]]
    # ... and the full push of the membership
    pushed = _send(client, idp, "PATCH", f"/Groups/{OKTA_GROUP}", OKTA_PUSH_MEMBERS, ids)
    assert pushed.status_code == 200, pushed.text
    assert sorted(m["value"] for m in pushed.json["members"]) == sorted(
        [user["id"], other.json["id"]])
    # the membership update again: now it removes the other member
    again = _send(client, idp, "PATCH", f"/Groups/{OKTA_GROUP}", OKTA_GROUP_MEMBERSHIP, ids)
    assert [m["value"] for m in again.json["members"]] == [user["id"]]
    # Delete a specific Group
    deleted = _send(client, idp, "DELETE", f"/Groups/{OKTA_GROUP}", ids=ids)
    assert deleted.status_code == 204 and not deleted.content
    scim_error(_send(client, idp, "GET", f"/Groups/{OKTA_GROUP}", ids=ids), 404)


# --- Microsoft Entra ID -------------------------------------------------------------------

ENTRA_USER = "5171a35d82074e068ce2"
ENTRA_USER_IN_PATCH = "6764549bef60420686bc"  # the multi-valued update's example id
ENTRA_USER_IN_GET = "5d48a0a8e9f04aa38008"
ENTRA_GROUP = "a99962b9f99d4c4fac67"
ENTRA_GROUP_IN_GET = "40734ae655284ad3abcc"
ENTRA_GROUP_IN_RENAME = "fa2ce26709934589afc5"
ENTRA_GROUP_IN_DELETE = "cdb1ce18f65944079d37"
ENTRA_MEMBER = "f648f8d5ea4e4cd38e9c"

ENTRA_CREATE_USER = """{
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "active": true,
    "emails": [{
        "primary": true,
        "type": "work",
        "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
    }],
    "meta": {
        "resourceType": "User"
    },
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName"
    },
    "roles": []
}"""
ENTRA_UPDATE_MULTI_VALUED = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
            {
            "op": "Replace",
            "path": "emails[type eq \\"work\\"].value",
            "value": "updatedEmail@microsoft.com"
            },
            {
            "op": "Replace",
            "path": "name.familyName",
            "value": "updatedFamilyName"
            }
    ]
}"""
ENTRA_UPDATE_SINGLE_VALUED = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Replace",
        "path": "userName",
        "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    }]
}"""
ENTRA_DISABLE_USER = """{
    "Operations": [
        {
            "op": "Replace",
            "path": "active",
            "value": false
        }
    ],
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ]
}"""
ENTRA_CREATE_GROUP = """{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    "displayName": "displayName",
    "meta": {
        "resourceType": "Group"
    }
}"""  # noqa: E501  (as published)
ENTRA_RENAME_GROUP = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Replace",
        "path": "displayName",
        "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    }]
}"""
ENTRA_ADD_MEMBERS = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Add",
        "path": "members",
        "value": [{
            "$ref": null,
            "value": "f648f8d5ea4e4cd38e9c"
        }]
    }]
}"""
ENTRA_REMOVE_MEMBERS = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Remove",
        "path": "members",
        "value": [{
            "$ref": null,
            "value": "f648f8d5ea4e4cd38e9c"
        }]
    }]
}"""


def test_entra_ids_documented_sequence(client, idp, admin, org):
    """The document's order, but Delete User last: its group section needs a member, and
    a deleted user is no member for SCIM (404)."""
    # Create User: the userName is no email; the email comes from `emails`
    created = _send(client, idp, "POST", "/Users", ENTRA_CREATE_USER)
    assert created.status_code == 201, created.text
    user = created.json
    assert user["userName"] == "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
    assert user["emails"] == [{"primary": True, "type": "work", "value":
                               "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"}]
    assert user["name"] == {"familyName": "familyName", "givenName": "givenName"}
    assert user["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    ids = {example: user["id"] for example in (ENTRA_USER, ENTRA_USER_IN_PATCH,
                                               ENTRA_USER_IN_GET, ENTRA_MEMBER)}
    api_user = assert_envelope(client.simulate_get(f"/api/v1/users/{user['id']}",
                                                   headers=admin), 200)
    assert api_user["email"] == "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
    # Get User; Get User by query; Get User by query - Zero results
    assert _send(client, idp, "GET", f"/Users/{ENTRA_USER_IN_GET}", ids=ids).json == user
    scim_error(_send(client, idp, "GET", "/Users/5171a35d82074e068ce2"), 404)  # not ours
    by_query = _send(client, idp, "GET", '/Users?filter=userName eq '
                     '"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')
    assert by_query.json["totalResults"] == 1
    assert by_query.json["Resources"] == [user]
    none = _send(client, idp, "GET", '/Users?filter=userName eq "non-existent user"')
    assert none.json["totalResults"] == 0 and none.json["Resources"] == []
    # Update User [Multi-valued properties]: the work email is the user's email
    multi = _send(client, idp, "PATCH", f"/Users/{ENTRA_USER_IN_PATCH}",
                  ENTRA_UPDATE_MULTI_VALUED, ids)
    assert multi.status_code == 200, multi.text
    assert multi.json["emails"][0]["value"] == "updatedEmail@microsoft.com"
    assert multi.json["name"]["familyName"] == "updatedFamilyName"
    assert multi.json["userName"] == "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
    api_user = assert_envelope(client.simulate_get(f"/api/v1/users/{user['id']}",
                                                   headers=admin), 200)
    assert api_user["email"] == "updatedEmail@microsoft.com"
    # Update User [Single-valued properties]: userName alone changes
    single = _send(client, idp, "PATCH", f"/Users/{ENTRA_USER}", ENTRA_UPDATE_SINGLE_VALUED,
                   ids)
    assert single.status_code == 200, single.text
    assert single.json["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    assert single.json["emails"][0]["value"] == "updatedEmail@microsoft.com"
    # Disable User
    disabled = _send(client, idp, "PATCH", f"/Users/{ENTRA_USER}", ENTRA_DISABLE_USER, ids)
    assert disabled.status_code == 200 and disabled.json["active"] is False
    assert _membership(client, admin, user["id"], org["id"])["status"] == "inactive"

    # Create Group; Get Group; Get Group by displayName (members left out)
    group = _send(client, idp, "POST", "/Groups", ENTRA_CREATE_GROUP)
    assert group.status_code == 201, group.text
    assert group.json["members"] == [] and group.json["displayName"] == "displayName"
    for example in (ENTRA_GROUP, ENTRA_GROUP_IN_GET, ENTRA_GROUP_IN_RENAME,
                    ENTRA_GROUP_IN_DELETE):
        ids[example] = group.json["id"]
    got = _send(client, idp, "GET", f"/Groups/{ENTRA_GROUP_IN_GET}?excludedAttributes=members",
                ids=ids)
    assert got.status_code == 200 and "members" not in got.json
    assert got.json["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    by_name = _send(client, idp, "GET",
                    '/Groups?excludedAttributes=members&filter=displayName eq "displayName"')
    assert [g["id"] for g in by_name.json["Resources"]] == [group.json["id"]]
    assert "members" not in by_name.json["Resources"][0]
    # Update Group [Non-member attributes]
    renamed = _send(client, idp, "PATCH", f"/Groups/{ENTRA_GROUP_IN_RENAME}",
                    ENTRA_RENAME_GROUP, ids)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json["displayName"] == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    # Update Group [Add Members], then [Remove Members]
    added = _send(client, idp, "PATCH", f"/Groups/{ENTRA_GROUP}", ENTRA_ADD_MEMBERS, ids)
    assert added.status_code == 200, added.text
    assert [m["value"] for m in added.json["members"]] == [user["id"]]
    removed = _send(client, idp, "PATCH", f"/Groups/{ENTRA_GROUP}", ENTRA_REMOVE_MEMBERS, ids)
    assert removed.status_code == 200 and removed.json["members"] == []
    # Delete Group
    assert _send(client, idp, "DELETE", f"/Groups/{ENTRA_GROUP_IN_DELETE}",
                 ids=ids).status_code == 204
    # Delete User: 204, then 404 for it; the membership stays, inactive
    assert _send(client, idp, "DELETE", f"/Users/{ENTRA_USER}", ids=ids).status_code == 204
    scim_error(_send(client, idp, "GET", f"/Users/{ENTRA_USER}", ids=ids), 404)
    assert _membership(client, admin, user["id"], org["id"])["status"] == "inactive"

