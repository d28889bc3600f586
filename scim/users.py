"""/scim/v2/Users: an organization's members as SCIM Users (RFC 7643 §4.1).

A SCIM User is a Golden Record user with a membership in the key's organization, named by
the IdP's userName (user_form.py); `active` is that membership's state, so deprovisioning
(active false) deactivates the membership and leaves the user, and their other
organizations, as they were; DELETE does the same and hides them from SCIM (404 from then
on, RFC 7644 §3.6). Every change goes through store.provisioning, i.e. the API's own
rules: events, webhooks and the audit log (whose actor is the IdP's key) see it as any
other.
"""
from goldenrecord.restapi.operations import operation
from goldenrecord.store.scim_members import INDEXED

from . import filters, patch
from .resource import BODY, DETAILS, LIST, SHOWN, answer_list, by_id, filtered, shown
from .responses import base_url, body_of, changing, organization_of, send
from .user_form import user_document, user_fields

BY_ID = by_id("user")
_FOUND = ("GR_USER_NOT_FOUND",)
_CHANGE = ("GR_USER_NOT_FOUND", "GR_PRECONDITION_FAILED", "GR_DUPLICATE_EMAIL",
           "GR_DUPLICATE_EXTERNAL_ID", "GR_DUPLICATE_USER_NAME")


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
            return filtered(self.documents(organization_id, predicate, base), predicate,
                            offset, count)

        answer_list(req, resp, fetch)

    def documents(self, organization_id, predicate, base):
        """The members' documents `predicate` (None: none) may hold for: those its lookups
        find by index (userName, externalId, an email, id; combined with `and`/`or`), else
        every member's."""
        keys = filters.index_keys(predicate, INDEXED)
        if keys is None:
            candidates = self._provisioning.members(organization_id)[1]
        else:
            candidates = self._provisioning.candidates(organization_id, keys)
        return [user_document(m, base) for m in candidates]

    @operation("Provision a SCIM user", name="scimCreateUser", status=201, description=(
        "A new member of the key's organization: a new user, or the user who already has "
        "this email (from `emails`, else userName), linked: a user of another organization "
        "only when the email's domain is verified for this one. A member already, or a "
        "userName taken, is 409 `uniqueness`."),
        reads_body=BODY, errors=("GR_DUPLICATE_MEMBERSHIP", "GR_DUPLICATE_EXTERNAL_ID",
                                 "GR_DUPLICATE_USER_NAME"),
        **DETAILS)
    def on_post(self, req, resp):
        organization_id = organization_of(req)
        fields, user_name, emails, active = user_fields(body_of(req))
        membership = self._provisioning.provision(organization_id, user_name=user_name,
                                                  emails=emails, active=active, **fields)
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
               description="The user's userName, name, emails, externalId and active, as given "
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
            fields, user_name, emails, active = user_fields(change(current))
            membership = self._provisioning.replace(organization_of(req), id, fields,
                                                    user_name=user_name, emails=emails,
                                                    active=active)
        send(req, resp, user_document(membership, base_url(req)))

    @operation("Deprovision a SCIM user", name="scimDeleteUser", path=BY_ID, status=204,
               errors=("GR_USER_NOT_FOUND", "GR_PRECONDITION_FAILED"),
               description="Deactivates the membership and hides the user from SCIM (404 "
                           "from then on; POST provisions them again): the user stays, and "
                           "so do their other organizations.", **DETAILS)
    def on_delete(self, req, resp, id):
        with changing(req, self._read(req, id)):
            self._provisioning.delete(organization_of(req), id)
        resp.status = 204
