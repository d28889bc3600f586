"""How SCIM answers: application/scim+json documents, resource versions (ETag), and the
organization every request acts in."""
import contextlib
import hashlib
import json

import falcon
from goldenrecord.restapi.errors import ApiError
from goldenrecord.restapi.inputs import read_json
from goldenrecord.store.db import write_transaction

from .errors import MEDIA_TYPE

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MEDIA_TYPES = (MEDIA_TYPE, "application/json")


def organization_of(req):
    """The organization the request's key is confined to: SCIM acts in one organization,
    so a global key, which has none, is refused (403)."""
    organization_id = req.context.caller.org_scope
    if organization_id is None:
        raise ApiError("GR_FORBIDDEN", "SCIM needs an organization-scoped API key: the "
                       "organization it provisions is the key's")
    return organization_id


def body_of(req):
    """The request's JSON object (application/scim+json or application/json)."""
    data = read_json(req, media_types=MEDIA_TYPES)
    if not isinstance(data, dict):
        raise ApiError("GR_VALIDATION_ERROR", "The body must be a JSON object", field="body")
    return data


def versioned(document):
    """`document` with meta.version: a weak entity tag over everything else it shows, so
    any change to what a client sees is a new version, however fast the clock."""
    shown = {key: value for key, value in document.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:20]
    document["meta"]["version"] = f'W/"{digest}"'
    return document


@contextlib.contextmanager
def changing(req, read_current):
    """A write transaction for a change of the resource `read_current()` reads (its SCIM
    document), which it yields: read, If-Match compared (412 on another version) and
    changed in one transaction, so no other writer slips between them (a PATCH's
    operations apply to the document as it stands in the transaction)."""
    with write_transaction():
        current = read_current()
        check_if_match(req, current["meta"]["version"])
        yield current


def check_if_match(req, current):
    """Refuse (412) a change whose If-Match names a version other than `current`."""
    wanted = req.get_header("If-Match")
    if wanted is None:
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" not in tags and current not in tags:
        raise ApiError("GR_PRECONDITION_FAILED",
                       "The resource changed since the version in If-Match")


def send(req, resp, document, *, status=200, location=None):
    """`document` as application/scim+json, with its ETag where it has a version; a GET
    whose If-None-Match names that version is answered 304 without it."""
    tag = document.get("meta", {}).get("version")
    if tag is not None:
        resp.set_header("ETag", tag)
        if req.method == "GET" and tag in (req.get_header("If-None-Match") or ""):
            resp.status = falcon.HTTP_304
            return
    if location is not None:
        resp.set_header("Location", location)
    resp.status = status
    resp.content_type = MEDIA_TYPE
    resp.media = document


def list_response(resources, total, start_index):
    return {"schemas": [LIST_SCHEMA], "totalResults": total, "startIndex": start_index,
            "itemsPerPage": len(resources), "Resources": resources}


def base_url(req):
    """Where this service is, as the client reached it: meta.location is made from it."""
    return f"{req.prefix}/scim/v2"
