"""WorkOS organizations and memberships applied to the golden record.

An organization is linked by its WorkOS id, else by a domain of the WorkOS organization
that an unlinked organization has as its `domain` or holds verified, else created
(staging, a slug made from the name and unique). A WorkOS deletion deactivates it. A
membership is matched by its WorkOS id, else by (organization, user); WorkOS's role slug
names a role here by slug, and one unknown (or not available in the organization) falls
back to Member. Each row remembers the WorkOS `updated_at` it was applied from: an older
version, delivered late, changes nothing. Changes go through the organizations and
memberships stores, so they emit Golden Record's own events and keep search current.
"""
import logging
import re
import unicodedata
from typing import NamedTuple

import peewee as pw

from . import prepared
from .memberships import DEFAULT_ROLE_ID
from .models import Membership, Organization, OrganizationDomain, Role, User
from .errors import Invalid
from .roles import check_available
from .workos_rows import deactivate, is_stale, remember_version

log = logging.getLogger("goldenrecord.workos")

MAX_SLUG = 100


class Applied(NamedTuple):
    """What a membership event did, and whether its role fell back to Member."""

    outcome: str
    unknown_role: bool = False


class WorkosOrganizations:
    def __init__(self, store):
        self._store = store

    def upsert(self, incoming):
        """Create, link or update the organization for WorkosOrganization `incoming`."""
        org = Organization.first_by("workos_org_id", incoming.workos_org_id)
        if org is None:
            org = _unlinked_by_domain(incoming.domains)
            if org is None:
                self._create(incoming)
                return "created"
        elif is_stale(org, incoming):
            return "unchanged"
        linking = org.workos_org_id is None
        changes = {"name": incoming.name}
        if incoming.external_id and _external_id_free(incoming.external_id, org.id):
            changes["external_id"] = incoming.external_id
        if linking:
            changes["workos_org_id"] = incoming.workos_org_id
        changes = org.differing(changes)
        if changes:
            self._store.organizations.update(org.id, changes)
        remember_version(Organization, org.id, org, incoming)
        return "linked" if linking else "updated" if changes else "unchanged"

    def deactivate(self, incoming):
        """WorkOS deleted the organization: keep it here, marked inactive."""
        return deactivate(Organization, "workos_org_id", incoming.workos_org_id, incoming,
                          self._store.organizations.update)

    def _create(self, incoming):
        external_id = incoming.external_id
        if external_id and not _external_id_free(external_id, None):
            log.warning("WorkOS organization %s: externalId %s is taken here; not kept",
                        incoming.workos_org_id, external_id)
            external_id = None
        org, = self._store.organizations.create_many([dict(
            name=incoming.name, slug=unique_slug(incoming.name),
            domain=incoming.domains[0] if incoming.domains else None, external_id=external_id)])
        (Organization.update(workos_org_id=incoming.workos_org_id,
                             workos_updated_at=incoming.updated_at)
         .where(Organization.id == org.id).execute())


class WorkosMemberships:
    def __init__(self, store):
        self._store = store

    def upsert(self, incoming):
        """Create or update the membership for WorkosMembership `incoming`; "unresolved"
        when its organization or user is not (yet) here."""
        org = Organization.first_by("workos_org_id", incoming.workos_org_id)
        user = User.first_by("workos_user_id", incoming.workos_user_id)
        if org is None or user is None:
            return Applied("unresolved")
        role, unknown = _role(incoming.role_slug, org.id)
        existing = (Membership.first_by("workos_membership_id", incoming.workos_membership_id)
                    or Membership.get_or_none(Membership.organization == org.id,
                                              Membership.user == user.id))
        memberships = self._store.memberships
        if existing is None:
            made = memberships.create(organization_id=org.id, user_id=user.id, role_id=role.id)
            if incoming.status != "active":
                memberships.update(made.id, {"status": incoming.status})
            _link(made.id, incoming)
            return Applied("created", unknown)
        if is_stale(existing, incoming):
            return Applied("unchanged")
        wanted = {"status": incoming.status}
        if existing.role_source != "group":  # mapped SCIM groups own this member's role
            wanted["role_id"] = role.id
        changes = existing.differing(wanted)
        if changes:
            memberships.update(existing.id, changes)
        if (existing.workos_membership_id != incoming.workos_membership_id
                or existing.workos_updated_at != incoming.updated_at):
            _link(existing.id, incoming)
        return Applied("updated" if changes else "unchanged", unknown)

    def remove(self, incoming):
        """WorkOS removed the membership: remove it here too."""
        existing = Membership.first_by("workos_membership_id", incoming.workos_membership_id)
        if existing is None or is_stale(existing, incoming):
            return Applied("unchanged")
        self._store.memberships.delete(existing.id)
        return Applied("removed")


def _link(membership_id, incoming):
    (Membership.update(workos_membership_id=incoming.workos_membership_id,
                       workos_updated_at=incoming.updated_at)
     .where(Membership.id == membership_id).execute())


def _role(slug, org_id):
    """(role, fell back): the role `slug` names if available in the organization, else
    Member."""
    role = Role.first_by("slug", slug)
    if role is not None:
        try:
            check_available(role, org_id)
            return role, False
        except Invalid:
            pass
    return Role.first_by("id", DEFAULT_ROLE_ID), True


def _unlinked_by_domain(domains):
    """The first organization with no WorkOS link whose `domain`, or a verified domain,
    is one of `domains` (in their order: verified WorkOS domains first)."""
    for domain in domains:
        org = (Organization.select()
               .where(pw.fn.LOWER(Organization.domain) == domain,
                      Organization.workos_org_id.is_null())
               .order_by(Organization.created_at).first())
        if org is None:
            claim = OrganizationDomain.first_by("verified_domain", domain)
            if claim is not None:
                org = Organization.get_or_none(Organization.id == claim.organization_id,
                                               Organization.workos_org_id.is_null())
        if org is not None:
            return org
    return None


def _external_id_free(external_id, org_id):
    holder = Organization.first_by("external_id", external_id)
    return holder is None or holder.id == org_id


def unique_slug(name):
    """A slug from `name` (ASCII-folded, lower case, hyphens) no organization has: the
    bare slug, else it with -2, -3, …"""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:MAX_SLUG - 8].strip("-")
    base = base or "organization"
    for start in range(1, 10_000, 50):
        candidates = [base if n == 1 else f"{base}-{n}" for n in range(start, start + 50)]
        taken = prepared.taken(Organization, "slug", candidates)
        for candidate in candidates:
            if candidate not in taken:
                return candidate
    raise AssertionError("no free slug")  # 10,000 organizations of one name
