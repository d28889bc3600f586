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
from .organizations import check_scope, owned_row
from .pages import keyset_page

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
    "permissions:read",
    "api_keys:read",
    "api_keys:create",
    "api_keys:revoke",
    "webhooks:read",
    "webhooks:write",
    "*:*",
)
TIERS = ("free", "basic", "pro", "enterprise")
FULL_ACCESS = "*:*"
ROTATION_GRACE = timedelta(days=7)


def hash_key(plaintext):
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_plaintext():
    return PREFIX + secrets.token_urlsafe(32)


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


def check_grant(granter, scopes, organization_id):
    """A key may hand out only what it holds: no scope beyond its own, no other organization.

    `granter` None is the operator (CLI, bootstrap), who may create anything.
    """
    if granter is None:
        return
    if granter.organization_id is not None and organization_id != granter.organization_id:
        raise Forbidden("An organization-scoped API key can only create keys for its own organization")
    if FULL_ACCESS in granter.scopes:
        return
    beyond = [scope for scope in scopes if scope not in granter.scopes]
    if beyond:
        raise Forbidden(f"This API key cannot grant scopes it does not hold: {', '.join(beyond)}")


class ApiKeys:
    def __init__(self, store):
        self._store = store
        # Keys by hash (and by id, for admin sessions), so most requests skip a read; valid
        # while no key has changed in any process (store/changes.py).
        self._cache = GenerationCache(max_entries=10_000)

    def create(self, *, name, scopes, organization_id=None, tier="free", allowed_ips=(),
               expires_at=None, plaintext=None, granted_by=None, scope=None):
        """Mint a key; returns (row, plaintext). The plaintext exists only in the return value.

        `granted_by` is the API key asking (None for the operator); a caller confined to
        `scope` mints keys of that organization unless it names one. `plaintext` lets a
        harness choose the key (GOLDENRECORD_BOOTSTRAP_KEY).
        """
        now = self._store.now()
        if organization_id is None:
            organization_id = scope
        scopes = check_scopes(scopes)
        check_grant(granted_by, scopes, organization_id)
        if expires_at is not None and expires_at <= now:
            raise Invalid("expiresAt", "expiresAt must be in the future")
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
                tier=check_tier(tier),
                allowed_ips=check_allowed_ips(allowed_ips),
                expires_at=expires_at,
                created_at=now,
            )
        return key, plaintext

    def get(self, key_id, *, scope=None):
        """Key `key_id`; a caller confined to `scope` sees only that organization's keys."""
        return owned_row(ApiKey, "api_key", key_id, scope)

    def list(self, *, limit, after=None, organization_id=None, scope=None):
        check_scope(organization_id, scope)
        organization_id = organization_id or scope
        query = ApiKey.select()
        if organization_id is not None:
            query = query.where(ApiKey.organization == organization_id)
        return keyset_page(query, ApiKey, limit, after)

    def rotate(self, key_id, *, scope=None, granted_by=None):
        """A new key with the old one's settings; the old one lives on for the grace period.

        Returns (old, new, plaintext). The old key now expires ROTATION_GRACE from now, or
        when it was due to already if that is sooner.
        """
        now = self._store.now()
        with write_transaction():
            old = self._usable(key_id, scope, now)
            check_grant(granted_by, old.scopes, old.organization_id)
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

    def revoke(self, key_id, *, scope=None):
        """Revoke at once; a key already revoked or expired is not found."""
        now = self._store.now()
        with write_transaction():
            key = self._usable(key_id, scope, now)
            key.revoked_at = now
            key.save()
        return key

    def _usable(self, key_id, scope, now):
        key = self.get(key_id, scope=scope)
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
