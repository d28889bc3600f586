"""List endpoints: limit and cursor parsing, the store call, the page envelope."""
import hashlib

from .inputs import Integer, Query, Text
from .responses import DEFAULT_LIMIT, MAX_LIMIT, page


def paging_query(**filters):
    """A Query with the contract's `limit` and `cursor` beside an endpoint's own filters."""
    return Query(limit=Integer(minimum=1, maximum=MAX_LIMIT),
                 cursor=Text(max_length=1000), **filters)


def respond_with_page(req, resp, cursors, *, name, fetch, serialize):
    """Call `fetch(limit=, after=, **filters)` with the checked query, answer a page.

    `name` binds cursors to this list: a cursor from another list is refused.
    """
    params = dict(req.context.input)
    if params.get("search"):
        # relevance pages carry an offset into one query's ranking: bind them to it
        digest = hashlib.sha256(params["search"].encode()).hexdigest()[:16]
        name = f"{name}:search:{digest}"
    limit = params.pop("limit", DEFAULT_LIMIT)
    token = params.pop("cursor", None)
    after = cursors.load(name, token) if token else None
    result = fetch(limit=limit, after=after, **params)
    next_cursor = cursors.dump(name, result.after) if result.after else None
    page(req, resp, result, [serialize(item) for item in result.items],
         limit=limit, next_cursor=next_cursor)
