"""The HTTP side of the audit log: who is acting on this request, and refused keys.

`AuditContext` makes the request's actor (the API key, or the dashboard session signed in
with one; WorkOS on its webhook), client address and request id current for the store,
which records every change it makes as theirs (store/audit/). No endpoint records anything
itself.
"""
from goldenrecord.store.audit import context
from goldenrecord.store.audit.journal import Note


def actor_of(req):
    """The Actor behind `req`: its key, through a bearer token or a dashboard session, or
    what an unauthenticated resource says it is (`audit_actor`, WorkOS's webhook)."""
    caller = req.context.caller
    if caller is None:
        return None
    kind = "api_key" if req.get_header("Authorization") else "dashboard"
    return context.Actor(kind, caller.key.id, caller.key.name)


class AuditContext:
    """Middleware, after Authentication: the audit context of each request."""

    def __init__(self, client_address):
        self._client_address = client_address

    def process_resource(self, req, resp, resource, params):
        actor = actor_of(req)
        if actor is None:
            kind = getattr(resource, "audit_actor", None)
            if kind is None:
                return
            actor = context.Actor(kind)
        req.context.audit = context.enter(context.Context(
            actor, self._client_address.of(req), req.context.request_id))

    def process_response(self, req, resp, resource, req_succeeded):
        token = getattr(req.context, "audit", None)
        if token is not None:
            context.leave(token)
            req.context.audit = None


class RefusalLog:
    """Records a refused authentication of a key that exists (revoked, expired, or used from
    an address it does not allow): unknown tokens are noise, a known key refused is news."""

    def __init__(self, audit, client_address):
        self._audit = audit
        self._client_address = client_address

    def refused(self, req, key, reason):
        actor = context.Actor("api_key", key.id, key.name)
        with context.acting(actor, client_address=self._client_address.of(req),
                            request_id=req.context.request_id):
            self._audit.record(Note("api_key.authentication_refused", "api_key", key.id,
                                    key.organization_id, {}, {"reason": reason}))
