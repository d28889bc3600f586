"""Webhook subscriptions. A subscription made by an organization-scoped key belongs to
that organization and receives only its events."""
import base64
import secrets
from datetime import timedelta

from .db import write_transaction
from .events import PING
from .models import Webhook
from .organizations import owned_row
from .pages import counted, keyset_page


def new_secret():
    """`whsec_` + base64 of 32 random bytes: the form Standard Webhooks libraries expect."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Webhooks:
    def __init__(self, store):
        self._store = store

    def get(self, webhook_id, *, org_scope=None):
        return owned_row(Webhook, "webhook", webhook_id, org_scope)

    def list(self, *, limit, after=None, org_scope=None):
        query = Webhook.select()
        total = counted("webhook")
        if org_scope is not None:
            query = query.where(Webhook.organization == org_scope)
            total = counted("webhook.organization", org_scope)
        return keyset_page(query, Webhook, limit, after, total)

    def create(self, *, name, url, events, metadata=None, org_scope=None):
        now = self._store.now()
        with write_transaction():
            return Webhook.create(
                id=self._store.new_id("wh"), name=name, url=url, secret=new_secret(),
                events=sorted(set(events)), organization=org_scope, metadata=metadata or {},
                created_at=now, updated_at=now)

    def update(self, webhook_id, changes, *, org_scope=None):
        """Change name, url, events or isActive; turning it on again clears why it was off."""
        with write_transaction():
            webhook = self.get(webhook_id, org_scope=org_scope)
            if "events" in changes:
                changes = {**changes, "events": sorted(set(changes["events"]))}
            if changes.get("is_active"):
                changes = {**changes, "disabled_reason": None}
            now = self._store.now()
            if webhook.previous_secret is not None and webhook.signing_secrets(now)[1] is None:
                changes = {**changes, "previous_secret": None, "previous_secret_expires_at": None}
            return webhook.apply(changes, now)

    def rotate_secret(self, webhook_id, *, grace=timedelta(0), org_scope=None):
        """Replace the signing secret with a fresh one made (and sealed) as on create. The
        sender reads the secrets with each delivery it sends, so everything sent after this
        commit, pending retries included, is signed with the new one — and, for `grace`
        after it, with the replaced one too, so a receiver still holding it keeps
        verifying. Only the secret replaced now is kept: one rotated out earlier stops at
        once (zero `grace`: the replaced one too)."""
        now = self._store.now()
        with write_transaction():
            webhook = self.get(webhook_id, org_scope=org_scope)
            kept = grace > timedelta(0)
            return webhook.apply({"secret": new_secret(),
                                  "previous_secret": webhook.secret if kept else None,
                                  "previous_secret_expires_at": now + grace if kept else None},
                                 now)

    def delete(self, webhook_id, *, org_scope=None):
        """Delete the subscription; its pending deliveries go with it, at once."""
        with write_transaction():
            webhook = self.get(webhook_id, org_scope=org_scope)
            webhook.delete_instance()
            return webhook

    def ping(self, webhook_id, *, org_scope=None):
        """Queue a signed `ping` event to this one subscription; returns the event id."""
        with write_transaction():
            webhook = self.get(webhook_id, org_scope=org_scope)
            data = {"webhookId": webhook.id, "message": "Golden Record webhook test"}
            return self._store.events.emit(PING, data, [], only=webhook)
