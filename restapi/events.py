"""/api/v1/events: the outbox as a feed, for consumers that cannot take webhooks.

The events are those webhooks deliver (same id, event, timestamp, data), in commit order
(store/feed.py). A key reads the event types its read scopes cover — the rule a webhook
subscription is held to (webhooks.EVENT_SCOPES) — and an organization-scoped key only its
organization's events.
"""
from goldenrecord.store.events import EVENT_TYPES
from goldenrecord.store.feed import payloads

from . import schemas
from .errors import ApiError
from .inputs import DateTime, Integer, Query, Text, Uuid, invalid
from .operations import operation
from .resource import Resource
from .responses import encoded, ok
from .webhooks import EVENT_SCOPES

FEED_LIMIT = 1000
_LIST = "events"
QUERY = Query(
    after=Text(max_length=200, description=(
        "The `meta.nextCursor` of an earlier page: the feed resumes just after it. Not given: "
        "from the oldest event kept")),
    types=Text(max_length=1000, example="organization.created,organization.updated",
               description="Comma-separated event types; not given: every type the key may read"),
    organizationId=Uuid(description="Only events concerning this organization"),
    rangeStart=DateTime(description="Only events at or after this time"),
    rangeEnd=DateTime(description="Only events before this time"),
    limit=Integer(minimum=1, maximum=FEED_LIMIT, default=100, description="Events per page"))


def readable_types(caller):
    """The event types `caller`'s read scopes cover, in EVENT_TYPES order."""
    return [t for t in EVENT_TYPES if caller.has(EVENT_SCOPES[t.split(".")[0]])]


def chosen_types(caller, asked):
    """The types to serve: those asked for (each must exist and be readable, else 400/403
    naming `types`), or every readable one."""
    readable = readable_types(caller)
    if asked is None:
        return readable
    wanted = [t.strip() for t in asked.split(",") if t.strip()]
    if not wanted:
        raise invalid("types", "types must name at least one event type")
    for name in wanted:
        if name not in EVENT_TYPES:
            raise invalid("types", f"Unknown event type '{name}'")
        if name not in readable:
            raise ApiError("GR_FORBIDDEN", f"Reading '{name}' events needs the "
                           f"'{EVENT_SCOPES[name.split('.')[0]]}' scope", field="types")
    return wanted


class EventsResource(Resource):
    @operation("The events feed, in commit order", name="listEvents", scope="events:read",
               response={"type": "array", "items": schemas.FEED_EVENT}, query=QUERY,
               meta=schemas.FEED_META, errors=("GR_EVENTS_CURSOR_EXPIRED",), description=(
                   "The events webhooks deliver, oldest first in the order their changes "
                   "committed. Keep `meta.nextCursor` and pass it as `after` to resume: a walk "
                   "never skips nor repeats an event, even while events are written. Events are "
                   "kept `events.retention_days` (default 30); a cursor older than that is "
                   "answered 410 `GR_EVENTS_CURSOR_EXPIRED`. A key reads the event types its "
                   "read scopes cover (`organization.*`: `organizations:read`; `user.*`, "
                   "`membership.*`: `users:read`); an organization-scoped key only its "
                   "organization's events."))
    def on_get(self, req, resp):
        fields = req.context.input
        caller = req.context.caller
        types = chosen_types(caller, fields.get("types"))
        organization_id = fields.get("organization_id")
        if caller.org_scope is not None:
            if organization_id not in (None, caller.org_scope):
                raise ApiError("GR_ORG_SCOPE_VIOLATION", field="organizationId")
            organization_id = caller.org_scope
        after = int(self.cursors.load(_LIST, fields["after"])[0]) if fields.get("after") else 0
        limit = fields["limit"]
        rows = self.store.feed.read(after=after, limit=limit + 1, types=types,
                                    organization_id=organization_id,
                                    range_start=fields.get("range_start"),
                                    range_end=fields.get("range_end")) if types else []
        if fields.get("after") and after < self.store.feed.pruned_through():
            # checked after the read, so a prune between the two cannot go unnoticed
            raise ApiError("GR_EVENTS_CURSOR_EXPIRED")
        page = rows[:limit]
        last = page[-1][0] if page else after
        ok(req, resp, encoded(payloads(page)), meta={
            "limit": limit, "hasMore": len(rows) > limit,
            "nextCursor": self.cursors.dump(_LIST, (str(last), "seq"))})
