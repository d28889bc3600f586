"""/scim/v2/Users: an organization's members as SCIM Users (RFC 7643 §4.1).

A SCIM User is a Golden Record user (userName = email) with a membership in the key's
organization; `active` is that membership's state, so deprovisioning (active false, or
DELETE) deactivates the membership and leaves the user, and their other organizations,
as they were. Every change goes through store.provisioning, i.e. the API's own rules:
events, webhooks and the audit log (whose actor is the IdP's key) see it as any other.
"""
from goldenrecord.restapi.external import external_id_field
from goldenrecord.restapi.inputs import Email
from goldenrecord.restapi.operations import operation
from goldenrecord.store.records import timestamp
from goldenrecord.store.rules import USER_PROFILE

from . import filters, patch
from .errors import invalid
from .resource import BODY, DETAILS, LIST, SHOWN, answer_list, by_id, filtered, shown
from .responses import base_url, body_of, changing, organization_of, send, versioned

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"

_EMAIL = Email(required=True)
_EXTERNAL_ID = external_id_field("user")
_FIRST, _LAST = USER_PROFILE["firstName"], USER_PROFILE["lastName"]
BY_ID = by_id("user")
_FOUND = ("GR_USER_NOT_FOUND",)
_CHANGE = ("GR_USER_NOT_FOUND", "GR_PRECONDITION_FAILED", "GR_DUPLICATE_EMAIL",
           "GR_DUPLICATE_EXTERNAL_ID")


def user_document(membership, base):
    """The SCIM User a membership (its user loaded) is."""
    user = membership.user
    given, family = user.first_name, user.last_name
    name = {key: value for key, value in (("givenName", given), ("familyName", family))
            if value is not None}
    formatted = " ".join(part for part in (given, family) if part)
    if formatted:
        name["formatted"] = formatted
    document = {
        "schemas": [USER_SCHEMA],
        "id": user.id,
        "userName": user.email,
        "name": name,
        "displayName": formatted or user.email,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": membership.status == "active" and user.is_active,
        "meta": {"resourceType": "User", "created": timestamp(membership.created_at),
                 "lastModified": timestamp(max(user.updated_at, membership.updated_at)),
                 "location": f"{base}/Users/{user.id}"},
    }
    if user.external_id is not None:
        document["externalId"] = user.external_id
    return versioned(document)


def user_fields(document):
    """(user model fields, active) from a SCIM User: userName is the email; name's
    givenName and familyName the names; attributes Golden Record does not keep are
    ignored, as RFC 7644 lets a service provider do."""
    document = {key.lower(): value for key, value in document.items()}
    fields = {"email": _EMAIL.clean(document.get("username"), "userName")}
    name = document.get("name") or {}
    if not isinstance(name, dict):
        raise invalid("invalidValue", "name must be an object", "name")
    name = {key.lower(): value for key, value in name.items()}
    fields["first_name"] = _FIRST.clean(name.get("givenname"), "name.givenName")
    fields["last_name"] = _LAST.clean(name.get("familyname"), "name.familyName")
    fields["external_id"] = _EXTERNAL_ID.clean(document.get("externalid"), "externalId")
    return fields, _boolean(document.get("active", True), "active")


def _boolean(value, field):
    """A SCIM boolean; Entra ID has sent "True"/"False" as strings, taken as meant."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise invalid("invalidValue", f"{field} must be a boolean", field)
    return value


class ScimUsers:
    def __init__(self, store):
        self._provisioning = store.provisioning

    @operation("List or filter SCIM users", name="scimListUsers", query=LIST, description=(
        "The key's organization's members as a SCIM ListResponse, in the order they joined; "
        "`filter`, `startIndex`, `count`, `attributes`, `excludedAttributes` as RFC 7644 "
        "§3.4.2. A bad filter is 400 `invalidFilter`."), **DETAILS)
    def on_get(self, req, resp):
        organization_id = organization_of(req)
        base = base_url(req)

        def fetch(predicate, offset, count):
            if predicate is None:
                total, page = self._provisioning.members(organization_id, offset=offset,
                                                         limit=count)
                return total, [user_document(m, base) for m in page]
            return filtered(self._candidates(organization_id, predicate, base), predicate,
                            offset, count)

        answer_list(req, resp, fetch)

    def _candidates(self, organization_id, predicate, base):
        """The members' documents `predicate` may hold for: the one looked up by key when
        the filter is `userName eq` or `externalId eq`, else every member's."""
        exact = filters.exact_match(predicate)
        if exact is not None and exact[0] in (("username",), ("externalid",)):
            if not isinstance(exact[1], str):
                return []
            lookup = (self._provisioning.member_by_email if exact[0] == ("username",)
                      else self._provisioning.member_by_external_id)
            candidates = [m for m in [lookup(organization_id, exact[1])] if m is not None]
        else:
            candidates = self._provisioning.members(organization_id)[1]
        return [user_document(m, base) for m in candidates]

    @operation("Provision a SCIM user", name="scimCreateUser", status=201, description=(
        "A new member of the key's organization: a new user, or the user who already has "
        "this email (userName), linked: a user of another organization only when the "
        "email's domain is verified for this one. A member already is 409 `uniqueness`."),
        reads_body=BODY, errors=("GR_DUPLICATE_MEMBERSHIP", "GR_DUPLICATE_EXTERNAL_ID"),
        **DETAILS)
    def on_post(self, req, resp):
        organization_id = organization_of(req)
        fields, active = user_fields(body_of(req))
        membership = self._provisioning.provision(organization_id, active=active, **fields)
        document = user_document(membership, base_url(req))
        send(req, resp, document, status=201, location=document["meta"]["location"])


class ScimUser:
    def __init__(self, store):
        self._provisioning = store.provisioning

    def _current(self, req, id):
        return self._provisioning.member(organization_of(req), id)

    @operation("Get a SCIM user", name="scimGetUser", path=BY_ID, query=SHOWN, errors=_FOUND,
               description="One member of the key's organization; If-None-Match is 304 while "
                           "the version is the same.", **DETAILS)
    def on_get(self, req, resp, id):
        send(req, resp, shown(req, user_document(self._current(req, id), base_url(req))))

    @operation("Replace a SCIM user", name="scimReplaceUser", path=BY_ID, reads_body=BODY,
               errors=_CHANGE,
               description="The user's userName, name, externalId and active, as given "
                           "(If-Match: only at that version, else 412).", **DETAILS)
    def on_put(self, req, resp, id):
        body = body_of(req)
        self._store(req, resp, id, lambda current: body)

    @operation("Patch a SCIM user", name="scimPatchUser", path=BY_ID, reads_body=BODY,
               errors=_CHANGE,
               description="RFC 7644 §3.5.2 operations, including Okta's and Entra ID's "
                           "forms: `Replace` capitalised, a path-less value object, "
                           "`active` false.", **DETAILS)
    def on_patch(self, req, resp, id):
        body = body_of(req)
        self._store(req, resp, id, lambda current: patch.apply(current, body))

    def _read(self, req, id):
        return lambda: user_document(self._current(req, id), base_url(req))

    def _store(self, req, resp, id, change):
        """Store what `change(current document)` makes of the user, as a replace."""
        with changing(req, self._read(req, id)) as current:
            fields, active = user_fields(change(current))
            membership = self._provisioning.replace(organization_of(req), id, fields,
                                                    active=active)
        send(req, resp, user_document(membership, base_url(req)))

    @operation("Deprovision a SCIM user", name="scimDeleteUser", path=BY_ID, status=204,
               errors=("GR_USER_NOT_FOUND", "GR_PRECONDITION_FAILED"),
               description="Deactivates the membership: the user stays (active false), and "
                           "so do their other organizations.", **DETAILS)
    def on_delete(self, req, resp, id):
        with changing(req, self._read(req, id)):
            self._provisioning.deactivate(organization_of(req), id)
        resp.status = 204
