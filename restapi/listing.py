"""List endpoints: limit and cursor parsing, the store call, the page envelope."""
import hashlib

from .inputs import Bool, Integer, Query, Text
from .responses import DEFAULT_LIMIT, MAX_LIMIT, Encoded, encoded, page


def paging_query(**filters):
    """A Query with the contract's `limit` and `cursor` beside an endpoint's own filters."""
    return Query(limit=Integer(minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT,
                               description="Items per page"),
                 cursor=Text(max_length=1000, description=(
                     "The previous page's `meta.nextCursor`, for the page after it; only "
                     "valid for the same list and filters")), **filters)


def search_field():
    """The `search` filter of the lists that rank by relevance."""
    return Text(min_length=0, example="acme", description=(
        "Words to look for (typo-tolerant); the page is then ordered by relevance"))


def active_field(kind):
    """The `isActive` filter of the lists of records with a soft-delete flag (organizations,
    users): absent, every record, as before the filter existed."""
    return Bool(example=True, description=(
        f"Only active {kind} (`true`) or only inactive, soft-deleted ones (`false`); "
        "absent: both"))


def respond_with_page(req, resp, cursors, *, name, fetch, serialize):
    """Call `fetch(limit=, after=, **filters)` with the checked query, answer a page.

    `name` binds cursors to this list: a cursor from another list is refused.
    """
    params = dict(req.context.input)
    if params.get("search"):
        # relevance pages carry an offset into one query's ranking: bind them to it
        digest = hashlib.sha256(params["search"].encode()).hexdigest()[:16]
        name = f"{name}:search:{digest}"
    limit = params.pop("limit")
    token = params.pop("cursor", None)
    after = cursors.load(name, token) if token else None
    result = fetch(limit=limit, after=after, **params)
    next_cursor = cursors.dump(name, result.after) if result.after else None
    page(req, resp, result, _encoded_items(result, serialize), limit=limit, next_cursor=next_cursor)


def _encoded_items(result, serialize):
    """The page's items through `serialize`, encoded once per page: a page the store keeps
    in memory (store/pages.py) is answered again without building its JSON again, and the
    hot lists' pages come with their JSON already built by SQLite (store/listjson.py)."""
    data = result.memo.get(serialize)
    if data is None:
        data = result.memo[serialize] = encoded([serialize(item) for item in result.items])
    elif type(data) is not Encoded:  # encoded by SQLite in the store (store/listjson.py)
        data = result.memo[serialize] = Encoded(data)
    return data
