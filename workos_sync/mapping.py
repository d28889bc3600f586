"""A WorkOS user object as the Golden Record user fields it maps to.

The fields are checked with the same rules the users API applies, so a user that
arrives from WorkOS is held to exactly the standard of one created over the API.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from goldenrecord.store.errors import Invalid
from goldenrecord.store.rules import DOMAIN, NEW_USER, OPAQUE_ID, DateTime, has_lone_surrogate

_DOMAIN = re.compile(DOMAIN)
_OPAQUE = re.compile(OPAQUE_ID)


class Unmappable(Exception):
    """A WorkOS user Golden Record cannot hold; `field` names the Golden Record field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class WorkosUser:
    workos_user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    avatar_url: str | None
    updated_at: datetime | None  # WorkOS's updated_at: orders out-of-order deliveries

    def profile(self):
        """The Golden Record user fields (model names) this user sets."""
        return {"email": self.email, "first_name": self.first_name,
                "last_name": self.last_name, "avatar_url": self.avatar_url}


def workos_user(data):
    """The WorkosUser for WorkOS's user object `data`; Unmappable if it cannot be held."""
    if not isinstance(data, dict):
        raise Unmappable("data", "The WorkOS user is not an object")
    user_id = data.get("id")
    if not isinstance(user_id, str) or not user_id or len(user_id) > 100:
        raise Unmappable("workosUserId", "The WorkOS user has no usable id")
    candidate = {
        "email": data.get("email"),
        "firstName": _blank_is_none(data.get("first_name")),
        "lastName": _blank_is_none(data.get("last_name")),
        "avatarUrl": _blank_is_none(data.get("profile_picture_url")),
    }
    # The sync reads WorkOS's JSON itself, past the body checks of our own endpoints; a
    # lone surrogate would fail the whole page's transaction when SQLite encodes it.
    for name, value in (("workosUserId", user_id), *candidate.items()):
        if has_lone_surrogate(value):
            raise Unmappable(name, f"WorkOS user: {name} holds an unpaired UTF-16 surrogate")
    try:
        fields = NEW_USER.parse(candidate)
    except Invalid as error:
        raise Unmappable(error.field, f"WorkOS user {user_id}: {error.message}")
    return WorkosUser(workos_user_id=user_id, updated_at=_updated_at(data), **fields)


def _blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value



@dataclass(frozen=True)
class WorkosOrganization:
    workos_org_id: str
    name: str
    domains: tuple  # lower-case, verified ones first: what an organization is linked by
    external_id: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class WorkosMembership:
    workos_membership_id: str
    workos_org_id: str
    workos_user_id: str
    role_slug: str  # Golden Record's slug, after `workos.role_map`
    status: str  # Golden Record's: active, or inactive for WorkOS's inactive and pending
    updated_at: datetime | None


def workos_organization(data):
    """The WorkosOrganization for WorkOS's organization object; Unmappable if unusable."""
    if not isinstance(data, dict):
        raise Unmappable("data", "The WorkOS organization is not an object")
    org_id = _workos_id(data, "id", "workosOrgId", "organization")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200 \
            or has_lone_surrogate(name):
        raise Unmappable("name", f"WorkOS organization {org_id}: no usable name")
    domains = []
    for entry in sorted((d for d in data.get("domains") or () if isinstance(d, dict)),
                        key=lambda d: d.get("state") != "verified"):
        domain = entry.get("domain")
        if isinstance(domain, str) and _DOMAIN.fullmatch(domain):
            domains.append(domain.lower())
    external_id = data.get("external_id")
    if not (isinstance(external_id, str) and 0 < len(external_id) <= 128
            and not has_lone_surrogate(external_id)):
        external_id = None
    return WorkosOrganization(workos_org_id=org_id, name=name.strip(), domains=tuple(domains),
                              external_id=external_id, updated_at=_updated_at(data))


def workos_membership(data, role_map=None):
    """The WorkosMembership for WorkOS's organization membership object; `role_map` maps
    WorkOS role slugs to Golden Record's (a slug not in it is looked up as it is)."""
    if not isinstance(data, dict):
        raise Unmappable("data", "The WorkOS organization membership is not an object")
    membership_id = _workos_id(data, "id", "workosMembershipId", "organization membership")
    org_id = _workos_id(data, "organization_id", "organizationId", "organization membership")
    user_id = _workos_id(data, "user_id", "userId", "organization membership")
    role = data.get("role")
    slug = role.get("slug") if isinstance(role, dict) else None
    slug = slug if isinstance(slug, str) and slug else "member"
    status = data.get("status")
    if status not in ("active", "inactive", "pending"):
        raise Unmappable("status", f"WorkOS membership {membership_id}: unknown status {status!r}")
    return WorkosMembership(workos_membership_id=membership_id, workos_org_id=org_id,
                            workos_user_id=user_id, role_slug=(role_map or {}).get(slug, slug),
                            status="active" if status == "active" else "inactive",
                            updated_at=_updated_at(data))


def _workos_id(data, key, field, noun):
    value = data.get(key)
    if not isinstance(value, str) or not _OPAQUE.fullmatch(value):
        raise Unmappable(field, f"The WorkOS {noun} has no usable {key}")
    return value


def _updated_at(data):
    try:
        return DateTime().clean(data.get("updated_at"), "updated_at")
    except Invalid:
        return None  # unreadable: applied without out-of-order protection
