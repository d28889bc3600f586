"""Organization domains: claimed, proven by a DNS TXT record, then verified for one
organization at a time; a verified domain with `joinPolicy: auto` adds every user created
with an email at it to its organization, with its role.

The DNS look-up itself is not here (it talks to the network: domain_verification/); the
store records what it found.
"""
import secrets

from . import prepared
from .db import write_transaction
from .errors import Conflict, Invalid, NotFound
from .memberships import DEFAULT_ROLE_ID, find_role
from .models import OrganizationDomain
from .organizations import check_org_scope
from .pages import keyset_page
from .users import domain_of

JOIN_POLICIES = ("none", "auto")


class Domains:
    def __init__(self, store):
        self._store = store

    def list(self, organization_id, *, limit, after=None, org_scope=None):
        self._organization(organization_id, org_scope)
        query = OrganizationDomain.select().where(
            OrganizationDomain.organization == organization_id)
        return keyset_page(query, OrganizationDomain, limit, after)

    def get(self, organization_id, domain_id, *, org_scope=None):
        """The domain `domain_id` of the organization (NotFound if it is another's)."""
        self._organization(organization_id, org_scope)
        found = OrganizationDomain.first_by("id", domain_id)
        if found is None or found.organization_id != organization_id:
            raise NotFound("domain", domain_id)
        return found

    def create(self, organization_id, *, domain, join_policy="none", role_id=None,
               org_scope=None):
        """A pending claim of `domain`, with the token its TXT record must hold."""
        domain = domain.lower().rstrip(".")
        with write_transaction():
            self._organization(organization_id, org_scope)
            policy = _policy(join_policy, role_id, organization_id)
            taken = OrganizationDomain.select().where(
                OrganizationDomain.organization == organization_id,
                OrganizationDomain.domain == domain).exists()
            if taken:
                raise Conflict("domain", f"This organization has claimed {domain} already")
            now = self._store.now()
            return prepared.insert(OrganizationDomain(
                id=self._store.new_id("dom"), organization=organization_id, domain=domain,
                state="pending", verification_token=secrets.token_urlsafe(24),
                created_at=now, updated_at=now, **policy))

    def update(self, organization_id, domain_id, changes, *, org_scope=None):
        """Change the join policy and its role (`join_policy`, `role_id`)."""
        with write_transaction():
            found = self.get(organization_id, domain_id, org_scope=org_scope)
            policy = _policy(changes.get("join_policy", found.join_policy),
                             changes.get("role_id", found.role_id), found.organization_id)
            return found.apply({name: value for name, value in policy.items()
                                if getattr(found, name) != value}, self._store.now())

    def delete(self, organization_id, domain_id, *, org_scope=None):
        with write_transaction():
            found = self.get(organization_id, domain_id, org_scope=org_scope)
            found.delete_instance()
            return found

    def record_check(self, organization_id, domain_id, failure, *, org_scope=None):
        """Record a verification's outcome: verified when `failure` is None, else failed
        with `failure` as the reason (a verified domain whose record is gone loses it).
        Conflict when another organization holds the domain verified."""
        with write_transaction():
            found = self.get(organization_id, domain_id, org_scope=org_scope)
            now = self._store.now()
            if failure is not None:
                return found.apply({"state": "failed", "failure_reason": failure,
                                    "verified_domain": None}, now)
            holder = OrganizationDomain.first_by("verified_domain", found.domain)
            if holder is not None and holder.id != found.id:
                raise Conflict("domain", f"{found.domain} is verified for another organization")
            return found.apply({"state": "verified", "failure_reason": None,
                                "verified_domain": found.domain,
                                "verified_at": found.verified_at or now}, now)

    @staticmethod
    def auto_joins(emails):
        """{domain: (organization id, role id)} of the verified `auto` domains among the
        domains of `emails`: where users created with those emails join."""
        domains = {domain_of(email) for email in emails}
        rows = OrganizationDomain.all_by("verified_domain", domains)
        return {row.domain: (row.organization_id, row.role_id)
                for row in rows if row.join_policy == "auto"}

    def _organization(self, organization_id, org_scope):
        check_org_scope(organization_id, org_scope)
        self._store.organizations.get(organization_id)


def _policy(join_policy, role_id, organization_id):
    """The stored policy fields. The role is kept whatever the policy, so turning `auto`
    off and on again keeps it; `auto` without one gives the Member role. The role must be one
    the organization's members may hold (a system, environment or its own role)."""
    if join_policy not in JOIN_POLICIES:
        raise Invalid("joinPolicy", f"joinPolicy must be one of: {', '.join(JOIN_POLICIES)}")
    if role_id is None and join_policy == "auto":
        role_id = DEFAULT_ROLE_ID
    return {"join_policy": join_policy,
            "role_id": None if role_id is None else find_role(role_id, organization_id).id}
