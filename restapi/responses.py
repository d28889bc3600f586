"""Successful responses in the spec's envelope."""

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def ok(req, resp, data, *, status=200, meta=None):
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
    """A list page with the contract's meta: limit, total, hasMore, nextCursor."""
    ok(req, resp, data, meta={
        "limit": limit,
        "total": result.total,
        "hasMore": result.after is not None,
        "nextCursor": next_cursor,
    })
