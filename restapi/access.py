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
    def org_scope(self):
        """The organization the key is confined to, or None for a global key."""
        return self.key.organization_id

    def has(self, scope):
        return FULL_ACCESS in self.key.scopes or scope in self.key.scopes


def require_scope(caller, scope):
    """Refuse a caller whose key lacks `scope` (403 GR_FORBIDDEN)."""
    if not caller.has(scope):
        raise ApiError("GR_FORBIDDEN", f"This API key lacks the '{scope}' scope")


def require_global(caller):
    """Refuse an organization-scoped caller, whatever its scopes, an operation that acts on
    every organization at once (403 GR_ORG_SCOPE_VIOLATION)."""
    if caller.org_scope is not None:
        raise ApiError(
            "GR_ORG_SCOPE_VIOLATION",
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
    attempts are counted per client address, and past `failure_limit` a minute its failing
    requests get 429 instead of 401. Only failures are throttled: the credentials are
    checked first (a hash lookup, cheap), so a valid key is never refused because others
    failed from the same address — behind a proxy, that address is everyone's. WorkOS's
    webhook, which proves itself by signature, reports its refusals through `failure`.

    A refusal for the address still names a known key, so it carries that key's rate-limit
    headers (`budget`), as every answer to an identified key does; a 401 has no key whose
    budget could be shown.

    A request without an Authorization header may instead carry an admin dashboard
    session (`sessions`, see goldenrecord.admin_ui.session): the key it names is loaded
    and checked exactly as a bearer token's would be.
    """

    def __init__(self, api_keys, client_address, clock, *, failures, failure_limit,
                 sessions=None, budget=None, refusals=None):
        self._api_keys = api_keys
        self._refusals = refusals  # auditing.Auditing: known keys refused are recorded
        self._client_address = client_address
        self._clock = clock
        self._failures = failures
        self._failure_limit = failure_limit
        self._sessions = sessions
        self._budget = budget  # key -> its rate-limit headers (None: limits are off)

    def process_resource(self, req, resp, resource, params):
        if resource is None or getattr(resource, "public", False):
            return
        if (self._sessions is not None and req.get_header("Authorization") is None
                and self._sessions.cookie(req)):
            key = self.key_for_session(req, self._sessions.from_request(req))
        else:
            key = self.key_for_token(req, bearer_token(req))
        req.context.caller = Caller(key)

    def key_for_token(self, req, token):
        """The usable key `token` is, for a client at the request's address."""
        return self._checked(req, self._api_keys.find(token))

    def key_for_session(self, req, session):
        """The usable key an admin session names, re-read on every request so that
        revoking or expiring the key ends the session."""
        return self._checked(req, session.key_in(self._api_keys))

    def key_signed_out(self, req, session):
        """Note the key `session` was signed in with as the request's, for the audit log's
        sign-out entry: not checked, since a session whose key was revoked can still be
        signed out of (None when the key is gone)."""
        req.context.authenticated = session.key_in(self._api_keys)

    def failure(self, req, error):
        """The answer to a failed authentication: `error`, or 429 once the client's address
        has failed `failure_limit` times this minute. Counts the failure either way."""
        decision = self._failures.hit(address_bucket(self._client_address.of(req)),
                                      self._failure_limit)
        return error if decision.allowed else rate_limited(decision, headers=False)

    def _checked(self, req, key):
        if key is None or not key.is_usable(self._clock()):
            if key is not None:
                self._refused(req, key, "revoked" if key.revoked_at else "expired")
            raise self.failure(req, ApiError.invalid_api_key())
        address = self._client_address.of(req)
        if not ip_allowed(key.allowed_ips, address):
            self._refused(req, key, "address not allowed")
            raise ApiError("GR_IP_NOT_ALLOWED",
                           f"Requests from {address} are not allowed for this API key",
                           headers=None if self._budget is None else self._budget(key))
        req.context.authenticated = key
        return key

    def _refused(self, req, key, reason):
        if self._refusals is not None:
            self._refusals.refused(req, key, reason)
