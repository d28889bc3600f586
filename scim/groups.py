"""/scim/v2/Groups: an organization's IdP groups (RFC 7643 §4.2), kept by store.scim_groups.

Members are the organization's members (a SCIM User's id); a group's PATCH applies to its
SCIM form and is stored as a replace, so Entra ID's `members[value eq "…"]` removal, Okta's
`remove` with a `value` list and a path-less `replace` of displayName all take one path.
"""
from goldenrecord.restapi.external import external_id_field
from goldenrecord.restapi.inputs import Text
from goldenrecord.restapi.operations import operation
from goldenrecord.store.records import timestamp

from . import patch
from .errors import invalid
from .resource import BODY, DETAILS, LIST, SHOWN, answer_list, by_id, filtered, shown
from .responses import base_url, body_of, changing, organization_of, send, versioned

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
_NAME = Text(max_length=200, required=True)
_EXTERNAL_ID = external_id_field("group")
BY_ID = by_id("group")
_FOUND = ("GR_NOT_FOUND",)
_CHANGE = ("GR_NOT_FOUND", "GR_PRECONDITION_FAILED", "GR_DUPLICATE_GROUP")


def group_document(group, members, base):
    document = {
        "schemas": [GROUP_SCHEMA],
        "id": group.id,
        "displayName": group.display_name,
        "members": [{"value": user.id, "$ref": f"{base}/Users/{user.id}"} for user in members],
        "meta": {"resourceType": "Group", "created": timestamp(group.created_at),
                 "lastModified": timestamp(group.updated_at),
                 "location": f"{base}/Groups/{group.id}"},
    }
    if group.external_id is not None:
        document["externalId"] = group.external_id
    return versioned(document)


def group_fields(document):
    """display_name, external_id and member_ids from a SCIM Group."""
    document = {key.lower(): value for key, value in document.items()}
    members = document.get("members") or []
    if not isinstance(members, list):
        raise invalid("invalidValue", "members must be a list", "members")
    member_ids = []
    for position, member in enumerate(members):
        value = member.get("value") if isinstance(member, dict) else None
        if not isinstance(value, str) or not value:
            raise invalid("invalidValue", f"members[{position}].value must be a user's id",
                          f"members[{position}].value")
        member_ids.append(value)
    return {"display_name": _NAME.clean(document.get("displayname"), "displayName"),
            "external_id": _EXTERNAL_ID.clean(document.get("externalid"), "externalId"),
            "member_ids": member_ids}


class ScimGroups:
    def __init__(self, store):
        self._groups = store.scim_groups

    @operation("List or filter SCIM groups", name="scimListGroups", query=LIST, description=(
        "The organization's groups, oldest first, as a SCIM ListResponse; `filter` "
        "(`displayName eq`, `externalId eq`, `members[value eq \"…\"]`, ...), `startIndex`, "
        "`count`, `attributes`, `excludedAttributes` (`members` is often left out)."),
        **DETAILS)
    def on_get(self, req, resp):
        organization_id = organization_of(req)
        base = base_url(req)
        documents = [group_document(g, m, base) for g, m in self._groups.list(organization_id)]
        answer_list(req, resp, lambda predicate, offset, count: filtered(
            documents, predicate, offset, count))

    @operation("Create a SCIM group", name="scimCreateGroup", status=201, reads_body=BODY,
               errors=("GR_DUPLICATE_GROUP",), description=(
                   "A group of the organization; its members must be members of it (400 "
                   "naming `members`); a displayName the organization has is 409 "
                   "`uniqueness`."), **DETAILS)
    def on_post(self, req, resp):
        organization_id = organization_of(req)
        group, members = self._groups.create(organization_id, **group_fields(body_of(req)))
        document = group_document(group, members, base_url(req))
        send(req, resp, document, status=201, location=document["meta"]["location"])


class ScimGroup:
    def __init__(self, store):
        self._groups = store.scim_groups

    def _document(self, req, id):
        group, members = self._groups.get(organization_of(req), id)
        return group_document(group, members, base_url(req))

    @operation("Get a SCIM group", name="scimGetGroup", path=BY_ID, query=SHOWN, errors=_FOUND,
               description="One group of the organization.", **DETAILS)
    def on_get(self, req, resp, id):
        send(req, resp, shown(req, self._document(req, id)))

    @operation("Replace a SCIM group", name="scimReplaceGroup", path=BY_ID, reads_body=BODY,
               errors=_CHANGE, description="displayName, externalId and members, as given.",
               **DETAILS)
    def on_put(self, req, resp, id):
        body = body_of(req)
        self._store(req, resp, id, lambda current: body)

    @operation("Patch a SCIM group", name="scimPatchGroup", path=BY_ID, reads_body=BODY,
               errors=_CHANGE, description=(
                   "RFC 7644 §3.5.2: add or remove members (`members[value eq \"…\"]`, or "
                   "a `value` list), replace displayName; all or nothing."), **DETAILS)
    def on_patch(self, req, resp, id):
        body = body_of(req)
        self._store(req, resp, id, lambda current: patch.apply(current, body))

    def _read(self, req, id):
        return lambda: self._document(req, id)

    def _store(self, req, resp, id, change):
        """Store what `change(current document)` makes of the group, as a replace."""
        with changing(req, self._read(req, id)) as current:
            fields = group_fields(change(current))
            group, members = self._groups.replace(organization_of(req), id, **fields)
        send(req, resp, group_document(group, members, base_url(req)))

    @operation("Delete a SCIM group", name="scimDeleteGroup", path=BY_ID, status=204,
               errors=("GR_NOT_FOUND", "GR_PRECONDITION_FAILED"),
               description="The group goes; its members stay members.", **DETAILS)
    def on_delete(self, req, resp, id):
        with changing(req, self._read(req, id)):
            self._groups.delete(organization_of(req), id)
        resp.status = 204
