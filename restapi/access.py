"""Who is calling, and what they may do.

Authentication (loading the caller) happens once per request in middleware; each
responder declares the scope it needs in its `@operation(...)` (operations.py), which
checks it with `require_scope`, so reading a resource shows what it requires.
"""
from dataclasses import dataclass

from goldenrecord.store.apikeys import FULL_ACCESS, ip_allowed

from .errors import ApiError
from .ratelimit import address_bucket, rate_limited


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


def require_scope(caller, scope):
    """Refuse a caller whose key lacks `scope` (403 GR_FORBIDDEN)."""
    if not caller.has(scope):
        raise ApiError.forbidden(f"This API key lacks the '{scope}' scope")


def require_global(caller):
    """Refuse an organization-scoped caller, whatever its scopes, an operation that acts on
    every organization at once (403 GR_ORG_SCOPE_VIOLATION)."""
    if caller.scope is not None:
        raise ApiError.org_scope_violation(
            "This operation acts on every organization; an organization-scoped API key "
            "cannot run it")


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
    revoked or expired key (401), address not on the key's allow-list (403). Failed
    attempts are counted per client address: past `failure_limit` a minute, the address
    gets 429 before any key is looked up, so keys cannot be guessed at full speed. A public
    resource marked `signed = True` (WorkOS's webhook) is under the same limit.

    A request without an Authorization header may instead carry an admin dashboard
    session (`sessions`, see goldenrecord.admin_ui.session): the key it names is loaded
    and checked exactly as a bearer token's would be.
    """

    def __init__(self, api_keys, client_address, clock, *, failures, failure_limit,
                 sessions=None):
        self._api_keys = api_keys
        self._client_address = client_address
        self._clock = clock
        self._failures = failures
        self._failure_limit = failure_limit
        self._sessions = sessions

    def process_resource(self, req, resp, resource, params):
        if resource is None:
            return
        if getattr(resource, "public", False):
            if getattr(resource, "signed", False):
                self._refuse_if_blocked(self._client_address.of(req))
            return
        if (self._sessions is not None and req.get_header("Authorization") is None
                and self._sessions.cookie(req)):
            key = self.key_for_session(req, self._sessions.from_request(req))
        else:
            key = self.key_for_token(req, bearer_token(req))
        req.context.caller = Caller(key)

    def key_for_token(self, req, token):
        """The usable key `token` is, for a client at the request's address."""
        return self._checked(req, lambda: self._api_keys.find(token))

    def key_for_session(self, req, session):
        """The usable key an admin session names, re-read on every request so that
        revoking or expiring the key ends the session."""
        return self._checked(req, lambda: session.key_in(self._api_keys))

    def process_response(self, req, resp, resource, req_succeeded):
        """A public resource marked `signed = True` proves its callers by a signature
        instead of a key; its 401 answers count as failed attempts all the same."""
        if resp.status_code == 401 and getattr(resource, "signed", False):
            self._count_failure(self._client_address.of(req))

    def _refuse_if_blocked(self, address):
        blocked = self._failures.exhausted(address_bucket(address), self._failure_limit)
        if blocked:
            raise rate_limited(blocked, headers=False)

    def _count_failure(self, address):
        self._failures.hit(address_bucket(address), self._failure_limit)

    def _checked(self, req, find):
        address = self._client_address.of(req)
        self._refuse_if_blocked(address)
        key = find()
        if key is None or not key.is_usable(self._clock()):
            self._count_failure(address)
            raise ApiError.invalid_api_key()
        if not ip_allowed(key.allowed_ips, address):
            raise ApiError.ip_not_allowed(address)
        return key
