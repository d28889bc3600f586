"""/api/v1/webhooks"""
import falcon

from goldenrecord.store import records
from goldenrecord.store.events import ALL_EVENTS, EVENT_TYPES
from goldenrecord.webhook_delivery import UnsafeTarget, check_target

from .access import require_scope
from .errors import ApiError
from .inputs import Body, Bool, Metadata, OpaqueId, StringList, Text, Url, read_json
from .listing import paging_query, respond_with_page
from .resource import Resource
from .responses import created, ok

_EVENTS = dict(min_items=1, max_items=len(EVENT_TYPES) + 1)
CREATE = Body(name=Text(required=True, max_length=100), url=Url(required=True),
              events=StringList(Text(max_length=50), required=True, **_EVENTS),
              metadata=Metadata())
UPDATE = Body(name=Text(max_length=100), url=Url(), events=StringList(Text(max_length=50), **_EVENTS),
              isActive=Bool(), metadata=Metadata())
LIST = paging_query()
_ID = OpaqueId()


def _id(value, name="id"):
    return _ID.clean(value, name)


class _WebhookResource(Resource):
    def __init__(self, store, cursors, *, allow_private_targets):
        super().__init__(store, cursors)
        self.allow_private_targets = allow_private_targets

    def checked(self, req, body, partial=False):
        """The body's fields, with `events` known and `url` a target we may send to."""
        fields = body.parse(read_json(req), partial=partial)
        for name in fields.get("events", []):
            if name != ALL_EVENTS and name not in EVENT_TYPES:
                raise ApiError.validation("events", f"Unknown event '{name}'",
                                          {"allowed": [ALL_EVENTS, *EVENT_TYPES]})
        if "url" in fields:
            try:
                check_target(fields["url"], allow_private=self.allow_private_targets)
            except UnsafeTarget as error:
                raise ApiError.validation("url", str(error))
        return fields


class WebhooksResource(_WebhookResource):
    @falcon.before(require_scope("webhooks:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "webhooks", LIST, self.store.webhooks.list, records.webhook)

    @falcon.before(require_scope("webhooks:write"))
    def on_post(self, req, resp):
        """Subscribe; the signing secret is in this response and never again."""
        fields = self.checked(req, CREATE)
        webhook = self.store.webhooks.create(scope=req.context.caller.scope, **fields)
        created(req, resp, {**records.webhook(webhook), "secret": webhook.secret})


class WebhookResource(_WebhookResource):
    @falcon.before(require_scope("webhooks:read"))
    def on_get(self, req, resp, id):
        self.show(req, resp, _id(id), self.store.webhooks.get, records.webhook)

    @falcon.before(require_scope("webhooks:write"))
    def on_put(self, req, resp, id):
        webhook_id = _id(id)
        changes = self.checked(req, UPDATE, partial=True)
        webhook = self.store.webhooks.update(webhook_id, changes, scope=req.context.caller.scope)
        ok(req, resp, records.webhook(webhook))

    @falcon.before(require_scope("webhooks:write"))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, _id(id), self.store.webhooks.delete)

    @falcon.before(require_scope("webhooks:write"))
    def on_post_test(self, req, resp, id):
        """Queue a signed `ping` event to this subscription alone."""
        read_json(req, optional=True)
        event_id = self.store.webhooks.ping(_id(id), scope=req.context.caller.scope)
        ok(req, resp, {"eventId": event_id, "event": "ping", "queued": True}, status=202)


class DeliveriesResource(Resource):
    @falcon.before(require_scope("webhooks:read"))
    def on_get(self, req, resp, id):
        webhook = self.store.webhooks.get(_id(id), scope=req.context.caller.scope)
        respond_with_page(req, resp, self.cursors, name=f"deliveries:{webhook.id}", query=LIST,
                          fetch=lambda **kw: self.store.events.deliveries(webhook.id, **kw),
                          serialize=records.delivery)


class RedeliverResource(Resource):
    @falcon.before(require_scope("webhooks:write"))
    def on_post(self, req, resp, id, delivery_id):
        """Send the delivery's event again, as a new delivery with the same X-Webhook-Id."""
        read_json(req, optional=True)
        webhook = self.store.webhooks.get(_id(id), scope=req.context.caller.scope)
        delivery = self.store.events.redeliver(webhook.id, _id(delivery_id, "deliveryId"))
        ok(req, resp, records.delivery(delivery), status=202)
