"""/api/v1/organizations/:id/domains"""
from goldenrecord.store import records
from goldenrecord.store.domains import JOIN_POLICIES

from .inputs import Body, Choice, Domain, OpaqueId, Uuid
from .listing import paging_query, respond_with_page
from .operations import operation
from .resource import Resource
from .responses import created, deleted, ok

_POLICY = dict(description="`auto`: users created with an email at this domain, once it is "
                           "verified, join the organization with `roleId`", example="none")
_ROLE = dict(nullable=True, example=None,
             description="The role `auto` gives (with `auto` and none given: `role_member`); "
                         "kept while the policy is `none`")
CREATE = Body(domain=Domain(required=True, description="The domain to claim",
                            example="acme.com"),
              joinPolicy=Choice(*JOIN_POLICIES, **_POLICY), roleId=OpaqueId(**_ROLE))
UPDATE = Body(joinPolicy=Choice(*JOIN_POLICIES, **_POLICY), roleId=OpaqueId(**_ROLE))
ORG = {"id": Uuid(description="The organization's id")}
BY_ID = {**ORG, "domain_id": OpaqueId(description="The domain's id")}
_FOUND = ("GR_ORG_NOT_FOUND", "GR_NOT_FOUND")


class DomainsResource(Resource):
    @operation("List an organization's domains", name="listDomains",
               scope="organizations:read", response="Domain", path=ORG, query=paging_query(),
               page=True, errors=_FOUND,
               description="The domains the organization claims, with their state and the "
                           "TXT record that verifies each.")
    def on_get(self, req, resp, id):
        org_scope = req.context.caller.org_scope
        respond_with_page(req, resp, self.cursors, name=f"domains:{id}", serialize=records.domain,
                          fetch=lambda **kw: self.store.domains.list(id, org_scope=org_scope,
                                                                      **kw))

    @operation("Claim a domain", name="createDomain", scope="organizations:update",
               response="Domain", path=ORG, status=201, body=CREATE,
               errors=(*_FOUND, "GR_DUPLICATE_DOMAIN"), description=(
                   "A pending claim: publish `verificationRecord` (a TXT record at "
                   "`_goldenrecord-verification.<domain>`), then call `…/verify`. A domain is "
                   "claimed once per organization (409 `GR_DUPLICATE_DOMAIN`)."))
    def on_post(self, req, resp, id):
        found = self.store.domains.create(id, org_scope=req.context.caller.org_scope,
                                          **req.context.input)
        created(req, resp, records.domain(found))


class DomainResource(Resource):
    def __init__(self, store, cursors, verifier):
        super().__init__(store, cursors)
        self.verifier = verifier

    @operation("Get a domain", name="getDomain", scope="organizations:read", response="Domain",
               path=BY_ID, errors=_FOUND, description="One domain of the organization.")
    def on_get(self, req, resp, id, domain_id):
        ok(req, resp, records.domain(self.store.domains.get(
            id, domain_id, org_scope=req.context.caller.org_scope)))

    @operation("Change a domain's join policy", name="updateDomain",
               scope="organizations:update", response="Domain", path=BY_ID, body=UPDATE,
               partial=True, errors=_FOUND, description=(
                   "`joinPolicy: auto` with a `roleId` (default `role_member`) adds users "
                   "created later with an email at the domain — by the API or the WorkOS "
                   "sync — to the organization, once the domain is verified."))
    def on_put(self, req, resp, id, domain_id):
        ok(req, resp, records.domain(self.store.domains.update(
            id, domain_id, req.context.input, org_scope=req.context.caller.org_scope)))

    @operation("Remove a domain", name="deleteDomain", scope="organizations:update",
               response="Deleted", path=BY_ID, errors=_FOUND,
               description="The claim goes, and with it any verification and join policy.")
    def on_delete(self, req, resp, id, domain_id):
        found = self.store.domains.delete(id, domain_id, org_scope=req.context.caller.org_scope)
        deleted(req, resp, found.id)

    @operation("Verify a domain by DNS", name="verifyDomain", scope="organizations:update",
               response="Domain", path=BY_ID, errors=(*_FOUND, "GR_DUPLICATE_DOMAIN"),
               description=(
                   "Looks up the TXT record (resolver `domains.resolver`, bounded by "
                   "`domains.timeout_seconds`): `verified` when it holds the value, else "
                   "`failed` with `failureReason` (also when the resolver fails). A domain "
                   "is verified for one organization at a time (409 `GR_DUPLICATE_DOMAIN`)."))
    def on_post_verify(self, req, resp, id, domain_id):
        org_scope = req.context.caller.org_scope
        found = self.store.domains.get(id, domain_id, org_scope=org_scope)
        record = records.verification_record(found.domain, found.verification_token)
        failure = self.verifier.failure(record["name"], record["value"])  # no lock held
        ok(req, resp, records.domain(self.store.domains.record_check(
            id, domain_id, failure, org_scope=org_scope)))
