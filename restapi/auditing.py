"""The HTTP side of the audit log: who is acting on this request; sign-ins; refused keys.

`Auditing` is middleware, after Authentication: it makes the request's actor (the API key,
or the dashboard session signed in with one; WorkOS on its webhook), client address and
request id current for the store, which records every change it makes as theirs
(store/audit/). No endpoint records anything itself. What changes no row is recorded here:
a dashboard sign-in or sign-out, and a refused authentication of a key that exists.
"""
from goldenrecord.store.audit import context
from goldenrecord.store.audit.journal import Note

# Operations that change no audited row but are recorded (by their operationId): the
# dashboard's sign-in, whose key is the one the request proved, and its sign-out, whose key
# is the one the ended session was signed in with (revoked or not: a session can still be
# signed out of).
SESSION_CHANGES = {"createAdminSession": "dashboard.signed_in",
                   "deleteAdminSession": "dashboard.signed_out"}


def actor_of(req):
    """The Actor behind `req`'s caller: its key, through a bearer token or a dashboard
    session (no Authorization header: the cookie), or None without a caller."""
    caller = req.context.caller
    if caller is None:
        return None
    kind = "api_key" if req.get_header("Authorization") else "dashboard"
    return context.Actor(kind, caller.key.id, caller.key.name)


class Auditing:
    def __init__(self, audit, client_address):
        self._audit = audit  # store.audit
        self._client_address = client_address

    def process_resource(self, req, resp, resource, params):
        actor = actor_of(req)
        if actor is None:
            kind = getattr(resource, "audit_actor", None)  # WorkOS's webhook
            if kind is None:
                return
            actor = context.Actor(kind)
        req.context.audit = context.enter(self._context(req, actor))

    def process_response(self, req, resp, resource, req_succeeded):
        token = req.context.audit
        if token is not None:
            context.leave(token)
            req.context.audit = None
        action = SESSION_CHANGES.get(_operation_name(resource, req.method))
        key = req.context.authenticated
        if action and key is not None and req_succeeded and resp.status_code < 300:
            self._record(req, context.Actor("dashboard", key.id, key.name),
                         Note(action, "api_key", key.id, key.organization_id, {}))

    def refused(self, req, key, reason):
        """Authentication refused `key`, which exists: revoked, expired, or from an address
        it does not allow. Unknown tokens are not recorded: anyone could fill the log."""
        self._record(req, context.Actor("api_key", key.id, key.name),
                     Note("api_key.authentication_refused", "api_key", key.id,
                          key.organization_id, {}, {"reason": reason}))

    def _record(self, req, actor, note):
        with context.acting(actor, client_address=self._client_address.of(req),
                            request_id=req.context.request_id):
            self._audit.record(note)

    def _context(self, req, actor):
        return context.Context(actor, self._client_address.of(req), req.context.request_id)


def _operation_name(resource, method):
    responder = getattr(resource, f"on_{method.lower()}", None)
    declared = getattr(responder, "operation", None)
    return declared.name if declared is not None else None
