"""API keys: minted once, stored only as a SHA-256 hash, found again by that hash.

A key carries 256 bits of randomness, so an unsalted fast hash is safe to store and
lets authentication be one indexed lookup.
"""
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets

from datetime import timedelta


from .cache import GenerationCache
from .db import write_transaction
from .errors import Forbidden, Invalid, NotFound
from .models import ApiKey
from .organizations import check_org_scope, owned_row
from .pages import counted, keyset_page
from .records import timestamp

PREFIX = "gr_live_"
WELL_FORMED = re.compile(r"^gr_live_[A-Za-z0-9_-]{32,128}$")
DISPLAY_PREFIX_LENGTH = 16

SCOPES = (
    "organizations:read",
    "organizations:create",
    "organizations:update",
    "organizations:delete",
    "users:read",
    "users:create",
    "users:update",
    "users:delete",
    "roles:read",
    "roles:write",
    "permissions:read",
    "permissions:write",
    "authorization:check",
    "api_keys:read",
    "api_keys:create",
    "api_keys:revoke",
    "webhooks:read",
    "webhooks:write",
    "invitations:read",
    "invitations:write",
    "metrics:read",
    "events:read",
    "audit_logs:read",
    "audit_logs:write",
    "scim:write",
    "*:*",
)
TIERS = ("free", "basic", "pro", "enterprise")
FULL_ACCESS = "*:*"
ROTATION_GRACE = timedelta(days=7)


def hash_key(plaintext):
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_plaintext():
    return PREFIX + secrets.token_urlsafe(32)


NAME_LENGTH = 100


def check_name(name):
    """A key's name, trimmed: never empty, since a list of keys (the dashboard's, `keys
    list`) must tell them apart; at most NAME_LENGTH characters, as the API accepts."""
    name = (name or "").strip()
    if not name:
        raise Invalid("name", "name must not be empty")
    if len(name) > NAME_LENGTH:
        raise Invalid("name", f"name must be at most {NAME_LENGTH} characters")
    return name


def check_scopes(scopes):
    if not scopes:
        raise Invalid("scopes", "At least one scope is required")
    for scope in scopes:
        if scope not in SCOPES:
            raise Invalid("scopes", f"Unknown scope '{scope}'")
    return sorted(set(scopes), key=SCOPES.index)


def check_tier(tier):
    if tier not in TIERS:
        raise Invalid("tier", f"Tier must be one of: {', '.join(TIERS)}")
    return tier


def check_allowed_ips(entries):
    """Each entry an IPv4/IPv6 address or CIDR range; returned in canonical form."""
    canonical = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise Invalid("allowedIps", f"'{entry}' is not an IP address or CIDR range")
        canonical.append(
            str(network.network_address) if network.num_addresses == 1 else str(network)
        )
    return canonical


def ip_allowed(allowed_ips, address):
    """Whether `address` falls in any of `allowed_ips`; an empty list allows everyone."""
    if not allowed_ips:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in _network(entry) for entry in allowed_ips)


@functools.lru_cache(maxsize=4096)
def _network(entry):
    return ipaddress.ip_network(entry)


# An omitted allowedIps or expiresAt: the granting key's own (none for the operator).
INHERIT = object()


def is_administrator(key):
    """A global `*:*` key: no organization, every scope. Only it may rotate other keys, and
    its tier does not bound the tiers it grants."""
    return key.organization_id is None and FULL_ACCESS in key.scopes


def scopes_beyond(held, scopes):
    """Those of `scopes` that `held` does not cover (`*:*` covers every scope)."""
    if FULL_ACCESS in held:
        return []
    return [scope for scope in scopes if scope not in held]


def check_grant(granter, *, scopes, organization_id, tier, allowed_ips, expires_at):
    """A key may hand out only what it holds: no scope beyond its own, no other
    organization, no higher tier, no address outside its own allowedIps, no later expiry.

    `allowed_ips` and `expires_at` may be INHERIT (not given): they become the granter's
    own. Returns (allowed_ips, expires_at) as the new key gets them. `granter` None is the
    operator (CLI, bootstrap), who may create anything.
    """
    if granter is None:
        return ([] if allowed_ips is INHERIT else allowed_ips,
                None if expires_at is INHERIT else expires_at)
    if granter.organization_id is not None and organization_id != granter.organization_id:
        raise Forbidden("An organization-scoped API key can only create keys for its own "
                        "organization", "organizationId")
    beyond = scopes_beyond(granter.scopes, scopes)
    if beyond:
        raise Forbidden(f"This API key cannot grant scopes it does not hold: {', '.join(beyond)}",
                        "scopes")
    if not is_administrator(granter) and TIERS.index(tier) > TIERS.index(granter.tier):
        raise Forbidden(f"This API key cannot grant a tier above its own ('{granter.tier}')",
                        "tier")
    return (_bounded_ips(granter.allowed_ips, allowed_ips),
            _bounded_expiry(granter.expires_at, expires_at))


def _bounded_ips(own, requested):
    """The granter's ranges when none are asked for; else each asked-for network must lie
    inside one of them. An explicit empty list would allow every address: refused when the
    granter is confined."""
    if requested is INHERIT:
        return list(own)
    if not own:
        return requested
    if not requested:
        raise Forbidden("This API key is limited to certain addresses, so the keys it grants "
                        "must be too: allowedIps must not be empty", "allowedIps")
    outside = [entry for entry in requested if not _within_any(entry, own)]
    if outside:
        raise Forbidden(f"This API key cannot grant addresses outside its own allowedIps: "
                        f"{', '.join(outside)}", "allowedIps")
    return requested


def _within_any(entry, networks):
    requested = _network(entry)
    return any(requested.version == own.version and requested.subnet_of(own)
               for own in map(_network, networks))


def _bounded_expiry(own, requested):
    """The granter's expiry when none is asked for; never later than it, nor never (None)
    when the granter itself expires."""
    if requested is INHERIT:
        return own
    if own is not None and (requested is None or requested > own):
        raise Forbidden("This API key cannot grant a key that outlives it: expiresAt must be "
                        f"no later than {timestamp(own)}", "expiresAt")
    return requested


def check_rotation(rotator, key):
    """Only a global `*:*` key rotates a key other than itself: rotating hands out a fresh
    plaintext of the whole key, whatever the rotator holds."""
    if rotator is not None and rotator.id != key.id and not is_administrator(rotator):
        raise Forbidden("Only a global *:* API key can rotate a key other than itself", "id")


def check_revocation(revoker, key):
    """A key revokes only keys whose every scope it holds itself, so a narrow key cannot
    switch off one more powerful than it (e.g. the administrator's)."""
    beyond = [] if revoker is None else scopes_beyond(revoker.scopes, key.scopes)
    if beyond:
        raise Forbidden("This API key cannot revoke a key holding scopes it does not hold: "
                        f"{', '.join(beyond)}", "id")


class ApiKeys:
    def __init__(self, store):
        self._store = store
        # Keys by hash (and by id, for admin sessions), so most requests skip a read; valid
        # while no key has changed in any process (store/changes.py).
        self._cache = GenerationCache(max_entries=10_000)

    def create(self, *, name, scopes, organization_id=None, tier="free", allowed_ips=INHERIT,
               expires_at=INHERIT, plaintext=None, granted_by=None, org_scope=None):
        """Mint a key; returns (row, plaintext). The plaintext exists only in the return value.

        `granted_by` is the API key asking (None for the operator), bounded by check_grant;
        `allowed_ips` and `expires_at` not given are its own. A caller confined to `org_scope`
        mints keys of that organization unless it names one. `plaintext` lets a harness
        choose the key (GOLDENRECORD_BOOTSTRAP_KEY).
        """
        now = self._store.now()
        if organization_id is None:
            organization_id = org_scope
        name = check_name(name)
        scopes = check_scopes(scopes)
        tier = check_tier(tier)
        if allowed_ips is not INHERIT:
            allowed_ips = check_allowed_ips(allowed_ips)
        if expires_at is not INHERIT and expires_at is not None and expires_at <= now:
            raise Invalid("expiresAt", "expiresAt must be in the future")
        allowed_ips, expires_at = check_grant(
            granted_by, scopes=scopes, organization_id=organization_id, tier=tier,
            allowed_ips=allowed_ips, expires_at=expires_at)
        plaintext = plaintext or new_plaintext()
        if not WELL_FORMED.match(plaintext):
            raise Invalid("key", "A key is gr_live_ followed by 32 to 128 URL-safe characters")
        with write_transaction():
            if organization_id is not None:
                self._store.organizations.get(organization_id, field="organizationId")
            key = ApiKey.create(
                id=self._store.new_id("key"),
                name=name,
                key_hash=hash_key(plaintext),
                key_prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
                organization=organization_id,
                scopes=scopes,
                tier=tier,
                allowed_ips=allowed_ips,
                expires_at=expires_at,
                created_at=now,
            )
        return key, plaintext

    def get(self, key_id, *, org_scope=None):
        """Key `key_id`; a caller confined to `org_scope` sees only that organization's keys."""
        return owned_row(ApiKey, "api_key", key_id, org_scope)

    def list(self, *, limit, after=None, organization_id=None, org_scope=None):
        check_org_scope(organization_id, org_scope)
        organization_id = organization_id or org_scope
        query = ApiKey.select()
        total = counted("api_key")
        if organization_id is not None:
            query = query.where(ApiKey.organization == organization_id)
            total = counted("api_key.organization", organization_id)
        return keyset_page(query, ApiKey, limit, after, total)

    def rotate(self, key_id, *, org_scope=None, granted_by=None):
        """A new key with the old one's settings; the old one lives on for the grace period.

        Returns (old, new, plaintext). The old key now expires ROTATION_GRACE from now, or
        when it was due to already if that is sooner. `granted_by` (the key asking, None for
        the operator) must be the key itself or a global `*:*` key, and the copy must lie
        within its bounds, as for a key it would create.
        """
        now = self._store.now()
        with write_transaction():
            old = self._usable(key_id, org_scope, now)
            check_rotation(granted_by, old)
            check_grant(granted_by, scopes=old.scopes, organization_id=old.organization_id,
                        tier=old.tier, allowed_ips=old.allowed_ips, expires_at=old.expires_at)
            plaintext = new_plaintext()
            new = ApiKey.create(
                id=self._store.new_id("key"),
                name=old.name,
                key_hash=hash_key(plaintext),
                key_prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
                organization=old.organization_id,
                scopes=old.scopes,
                tier=old.tier,
                allowed_ips=old.allowed_ips,
                expires_at=old.expires_at,
                created_at=now,
            )
            grace_end = now + ROTATION_GRACE
            old.expires_at = min(old.expires_at or grace_end, grace_end)
            old.save()
        return old, new, plaintext

    def revoke(self, key_id, *, org_scope=None, revoked_by=None):
        """Revoke at once; a key already revoked or expired is not found. `revoked_by` (the
        key asking, None for the operator) must hold every scope of the key it revokes."""
        now = self._store.now()
        with write_transaction():
            key = self._usable(key_id, org_scope, now)
            check_revocation(revoked_by, key)
            key.revoked_at = now
            key.save()
        return key

    def _usable(self, key_id, org_scope, now):
        key = self.get(key_id, org_scope=org_scope)
        if not key.is_usable(now):
            raise NotFound("api_key", key_id)
        return key

    def find(self, plaintext):
        """The key row whose hash matches `plaintext`, usable or not; None if unknown."""
        digest = hash_key(plaintext)
        key = self._cached(digest, lambda: ApiKey.first_by("key_hash", digest))
        if key is None or not hmac.compare_digest(key.key_hash, digest):
            return None
        return key

    def find_by_id(self, key_id):
        """The key row `key_id`, usable or not; None if unknown. Cached like `find`, so an
        admin session (which refers to its key by id) costs what a bearer token does."""
        return self._cached(("id", key_id), lambda: ApiKey.first_by("id", key_id))

    def _cached(self, entry, load):
        return self._cache.get_or_make(entry, self._store.changes.current("api_key"), load)

    def any_usable(self):
        now = self._store.now()
        unrevoked = ApiKey.select().where(ApiKey.revoked_at.is_null())
        return any(key.is_usable(now) for key in unrevoked)
