"""What every resource class shares: its collaborators and the steps of a responder.

Responders stay two lines — their `@operation` declaration, and one call here — so the
rules for organization scope and the envelope live in one place. Input is already checked
by the declaration's hook and waits in `req.context.input`.
"""
from .listing import respond_with_page
from .responses import created, deleted, ok


class Resource:
    def __init__(self, store, cursors):
        self.store = store
        self.cursors = cursors

    def list_page(self, req, resp, name, fetch, serialize, *, encoded=False):
        """A page from `fetch(limit=, after=, org_scope=, **filters)`; with `encoded`, fetch
        is also given encoded=True: it may hand the items already encoded as `serialize`
        shows them (the hot lists, store/listjson.py)."""
        org_scope = req.context.caller.org_scope
        extra = {"encoded": True} if encoded else {}
        respond_with_page(req, resp, self.cursors, name=name, serialize=serialize,
                          fetch=lambda **kw: fetch(org_scope=org_scope, **extra, **kw))

    def create(self, req, resp, action, serialize):
        """201 with what `action(org_scope=, **fields)` made of the checked body."""
        org_scope = req.context.caller.org_scope
        created(req, resp, serialize(action(org_scope=org_scope, **req.context.input)))

    def show(self, req, resp, row_id, fetch, serialize):
        ok(req, resp, serialize(fetch(row_id, org_scope=req.context.caller.org_scope)))

    def update(self, req, resp, row_id, action, serialize):
        """200 with the row after `action(row_id, changes, org_scope=)` applied the partial body."""
        org_scope = req.context.caller.org_scope
        ok(req, resp, serialize(action(row_id, req.context.input, org_scope=org_scope)))

    def delete(self, req, resp, row_id, action):
        row = action(row_id, org_scope=req.context.caller.org_scope)
        deleted(req, resp, row.id)
