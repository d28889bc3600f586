"""/api/v1/organizations"""
import falcon

from store import records

from .access import require_scope
from .inputs import Body, Bool, Domain, Metadata, Slug, Text, Url, read_json
from .listing import paging_query, respond_with_page
from .resource import Resource, uuid_param
from .responses import created, deleted, ok

_EDITABLE = dict(
    domain=Domain(nullable=True),
    logoUrl=Url(nullable=True),
    metadata=Metadata(),
)
CREATE = Body(name=Text(required=True), slug=Slug(required=True), **_EDITABLE)
UPDATE = Body(name=Text(), slug=Slug(), isActive=Bool(), **_EDITABLE)
VERIFY = Body(isVerified=Bool())
LIST = paging_query(search=Text(), includeStaging=Bool())


class OrganizationsResource(Resource):
    @falcon.before(require_scope("organizations:read"))
    def on_get(self, req, resp):
        caller = req.context.caller
        respond_with_page(
            req, resp, self.cursors, name="organizations", query=LIST,
            fetch=lambda **kw: self.store.organizations.list(scope=caller.scope, **kw),
            serialize=records.organization,
        )

    @falcon.before(require_scope("organizations:create"))
    def on_post(self, req, resp):
        fields = CREATE.parse(read_json(req))
        org = self.store.organizations.create(scope=req.context.caller.scope, **fields)
        created(req, resp, records.organization(org))


class OrganizationResource(Resource):
    @falcon.before(require_scope("organizations:read"))
    def on_get(self, req, resp, id):
        org = self.store.organizations.get(uuid_param(id), scope=req.context.caller.scope)
        ok(req, resp, records.organization(org))

    @falcon.before(require_scope("organizations:update"))
    def on_put(self, req, resp, id):
        org_id = uuid_param(id)
        changes = UPDATE.parse(read_json(req), partial=True)
        org = self.store.organizations.update(org_id, changes, scope=req.context.caller.scope)
        ok(req, resp, records.organization(org))

    @falcon.before(require_scope("organizations:delete"))
    def on_delete(self, req, resp, id):
        org = self.store.organizations.delete(uuid_param(id), scope=req.context.caller.scope)
        deleted(req, resp, org.id)

    @falcon.before(require_scope("organizations:update"))
    def on_post_verify(self, req, resp, id):
        """Toggle verification, or set it with an explicit {"isVerified": bool}."""
        org_id = uuid_param(id)
        wanted = VERIFY.parse(read_json(req, optional=True)).get("is_verified")
        org = self.store.organizations.set_verified(org_id, wanted, scope=req.context.caller.scope)
        message = ("Organization verified successfully" if org.is_verified
                   else "Organization moved to staging")
        ok(req, resp, {"id": org.id, "isVerified": org.is_verified, "message": message})
