"""POST /.search at the service's root (RFC 7644 §3.4.3): one query over every resource
type, Users then Groups, with the query's parameters in a SearchRequest body instead of the
URL (so a filter holding personal data stays out of access logs)."""
from goldenrecord.restapi.operations import operation
from goldenrecord.store.rules import snake

from .errors import invalid
from .groups import group_document
from .resource import BODY, DETAILS, LIST, answer_list, filtered
from .responses import base_url, body_of, organization_of
from .users import ScimUsers

_LISTED = ("attributes", "excludedAttributes")  # lists of paths in a body, not CSV


def search_request(body):
    """The query a SearchRequest body means, as LIST reads it from a URL: `filter`,
    `startIndex`, `count`, `attributes`, `excludedAttributes` (any case), each checked by
    the same rule; a missing one takes LIST's default."""
    given = {key.lower(): value for key, value in body.items()}
    query = {}
    for name, field in LIST.fields.items():
        value = given.get(name.lower())
        if name in _LISTED and value is not None:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise invalid("invalidValue", f"{name} must be a list of attribute paths",
                              name)
            value = ",".join(value)
        if value is None:
            value = field.default if field.has_default else None
        else:
            value = field.clean(value, name)
        query[snake(name)] = value
    return query


class SearchEverything:
    def __init__(self, store):
        self._users = ScimUsers(store)
        self._groups = store.scim_groups

    @operation("Search every SCIM resource type", name="scimSearchAll", reads_body=BODY,
               description=(
                   "A SearchRequest (RFC 7644 §3.4.3): `filter`, `startIndex`, `count`, "
                   "`attributes`, `excludedAttributes`, as for `GET /Users`, over the "
                   "organization's Users then its Groups, as one ListResponse."), **DETAILS)
    def on_post(self, req, resp):
        organization_id = organization_of(req)
        req.context.input = search_request(body_of(req))
        base = base_url(req)

        def fetch(predicate, offset, count):
            documents = self._users.documents(organization_id, predicate, base) + [
                group_document(g, m, base) for g, m in self._groups.list(organization_id)]
            return filtered(documents, predicate, offset, count)

        answer_list(req, resp, fetch)
