"""Admin sessions: a signed, expiring cookie that names an API key, and its CSRF token.

The cookie carries the key's id and a short prefix of its stored hash — never the key —
and a random session id, signed with a per-database secret. It proves only "this browser
signed in with key K": the key itself is loaded and checked on every request, so revoking
or expiring it ends the session at once, and signing out records the session id in the
database (store.adminsessions), so a copy of the cookie stops working in every process.
Cookies travel with cross-site requests in some browsers and setups, so a request
authenticated by cookie must also carry `X-CSRF-Token`, an HMAC of the cookie that only a
page of ours can have read (from GET /admin/session).
"""
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import NamedTuple

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from goldenrecord.restapi.errors import ApiError

COOKIE = "gr_admin_session"
CSRF_HEADER = "X-CSRF-Token"
MAX_AGE_SECONDS = 12 * 3600
HASH_PREFIX = 16  # hex digits of the key's SHA-256 hash the cookie is bound to


class _ClockedSigner(TimestampSigner):
    """itsdangerous' timestamp signer on our injectable clock, so tests expire sessions
    without sleeping."""

    def __init__(self, *args, clock, **kwargs):
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self):
        return int(self._clock().timestamp())


class Session(NamedTuple):
    key_id: str
    key_hash: str  # the first HASH_PREFIX hex digits of the key's stored hash
    id: str  # random, one per sign-in: what signing out ends

    def key_in(self, api_keys):
        """The key row this session refers to, or None if it is gone or was replaced."""
        key = api_keys.find_by_id(self.key_id)
        if key is None or not hmac.compare_digest(key.key_hash[:HASH_PREFIX], self.key_hash):
            return None
        return key


class Sessions:
    def __init__(self, secret, clock, ended, *, max_age=MAX_AGE_SECONDS):
        self.max_age = max_age
        self._clock = clock
        self._ended = ended  # store.adminsessions.EndedSessions
        self._serializer = URLSafeTimedSerializer(
            secret, salt="goldenrecord.admin.session", signer=_ClockedSigner,
            signer_kwargs={"clock": clock})
        self._csrf_key = hmac.new(secret.encode(), b"goldenrecord.admin.csrf", hashlib.sha256).digest()

    def issue(self, key):
        """A new cookie value for a session of `key`."""
        return self._serializer.dumps([key.id, key.key_hash[:HASH_PREFIX],
                                       secrets.token_urlsafe(16)])

    def read(self, cookie):
        """The session a cookie value holds; None if tampered with, foreign, expired or
        signed out."""
        try:
            payload = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if (not isinstance(payload, list) or len(payload) != len(Session._fields)
                or not all(isinstance(part, str) for part in payload)):
            return None
        session = Session(*payload)
        return None if self._ended.has_ended(session.id) else session

    def end(self, session):
        """Sign `session` out in every process; kept until its cookie would have expired."""
        self._ended.end(session.id, self._clock() + timedelta(seconds=self.max_age))

    def csrf_token(self, cookie):
        return hmac.new(self._csrf_key, cookie.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def cookie(req):
        """The session cookie's value, or None when the request has none."""
        values = req.get_cookie_values(COOKIE)
        return values[0] if values else None

    def from_request(self, req, *, csrf=True):
        """The request's valid session, else the ApiError that refuses it.

        `csrf` also demands the X-CSRF-Token header of that session; only
        GET /admin/session (which hands the token out) reads a session without it.
        """
        cookie = self.cookie(req)
        if not cookie:
            raise ApiError.unauthorized("Not signed in to the admin dashboard")
        session = self.read(cookie)
        if session is None:
            raise ApiError.unauthorized(
                "The admin session is invalid, has expired or was signed out: sign in again")
        if csrf and not hmac.compare_digest(self.csrf_token(cookie).encode(),
                                            (req.get_header(CSRF_HEADER) or "").encode()):
            raise ApiError(
                "GR_FORBIDDEN",
                f"A request signed in by cookie needs the {CSRF_HEADER} header of its session")
        return session
