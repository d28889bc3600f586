"""/api/v1/organizations"""
from goldenrecord.store import records

from . import schemas
from .inputs import Body, Bool, Domain, Integer, Metadata, Query, Slug, Text, Url, Uuid
from .listing import paging_query
from .operations import operation
from .resource import Resource
from .responses import encoded, ok

_EDITABLE = dict(
    domain=Domain(nullable=True),
    logoUrl=Url(nullable=True),
    metadata=Metadata(),
)
CREATE = Body(name=Text(required=True), slug=Slug(required=True), **_EDITABLE)
UPDATE = Body(name=Text(), slug=Slug(), isActive=Bool(), **_EDITABLE)
VERIFY = Body(isVerified=Bool())
LIST = paging_query(search=Text(min_length=0), includeStaging=Bool())
BY_ID = {"id": Uuid()}
_FOUND = ("GR_ORG_NOT_FOUND",)


def _encoded_organization(org):
    """What a read of one organization answers; kept in memory by the store until an
    organization changes, already encoded (responses.Encoded)."""
    return encoded(records.organization(org))


class OrganizationsResource(Resource):
    @operation("List organizations", scope="organizations:read", response="Organization",
               query=LIST, page=True)
    def on_get(self, req, resp):
        self.list_page(req, resp, "organizations", self.store.organizations.list,
                       records.organization)

    @operation("Create an organization (staging until verified)", scope="organizations:create",
               response="Organization", status=201, body=CREATE, errors=("GR_DUPLICATE_SLUG",))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.organizations.create, records.organization)


class OrganizationResource(Resource):
    @operation("Get an organization", scope="organizations:read", response="Organization",
               path=BY_ID, errors=_FOUND)
    def on_get(self, req, resp, id):
        ok(req, resp, self.store.organizations.presented(
            id, _encoded_organization, org_scope=req.context.caller.org_scope))

    @operation("Update an organization", scope="organizations:update", response="Organization",
               path=BY_ID, body=UPDATE, partial=True, errors=(*_FOUND, "GR_DUPLICATE_SLUG"))
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.organizations.update, records.organization)

    @operation("Delete an organization with its memberships", scope="organizations:delete",
               response="Deleted", path=BY_ID, errors=_FOUND)
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.organizations.delete)

    @operation("Toggle verification, or set it with {\"isVerified\": bool}",
               scope="organizations:update", response=schemas.VERIFIED, path=BY_ID, body=VERIFY,
               body_optional=True, errors=_FOUND)
    def on_post_verify(self, req, resp, id):
        wanted = req.context.input.get("is_verified")
        org = self.store.organizations.set_verified(
            id, wanted, org_scope=req.context.caller.org_scope)
        message = ("Organization verified successfully" if org.is_verified
                   else "Organization moved to staging")
        ok(req, resp, {"id": org.id, "isVerified": org.is_verified, "message": message})


AUTOCOMPLETE = Query(q=Text(min_length=0), limit=Integer(minimum=1, maximum=20),
                     includeStaging=Bool())


class OrganizationAutocompleteResource(Resource):
    @operation("Type-ahead organization search", scope="organizations:read",
               response=schemas.AUTOCOMPLETE, query=AUTOCOMPLETE, description=(
                   "Compact, typo-tolerant hits for a search-as-you-type dropdown. `matches` "
                   "gives, per field, the [start, end) character ranges that matched, so a "
                   "client can mark them without ever treating the text as markup."))
    def on_get(self, req, resp):
        params = req.context.input
        hits = self.store.organizations.autocomplete(
            params.get("q", ""), limit=params.get("limit", 8),
            include_staging=params.get("include_staging", False),
            org_scope=req.context.caller.org_scope)
        ok(req, resp, [{"id": org.id, "name": org.name, "slug": org.slug, "domain": org.domain,
                        "isVerified": org.is_verified, "matches": matches}
                       for org, matches in hits])
