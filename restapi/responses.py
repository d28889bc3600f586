"""Successful responses in the spec's envelope."""
import json

import falcon

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Encoded(bytes):
    """A `data` value already encoded as JSON, for answers kept in memory: the envelope is
    put around it without encoding it again on every request."""


def encoded(data):
    """`data` as Falcon's JSON handler would encode it (json.dumps, ensure_ascii=False)."""
    return Encoded(json.dumps(data, ensure_ascii=False).encode())


def ok(req, resp, data, *, status=200, meta=None):
    if type(data) is Encoded:
        resp.status = status
        resp.content_type = falcon.MEDIA_JSON
        meta_part = () if meta is None else (b', "meta": ', json.dumps(meta).encode())
        resp.data = b"".join((b'{"success": true, "data": ', data, *meta_part,
                              b', "requestId": "', req.context.request_id.encode(), b'"}'))
        return
    body = {"success": True, "data": data}
    if meta is not None:
        body["meta"] = meta
    body["requestId"] = req.context.request_id
    resp.status = status
    resp.media = body


def created(req, resp, data):
    ok(req, resp, data, status=201)


def deleted(req, resp, resource_id):
    ok(req, resp, {"id": resource_id, "deleted": True})


def page(req, resp, result, data, *, limit, next_cursor):
    """A list page with the contract's meta: limit, total, hasMore, nextCursor; and
    totalCapped, true when a search's total stopped counting (search.TOTAL_CAP)."""
    ok(req, resp, data, meta={
        "limit": limit,
        "total": result.total,
        "totalCapped": result.total_capped,
        "hasMore": result.after is not None,
        "nextCursor": next_cursor,
    })
