"""/api/v1/webhooks"""
from datetime import timedelta

from goldenrecord.store import records
from goldenrecord.store.events import ALL_EVENTS, EVENT_TYPES
from goldenrecord.webhook_delivery import UnsafeTarget, check_target

from . import schemas
from .errors import ApiError
from .inputs import (Body, Bool, Choice, Integer, Metadata, OpaqueId, StringList, Text, Url,
                     invalid)
from .listing import paging_query, respond_with_page
from .operations import operation
from .resource import Resource
from .responses import created, ok

_EVENTS = dict(min_items=1, max_items=len(EVENT_TYPES) + 1, example=["organization.created"],
               description="The event types to receive (`*`: all)")
_EVENT = Choice(ALL_EVENTS, *EVENT_TYPES)
_NAME = dict(max_length=100, description="What the subscription is for", example="CRM")
_URL = dict(description="Where events are POSTed; must not resolve to a private address unless "
                        "the server allows it", example="https://crm.acme.com/hooks")
_METADATA = dict(example={"team": "crm"})
CREATE = Body(name=Text(required=True, **_NAME), url=Url(required=True, **_URL),
              events=StringList(_EVENT, required=True, **_EVENTS), metadata=Metadata(**_METADATA))
UPDATE = Body(name=Text(**_NAME), url=Url(**_URL), events=StringList(_EVENT, **_EVENTS),
              isActive=Bool(description="False pauses deliveries; true re-enables a "
                                        "subscription the service disabled", example=True),
              metadata=Metadata(**_METADATA))
# How long a rotated-out secret keeps signing beside the new one (Svix's 24 hours by
# default; at most the 7 days a rotated API key lasts; 0: it stops at once).
GRACE_DEFAULT_SECONDS, GRACE_MAX_SECONDS = 24 * 3600, 7 * 24 * 3600
ROTATE = Body(gracePeriodSeconds=Integer(
    minimum=0, maximum=GRACE_MAX_SECONDS, default=GRACE_DEFAULT_SECONDS, example=3600,
    description="Seconds the replaced secret keeps signing deliveries beside the new one "
                "(0: it stops at once)"))
LIST = paging_query()
BY_ID = {"id": OpaqueId(description="The subscription's id")}
_FOUND = ("GR_NOT_FOUND",)
# The scope that reads what each kind of event carries (its name before the dot).
EVENT_SCOPES = {"organization": "organizations:read", "user": "users:read",
                "membership": "users:read", "role": "roles:read",
                "permission": "permissions:read", "invitation": "invitations:read",
                "group": "users:read"}
RECEIVES_ONLY_READABLE = ("Subscribing to `user.*`, `membership.*` or `group.*` (SCIM groups) "
                          "events needs `users:read`, "
                          "to `organization.*` `organizations:read`, to `role.*` "
                          "`roles:read`, to `permission.*` `permissions:read`, to "
                          "`invitation.*` `invitations:read`, and `*` all five (403 "
                          "`GR_FORBIDDEN`, field `events`): a subscription receives only what "
                          "its creator could read.")


def scopes_to_receive(events):
    """The read scopes covering what `events` deliver, in a stable order."""
    kinds = set(EVENT_SCOPES) if ALL_EVENTS in events else {e.split(".")[0] for e in events}
    return sorted({EVENT_SCOPES[kind] for kind in kinds})


def require_readable(caller, events):
    """Refuse a subscription that would deliver data its creator may not read: events are
    the records themselves, so `webhooks:write` alone would be a way around the read scopes."""
    for scope in scopes_to_receive(events):
        if not caller.has(scope):
            raise ApiError("GR_FORBIDDEN",
                           f"Subscribing to these events needs the '{scope}' scope: a "
                           "subscription receives only what its creator could read",
                           field="events")


def with_secret(webhook):
    """The subscription with its signing secret: only the answers that make a secret (create,
    rotate) show it, once."""
    return {**records.webhook(webhook), "secret": webhook.secret}


class _WebhookResource(Resource):
    def __init__(self, store, cursors, *, allow_private_targets):
        super().__init__(store, cursors)
        self.allow_private_targets = allow_private_targets

    def checked(self, req):
        """The checked body, with `url` a target we may send to and `events` ones the
        caller may read."""
        fields = req.context.input
        if "events" in fields:
            require_readable(req.context.caller, fields["events"])
        if "url" in fields:
            try:
                check_target(fields["url"], allow_private=self.allow_private_targets)
            except UnsafeTarget as error:
                raise invalid("url", str(error))
        return fields


class WebhooksResource(_WebhookResource):
    @operation("List webhook subscriptions", name="listWebhooks", scope="webhooks:read",
               response="Webhook", query=LIST, page=True, description=(
                   "Subscriptions, oldest first, a page at a time, without their secrets. An "
                   "organization-scoped key sees its organization's only."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "webhooks", self.store.webhooks.list, records.webhook)

    @operation("Subscribe (the signing secret is in this answer only)", name="createWebhook",
               scope="webhooks:write",
               response="CreatedWebhook", status=201, body=CREATE,
               description=RECEIVES_ONLY_READABLE)
    def on_post(self, req, resp):
        webhook = self.store.webhooks.create(org_scope=req.context.caller.org_scope,
                                             **self.checked(req))
        created(req, resp, with_secret(webhook))


class WebhookResource(_WebhookResource):
    @operation("Get a webhook subscription", name="getWebhook", scope="webhooks:read",
               response="Webhook", path=BY_ID, errors=_FOUND,
               description="One subscription by id, without its secret.")
    def on_get(self, req, resp, id):
        self.show(req, resp, id, self.store.webhooks.get, records.webhook)

    @operation("Update a webhook subscription", name="updateWebhook", scope="webhooks:write",
               response="Webhook",
               path=BY_ID, body=UPDATE, partial=True, errors=_FOUND,
               description=RECEIVES_ONLY_READABLE)
    def on_put(self, req, resp, id):
        webhook = self.store.webhooks.update(id, self.checked(req),
                                             org_scope=req.context.caller.org_scope)
        ok(req, resp, records.webhook(webhook))

    @operation("Delete a webhook subscription and its pending deliveries",
               name="deleteWebhook", scope="webhooks:write", response="Deleted", path=BY_ID,
               errors=_FOUND, description=(
                   "Ends the subscription at once: nothing more is sent to it, pending "
                   "deliveries included."))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.webhooks.delete)

    @operation("Queue a signed ping event to this subscription alone", name="pingWebhook",
               description=("Queues a `ping` event to this one subscription, signed like any "
                            "other: a way to test a receiver. It shows in the delivery log."),
               scope="webhooks:write",
               response=schemas.PING, status=202, path=BY_ID, body=Body(), body_optional=True,
               errors=_FOUND)
    def on_post_test(self, req, resp, id):
        event_id = self.store.webhooks.ping(id, org_scope=req.context.caller.org_scope)
        ok(req, resp, {"eventId": event_id, "event": "ping", "queued": True}, status=202)

    @operation("Rotate the signing secret (the new one is in this answer only)",
               name="rotateWebhookSecret", scope="webhooks:write",
               response="CreatedWebhook", path=BY_ID, body=ROTATE, body_optional=True,
               errors=_FOUND, description=(
                   "Replaces the subscription's signing secret with a new `whsec_` one, shown "
                   "in this answer only. Every delivery sent after it, pending retries "
                   "included, is signed with the new secret and, for `gracePeriodSeconds` "
                   "(24 hours unless given; until `previousSecretExpiresAt`), with the "
                   "replaced one too: `webhook-signature` carries both signatures and "
                   "`X-Webhook-Signature-Previous` the replaced one's, so the receiver can be "
                   "updated in that time. A secret rotated out earlier stops at once."))
    def on_post_rotate_secret(self, req, resp, id):
        grace = timedelta(seconds=req.context.input.get("grace_period_seconds",
                                                        GRACE_DEFAULT_SECONDS))
        webhook = self.store.webhooks.rotate_secret(id, grace=grace,
                                                    org_scope=req.context.caller.org_scope)
        ok(req, resp, with_secret(webhook))


class DeliveriesResource(Resource):
    @operation("A subscription's delivery log", name="listDeliveries", scope="webhooks:read",
               description=("Each event sent or to be sent to this subscription, with its "
                            "status, attempts and last answer, oldest first."),
               response="Delivery",
               path=BY_ID, query=LIST, page=True, errors=_FOUND)
    def on_get(self, req, resp, id):
        webhook = self.store.webhooks.get(id, org_scope=req.context.caller.org_scope)
        respond_with_page(req, resp, self.cursors, name=f"deliveries:{webhook.id}",
                          fetch=lambda **kw: self.store.events.deliveries(webhook.id, **kw),
                          serialize=records.delivery)


class RedeliverResource(Resource):
    @operation("Send a delivery's event again (same X-Webhook-Id)", name="redeliverDelivery",
               description=("Queues a new delivery of the same event, with the same event "
                            "id so a receiver can tell it has seen it, and fresh attempts. "
                            "The subscription must be active (400, field `webhookId`)."),
               scope="webhooks:write",
               response="Delivery", status=202,
               path={**BY_ID, "delivery_id": OpaqueId(description="The delivery's id")},
               body=Body(), body_optional=True, errors=_FOUND)
    def on_post(self, req, resp, id, delivery_id):
        webhook = self.store.webhooks.get(id, org_scope=req.context.caller.org_scope)
        delivery = self.store.events.redeliver(webhook.id, delivery_id)
        ok(req, resp, records.delivery(delivery), status=202)
