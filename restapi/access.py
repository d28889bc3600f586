"""Who is calling, and what they may do.

Authentication (loading the caller) happens once per request in middleware; each
responder declares the scope it needs with `@falcon.before(require_scope(...))`, so
reading a resource shows what it requires.
"""
from dataclasses import dataclass

from store.apikeys import ip_allowed, is_usable

from .errors import ApiError

FULL_ACCESS = "*:*"


@dataclass(frozen=True)
class Caller:
    """The authenticated API key behind a request."""

    key: object  # store.models.ApiKey

    @property
    def scope(self):
        """The organization the key is confined to, or None for a global key."""
        return self.key.organization_id

    def has(self, scope):
        return FULL_ACCESS in self.key.scopes or scope in self.key.scopes


def require_scope(scope):
    """A Falcon `before` hook refusing callers whose key lacks `scope` (403 GR_FORBIDDEN)."""

    def hook(req, resp, resource, params):
        if not req.context.caller.has(scope):
            raise ApiError.forbidden(f"This API key lacks the '{scope}' scope")

    hook.scope = scope
    return hook


def bearer_token(req):
    header = req.get_header("Authorization")
    if not header:
        raise ApiError.unauthorized()
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ApiError.unauthorized("The Authorization header must be 'Bearer <api key>'")
    return token


class Authentication:
    """Loads the caller for every resource that is not marked `public = True`.

    The order of refusals is the contract's: no or malformed header (401), unknown,
    revoked or expired key (401), address not on the key's allow-list (403).
    """

    def __init__(self, api_keys, client_address, clock):
        self._api_keys = api_keys
        self._client_address = client_address
        self._clock = clock

    def process_resource(self, req, resp, resource, params):
        if resource is None or getattr(resource, "public", False):
            return
        key = self._api_keys.find(bearer_token(req))
        if key is None or not is_usable(key, self._clock()):
            raise ApiError.invalid_api_key()
        address = self._client_address.of(req)
        if not ip_allowed(key.allowed_ips, address):
            raise ApiError.ip_not_allowed(address)
        req.context.caller = Caller(key)
