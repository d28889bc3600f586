"""/admin: the dashboard's page and assets, and its session (sign in, who am I, sign out).

These resources are public to the Authentication middleware: the page is the same for
everyone, and the session endpoints check keys and cookies themselves through the same
Authentication object, so a session is refused for exactly what a bearer token would be.
"""
from urllib.parse import parse_qs

from goldenrecord.restapi import schemas
from goldenrecord.restapi.errors import ApiError
from goldenrecord.restapi.operations import operation
from goldenrecord.restapi.inputs import MAX_BODY_BYTES, Body, Text, invalid, read_json
from goldenrecord.restapi.responses import ok
from goldenrecord.store import records

from .session import COOKIE

# Defence in depth behind rendering every user-supplied value as text: no inline script,
# nothing from another origin, not framable.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
SIGN_IN = Body(key=Text(required=True, max_length=200, description="An API key, `gr_live_…`"))
FORM = "application/x-www-form-urlencoded"


SESSION = schemas.closed(
    signedIn=schemas.described(schemas.BOOL, "Always true"), key=schemas.ref("ApiKey"),
    csrfToken=schemas.described(schemas.STRING, "Send back as `X-CSRF-Token` on changes"),
    maxAgeSeconds=schemas.described(schemas.INT, "How long the session lasts"))
SIGNED_OUT = schemas.closed(signedIn={"type": "boolean", "const": False,
                                      "description": "Always false"})
_KEY_REFUSALS = ("GR_UNAUTHORIZED", "GR_INVALID_API_KEY", "GR_IP_NOT_ALLOWED", "GR_RATE_LIMITED")


class AssetResource:
    """GET /admin/static/{path}: the dashboard's scripts and style sheet."""

    public = True

    def __init__(self, assets):
        self._assets = assets

    def on_get(self, req, resp, path="index.html"):
        if path not in self._assets:
            raise ApiError("GR_NOT_FOUND")
        body, content_type = self._assets[path]
        resp.set_headers(SECURITY_HEADERS)
        resp.content_type = content_type
        resp.data = body


class PageResource(AssetResource):
    """GET /admin: the single page."""

    @operation("The admin dashboard (a single-page app)", name="getAdminPage", scope=None,
               response={"type": "string"}, media_type="text/html", description=(
                   "The dashboard's page; it signs in with an API key and then acts with that "
                   "key's scopes."))
    def on_get(self, req, resp):
        super().on_get(req, resp)


class SessionResource:
    """/admin/session: POST signs in with an API key, GET says who is signed in (and hands
    the page its CSRF token), DELETE signs out."""

    public = True

    def __init__(self, authentication, sessions, client_address, clock):
        self._authentication = authentication
        self._sessions = sessions
        self._client_address = client_address
        self._clock = clock

    @operation("The admin dashboard's session: who is signed in, and the CSRF token",
               name="getAdminSession", scope=None, response=SESSION, errors=_KEY_REFUSALS,
               description="The signed-in key's metadata, from the session cookie.")
    def on_get(self, req, resp):
        session = self._sessions.from_request(req, csrf=False)
        key = self._authentication.key_for_session(req, session)
        self._describe(req, resp, key, self._sessions.cookie(req))

    @operation("Sign in to the admin dashboard with an API key (sets the session cookie)",
               name="createAdminSession", scope=None, response=SESSION,
               errors=(*_KEY_REFUSALS, "GR_FORBIDDEN"),
               reads_body={"application/json": SIGN_IN.schema(), FORM: SIGN_IN.schema()},
               description="The body is `{\"key\": \"gr_live_…\"}` as JSON or an HTML form.")
    def on_post(self, req, resp):
        _refuse_cross_site(req, https=self._client_address.is_https(req))
        key = self._authentication.key_for_token(req, _submitted_key(req))
        cookie = self._sessions.issue(key)
        resp.set_cookie(COOKIE, cookie, max_age=self._sessions.max_age, path="/",
                        secure=self._client_address.is_https(req), http_only=True,
                        same_site="Strict")
        self._describe(req, resp, key, cookie)

    @operation("Sign out of the admin dashboard (ends the session on the server and clears "
               "the cookie)", name="deleteAdminSession", scope=None, response=SIGNED_OUT,
               errors=("GR_UNAUTHORIZED", "GR_FORBIDDEN"), description=(
                   "Needs the session cookie and its `X-CSRF-Token`; the session ends on the "
                   "server too."))
    def on_delete(self, req, resp):
        # The signature and CSRF token are checked, not the key: a session whose key was
        # revoked can still be signed out of.
        session = self._sessions.from_request(req)
        self._sessions.end(session)
        self._authentication.key_signed_out(req, session)
        resp.unset_cookie(COOKIE, path="/", same_site="Strict")
        resp.set_headers(SECURITY_HEADERS)
        ok(req, resp, {"signedIn": False})

    def _describe(self, req, resp, key, cookie):
        resp.set_headers(SECURITY_HEADERS)
        ok(req, resp, {"signedIn": True, "key": records.api_key(key, self._clock()),
                       "csrfToken": self._sessions.csrf_token(cookie),
                       "maxAgeSeconds": self._sessions.max_age})


def _refuse_cross_site(req, *, https):
    """Login CSRF: a page elsewhere must not sign a visitor in with its own key.

    Browsers say where a request came from in Sec-Fetch-Site and, on every POST, in Origin;
    both are checked, since older browsers send only Origin. A request with neither comes
    from a program, not a browser: nobody's cookie jar is at stake, and the key it submits is
    its own, so it is let through (curl, scripts, the tests)."""
    site = req.get_header("Sec-Fetch-Site")
    origin = req.get_header("Origin")
    if (site is not None and site not in ("same-origin", "none")) or (
            origin is not None and _origin(origin) not in _own_origins(req, https)):
        raise ApiError("GR_FORBIDDEN", "Sign in from the dashboard's own page")


def _own_origins(req, https):
    """The origins this service's own page can have: the request's scheme and Host. Over
    plain http, https too: behind a TLS proxy not listed in server.trusted_proxies the
    scheme cannot be told, and the host and port still have to match."""
    schemes = ("https",) if https else ("http", "https")
    return {_origin(f"{scheme}://{req.netloc}") for scheme in schemes}


def _origin(value):
    """An origin in one spelling: lower case, without its scheme's default port. "null"
    (sandboxed frames, file: pages) stays as it is and matches nothing of ours."""
    scheme, _, netloc = value.strip().lower().partition("://")
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default and netloc.endswith(default):
        netloc = netloc[:-len(default)]
    return f"{scheme}://{netloc}"


def _submitted_key(req):
    """The API key of a sign-in, from a JSON body or an HTML form."""
    content_type = (req.content_type or "").split(";")[0].strip().lower()
    if content_type != FORM:
        return SIGN_IN.parse(read_json(req))["key"]
    raw = req.bounded_stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError("GR_PAYLOAD_TOO_LARGE")
    try:
        fields = parse_qs(raw.decode("utf-8"), strict_parsing=bool(raw.strip()))
    except (UnicodeDecodeError, ValueError):
        raise invalid("body", "The form is not valid")
    if any(len(values) != 1 for values in fields.values()):
        raise invalid("key", "key may be given only once")
    return SIGN_IN.parse({name: values[0] for name, values in fields.items()})["key"]
