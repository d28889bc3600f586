"""API keys: minted once, stored only as a SHA-256 hash, found again by that hash.

A key carries 256 bits of randomness, so an unsalted fast hash is safe to store and
lets authentication be one indexed lookup.
"""
import hashlib
import hmac
import ipaddress
import re
import secrets

from .db import write_transaction
from .errors import Invalid
from .models import ApiKey

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
    return any(ip in ipaddress.ip_network(entry) for entry in allowed_ips)


def is_usable(key, now):
    """Not revoked and not past its expiry."""
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


class ApiKeys:
    def __init__(self, store):
        self._store = store

    def create(self, *, name, scopes, organization_id=None, tier="free", allowed_ips=(),
               expires_at=None, plaintext=None):
        """Mint a key; returns (row, plaintext). The plaintext exists only in the return value.

        `plaintext` lets a harness choose the key (GOLDENRECORD_BOOTSTRAP_KEY).
        """
        now = self._store.now()
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
                scopes=check_scopes(scopes),
                tier=check_tier(tier),
                allowed_ips=check_allowed_ips(allowed_ips),
                expires_at=expires_at,
                created_at=now,
            )
        return key, plaintext

    def find(self, plaintext):
        """The key row whose hash matches `plaintext`, usable or not; None if unknown."""
        digest = hash_key(plaintext)
        key = ApiKey.get_or_none(ApiKey.key_hash == digest)
        if key is None or not hmac.compare_digest(key.key_hash, digest):
            return None
        return key

    def any_usable(self):
        now = self._store.now()
        for key in ApiKey.select().where(ApiKey.revoked_at.is_null()):
            if is_usable(key, now):
                return True
        return False
