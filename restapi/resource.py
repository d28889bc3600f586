"""What every resource class shares: its collaborators and the steps of a responder.

Responders stay two lines — the scope they need, and one call here — so the rules for
parsing, organization scope and the envelope live in one place.
"""
from .inputs import Uuid, read_json
from .listing import respond_with_page
from .responses import created, deleted, ok

_UUID = Uuid()


def uuid_param(value, name="id"):
    """A path id that must be a UUID: malformed is 400 naming the field, not a 404."""
    return _UUID.clean(value, name)


class Resource:
    def __init__(self, store, cursors):
        self.store = store
        self.cursors = cursors

    def list_page(self, req, resp, name, query, fetch, serialize):
        """A page from `fetch(limit=, after=, scope=, **filters)`."""
        scope = req.context.caller.scope
        respond_with_page(req, resp, self.cursors, name=name, query=query,
                          fetch=lambda **kw: fetch(scope=scope, **kw), serialize=serialize)

    def create(self, req, resp, body, action, serialize):
        """201 with what `action(scope=, **fields)` made of the checked body."""
        fields = body.parse(read_json(req))
        created(req, resp, serialize(action(scope=req.context.caller.scope, **fields)))

    def show(self, req, resp, row_id, fetch, serialize):
        ok(req, resp, serialize(fetch(row_id, scope=req.context.caller.scope)))

    def update(self, req, resp, row_id, body, action, serialize):
        """200 with the row after `action(row_id, changes, scope=)` applied the partial body."""
        changes = body.parse(read_json(req), partial=True)
        ok(req, resp, serialize(action(row_id, changes, scope=req.context.caller.scope)))

    def delete(self, req, resp, row_id, action):
        row = action(row_id, scope=req.context.caller.scope)
        deleted(req, resp, row.id)
