"""What the SCIM resources (users.py, groups.py) share: their declarations' parts, the
list answer (filter, startIndex, count) and the attributes an answer shows."""
from goldenrecord.restapi.inputs import Integer, Query, Text

from . import attributes, filters
from .errors import ERRORS_AS, MEDIA_TYPE
from .responses import list_response, send

SCOPE = "scim:write"
MAX_COUNT = 200  # a page's most resources (ServiceProviderConfig's filter.maxResults)

_SHOWN = {"attributes": Text(max_length=1000, description="Only these attributes "
                             "(comma-separated paths; id and schemas always)"),
          "excludedAttributes": Text(max_length=1000, description="All attributes but these")}
LIST = Query(
    filter=Text(max_length=filters.MAX_LENGTH, description=(
        "A SCIM filter (RFC 7644 §3.4.2.2): eq ne co sw ew gt lt ge le pr, `and`, `or`, "
        "`not`, parentheses, `attr[filter]` and `attr[filter].sub`")),
    startIndex=Integer(minimum=-999999, maximum=999999, default=1,
                       description="1-based position of the first result (less than 1: 1, "
                                   "RFC 7644 §3.4.2.4)"),
    count=Integer(minimum=-999999, maximum=999999, default=100,
                  description=f"Results per page (negative: 0, RFC 7644 §3.4.2.4; more than "
                              f"{MAX_COUNT}: {MAX_COUNT})"),
    **_SHOWN)
SHOWN = Query(**_SHOWN)
DOCUMENT = {"type": "object", "description": "A SCIM resource (RFC 7643)"}
DETAILS = dict(scope=SCOPE, envelope=False, media_type=MEDIA_TYPE, response=DOCUMENT,
               errors_as=ERRORS_AS)
BODY = {MEDIA_TYPE: DOCUMENT}  # application/json is taken too, but not published twice


def by_id(noun):
    return {"id": Text(max_length=100, description=f"The {noun}'s id")}


def shown(req, document):
    """`document` with the attributes the query's attributes/excludedAttributes leave."""
    query = req.context.input
    return attributes.project(
        document, attributes.names(query.get("attributes"), "attributes"),
        attributes.names(query.get("excluded_attributes"), "excludedAttributes"))


def answer_list(req, resp, fetch):
    """A ListResponse of what `fetch(predicate, offset, count)` -> (total, documents) finds;
    `predicate` is the parsed filter, or None without one."""
    query = req.context.input
    start = max(query["start_index"], 1)
    count = min(max(query["count"], 0), MAX_COUNT)
    predicate = None if query.get("filter") is None else filters.parse(query["filter"])
    total, found = fetch(predicate, start - 1, count)
    send(req, resp, list_response([shown(req, d) for d in found], total, start))


def filtered(documents, predicate, offset, count):
    """(how many of `documents` `predicate` holds for, those from `offset`, `count` of them)."""
    matched = [d for d in documents if predicate is None or predicate(d)]
    return len(matched), matched[offset:offset + count]
