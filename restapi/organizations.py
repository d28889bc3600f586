"""/api/v1/organizations"""
import falcon

from goldenrecord.store import records

from .access import require_scope
from .inputs import Body, Bool, Domain, Integer, Metadata, Query, Slug, Text, Url, read_json
from .listing import paging_query
from .resource import Resource, uuid_param
from .responses import ok

_EDITABLE = dict(
    domain=Domain(nullable=True),
    logoUrl=Url(nullable=True),
    metadata=Metadata(),
)
CREATE = Body(name=Text(required=True), slug=Slug(required=True), **_EDITABLE)
UPDATE = Body(name=Text(), slug=Slug(), isActive=Bool(), **_EDITABLE)
VERIFY = Body(isVerified=Bool())
LIST = paging_query(search=Text(min_length=0), includeStaging=Bool())


class OrganizationsResource(Resource):
    @falcon.before(require_scope("organizations:read"))
    def on_get(self, req, resp):
        self.list_page(req, resp, "organizations", LIST, self.store.organizations.list,
                       records.organization)

    @falcon.before(require_scope("organizations:create"))
    def on_post(self, req, resp):
        self.create(req, resp, CREATE, self.store.organizations.create, records.organization)


class OrganizationResource(Resource):
    @falcon.before(require_scope("organizations:read"))
    def on_get(self, req, resp, id):
        self.show(req, resp, uuid_param(id), self.store.organizations.get, records.organization)

    @falcon.before(require_scope("organizations:update"))
    def on_put(self, req, resp, id):
        self.update(req, resp, uuid_param(id), UPDATE, self.store.organizations.update,
                    records.organization)

    @falcon.before(require_scope("organizations:delete"))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, uuid_param(id), self.store.organizations.delete)

    @falcon.before(require_scope("organizations:update"))
    def on_post_verify(self, req, resp, id):
        """Toggle verification, or set it with an explicit {"isVerified": bool}."""
        org_id = uuid_param(id)
        wanted = VERIFY.parse(read_json(req, optional=True)).get("is_verified")
        org = self.store.organizations.set_verified(org_id, wanted, scope=req.context.caller.scope)
        message = ("Organization verified successfully" if org.is_verified
                   else "Organization moved to staging")
        ok(req, resp, {"id": org.id, "isVerified": org.is_verified, "message": message})


AUTOCOMPLETE = Query(q=Text(min_length=0), limit=Integer(minimum=1, maximum=20),
                     includeStaging=Bool())


class OrganizationAutocompleteResource(Resource):
    @falcon.before(require_scope("organizations:read"))
    def on_get(self, req, resp):
        """Compact, typo-tolerant hits for a search-as-you-type dropdown.

        `matches` gives, per field, the [start, end) character ranges that matched, so a
        client can mark them without ever treating the text as markup.
        """
        params = AUTOCOMPLETE.parse(req)
        hits = self.store.organizations.autocomplete(
            params.get("q", ""), limit=params.get("limit", 8),
            include_staging=params.get("include_staging", False), scope=req.context.caller.scope)
        ok(req, resp, [{"id": org.id, "name": org.name, "slug": org.slug, "domain": org.domain,
                        "isVerified": org.is_verified, "matches": matches}
                       for org, matches in hits])
