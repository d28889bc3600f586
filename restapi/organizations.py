"""/api/v1/organizations"""
from goldenrecord.store import records

from . import schemas
from .inputs import Body, Bool, Domain, Integer, Metadata, Query, Slug, Text, Url, Uuid
from .external import BY_EXTERNAL_ID, external_id_field, external_id_filter
from .listing import active_field, paging_query, search_field
from .operations import operation
from .resource import Resource
from .responses import encoded, ok

_EDITABLE = dict(
    domain=Domain(nullable=True, description="The organization's email domain",
                  example="acme.com"),
    externalId=external_id_field("organization"),
    logoUrl=Url(nullable=True, description="Where its logo is", example=None),
    metadata=Metadata(example={"plan": "enterprise"}),
)
_NAME = dict(description="The organization's display name", example="Acme Corp")
_SLUG = dict(description="Its unique, URL-safe name", example="acme-corp")
CREATE = Body(name=Text(required=True, **_NAME), slug=Slug(required=True, **_SLUG), **_EDITABLE)
UPDATE = Body(name=Text(**_NAME), slug=Slug(**_SLUG),
              isActive=Bool(description="False marks it inactive (it is kept)", example=True),
              **_EDITABLE)
VERIFY = Body(isVerified=Bool(description="The flag to set; absent: the flag is toggled",
                              example=True))
_STAGING = Bool(default=False, description=(
    "Include organizations not yet verified (staging)"))
LIST = paging_query(search=search_field(), includeStaging=_STAGING,
                    isActive=active_field("organizations"),
                    externalId=external_id_filter("organization"))
BY_ID = {"id": Uuid(description="The organization's id")}
_FOUND = ("GR_ORG_NOT_FOUND",)


def _encoded_organization(org):
    """What a read of one organization answers; kept in memory by the store until an
    organization changes, already encoded (responses.Encoded)."""
    return encoded(records.organization(org))


class OrganizationsResource(Resource):
    @operation("List organizations", name="listOrganizations", scope="organizations:read",
               response="Organization", query=LIST, page=True, description=(
                   "Verified organizations (all with `includeStaging=true`), oldest first, a "
                   "page at a time; with `search`, the best matches first. An "
                   "organization-scoped key sees its own organization only."))
    def on_get(self, req, resp):
        self.list_page(req, resp, "organizations", self.store.organizations.list,
                       records.organization, encoded=True)

    @operation("Create an organization (staging until verified)", name="createOrganization",
               scope="organizations:create", response="Organization", status=201, body=CREATE,
               errors=("GR_DUPLICATE_SLUG", "GR_DUPLICATE_EXTERNAL_ID"), description=(
                   "A new organization starts in staging (`isVerified: false`): lists leave it "
                   "out until it is verified. The slug must be unique (409 "
                   "`GR_DUPLICATE_SLUG`), and `externalId` too (409 "
                   "`GR_DUPLICATE_EXTERNAL_ID`). Emits `organization.created`."))
    def on_post(self, req, resp):
        self.create(req, resp, self.store.organizations.create, records.organization)


class OrganizationResource(Resource):
    @operation("Get an organization", name="getOrganization", scope="organizations:read",
               response="Organization", path=BY_ID, errors=_FOUND,
               description="One organization, staging or not, by id.")
    def on_get(self, req, resp, id):
        ok(req, resp, self.store.organizations.presented(
            id, _encoded_organization, org_scope=req.context.caller.org_scope))

    @operation("Update an organization", name="updateOrganization",
               scope="organizations:update", response="Organization", path=BY_ID, body=UPDATE,
               partial=True, errors=(*_FOUND, "GR_DUPLICATE_SLUG", "GR_DUPLICATE_EXTERNAL_ID"),
               description=(
                   "Changes the fields given and leaves the others; `null` clears an optional "
                   "field. Emits `organization.updated` when something changed."))
    def on_put(self, req, resp, id):
        self.update(req, resp, id, self.store.organizations.update, records.organization)

    @operation("Delete an organization with its memberships", name="deleteOrganization",
               scope="organizations:delete", response="Deleted", path=BY_ID, errors=_FOUND,
               description=("Deletes the organization and every membership in it (the users "
                            "stay). Emits `membership.deleted` for each, then "
                            "`organization.deleted`."))
    def on_delete(self, req, resp, id):
        self.delete(req, resp, id, self.store.organizations.delete)

    @operation("Toggle verification, or set it with {\"isVerified\": bool}",
               name="verifyOrganization", scope="organizations:update",
               response=schemas.VERIFIED, path=BY_ID, body=VERIFY, body_optional=True,
               errors=_FOUND, description=(
                   "A verified organization leaves staging and shows in lists. Without a body "
                   "the flag is toggled; `{\"isVerified\": false}` moves it back to staging."))
    def on_post_verify(self, req, resp, id):
        wanted = req.context.input.get("is_verified")
        org = self.store.organizations.set_verified(
            id, wanted, org_scope=req.context.caller.org_scope)
        message = ("Organization verified successfully" if org.is_verified
                   else "Organization moved to staging")
        ok(req, resp, {"id": org.id, "isVerified": org.is_verified, "message": message})


class OrganizationByExternalIdResource(Resource):
    @operation("Get an organization by external id", name="getOrganizationByExternalId",
               scope="organizations:read", response="Organization", path=BY_EXTERNAL_ID,
               errors=_FOUND, description=(
                   "The organization another system knows by `externalId` (set on create or "
                   "update), staging or not."))
    def on_get(self, req, resp, external_id):
        self.show(req, resp, external_id, self.store.organizations.by_external_id,
                  records.organization)


AUTOCOMPLETE = Query(
    q=Text(min_length=0, default="", description="What has been typed so far", example="acm"),
    limit=Integer(minimum=1, maximum=20, default=8, description="How many hits at most"),
    includeStaging=_STAGING)


class OrganizationAutocompleteResource(Resource):
    @operation("Type-ahead organization search", name="autocompleteOrganizations",
               scope="organizations:read",
               response=schemas.AUTOCOMPLETE, query=AUTOCOMPLETE, description=(
                   "Compact, typo-tolerant hits for a search-as-you-type dropdown. `matches` "
                   "gives, per field, the [start, end) character ranges that matched, so a "
                   "client can mark them without ever treating the text as markup."))
    def on_get(self, req, resp):
        params = req.context.input
        hits = self.store.organizations.autocomplete(
            params["q"], limit=params["limit"], include_staging=params["include_staging"],
            org_scope=req.context.caller.org_scope)
        ok(req, resp, [{"id": org.id, "name": org.name, "slug": org.slug, "domain": org.domain,
                        "isVerified": org.is_verified, "matches": matches}
                       for org, matches in hits])
