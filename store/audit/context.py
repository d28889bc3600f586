"""Who is acting, from where: the request-scoped context the audit log reads.

The HTTP layer (restapi/middleware.py), the CLI and the WorkOS entry points say who acts
with `acting(...)`; the store, which never imports them, reads `current()` when it records
a change (store/audit/journal.py). A context variable is per thread (and per task), so
concurrent requests on waitress's threads never see each other's actor.
"""
import contextlib
import contextvars
from typing import NamedTuple


class Actor(NamedTuple):
    """Who made a change. `kind`: api_key, dashboard (a session signed in with a key),
    cli, workos or system; `id` and `name`: the key's, for the first two."""

    kind: str
    id: str | None = None
    name: str | None = None


class Context(NamedTuple):
    actor: Actor
    client_address: str | None = None
    request_id: str | None = None


SYSTEM = Context(Actor("system"))
_current = contextvars.ContextVar("goldenrecord_audit_context", default=SYSTEM)


def current():
    """The context of the change being made now (SYSTEM when nobody said)."""
    return _current.get()


def enter(context):
    """Make `context` current until `leave(token)`: for middleware, whose start and end
    are two calls rather than one block."""
    return _current.set(context)


def leave(token):
    _current.reset(token)


@contextlib.contextmanager
def acting(actor, *, client_address=None, request_id=None):
    """Within the block, changes are recorded as `actor`'s."""
    token = enter(Context(actor, client_address, request_id))
    try:
        yield
    finally:
        leave(token)
