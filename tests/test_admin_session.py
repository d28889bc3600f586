"""The admin dashboard's session: sign-in, the cookie, CSRF, and the key behind it."""
import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import falcon.testing
import pytest

import goldenrecord
from goldenrecord.admin_ui.session import COOKIE
from goldenrecord.store.models import Organization
import apps
from support import assert_envelope

SESSION = "/admin/session"
ORGS = "/api/v1/organizations"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STATIC = Path(goldenrecord.__path__[0]) / "admin_ui" / "static"


class Browser:
    """Signs in and replays the session the way the dashboard's page does."""

    def __init__(self, client, plaintext, **options):
        self.client = client
        self.result = client.simulate_post(SESSION, json={"key": plaintext}, **options)
        data = assert_envelope(self.result, 200)
        self.cookie = self.result.cookies[COOKIE].value
        self.csrf = data["csrfToken"]

    def call(self, method, path, *, csrf=True, cookie=None, **kwargs):
        headers = {"X-CSRF-Token": self.csrf} if csrf is True else ({"X-CSRF-Token": csrf} if csrf else {})
        headers.update(kwargs.pop("headers", {}))
        return self.client.simulate_request(method, path, headers=headers,
                                            cookies={COOKIE: cookie or self.cookie}, **kwargs)


@pytest.fixture
def signed_in(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    return Browser(client, plaintext)


def set_cookie_header(result):
    return next(value for name, value in result.headers.items() if name.lower() == "set-cookie")


def test_sign_in_sets_a_strict_httponly_cookie_that_names_the_key_not_its_secret(client, store):
    key, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    browser = Browser(client, plaintext)
    header = set_cookie_header(browser.result)
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    assert "Max-Age=43200" in header and "Secure" not in header  # plain http here
    assert plaintext not in browser.cookie and key.key_hash not in browser.cookie
    data = browser.result.json["data"]
    assert data["key"]["id"] == key.id and "key" not in data["key"]
    assert re.fullmatch(r"[0-9a-f]{64}", data["csrfToken"])


def test_the_cookie_is_secure_over_https(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    assert "Secure" in set_cookie_header(Browser(client, plaintext, protocol="https").result)


def test_forwarded_https_counts_only_from_a_trusted_proxy(tmp_path, clock):
    with apps.service_behind_proxies(tmp_path, clock, ["10.0.0.0/8"]) as proxied_service:
        client = falcon.testing.TestClient(proxied_service.app)
        _, plaintext = proxied_service.store.api_keys.create(name="k", scopes=["*:*"])
        https = {"X-Forwarded-Proto": "https"}
        proxied = Browser(client, plaintext, headers=https, remote_addr="10.0.0.2")
        direct = Browser(client, plaintext, headers=https, remote_addr="198.51.100.1")
        assert "Secure" in set_cookie_header(proxied.result)
        assert "Secure" not in set_cookie_header(direct.result)


def test_a_form_post_signs_in_too(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    result = client.simulate_post(SESSION, body=f"key={plaintext}", headers=FORM)
    assert_envelope(result, 200)
    assert COOKIE in result.cookies


@pytest.mark.parametrize("kwargs, status, code, field", [
    ({"json": {"key": "gr_live_" + "x" * 43}}, 401, "GR_INVALID_API_KEY", None),
    ({"json": {}}, 400, "GR_VALIDATION_ERROR", "key"),
    ({"json": {"key": 7}}, 400, "GR_VALIDATION_ERROR", "key"),
    ({"json": {"key": "k", "remember": True}}, 400, "GR_VALIDATION_ERROR", "remember"),
    ({"body": "{nope", "headers": {"Content-Type": "application/json"}}, 400, "GR_VALIDATION_ERROR", "body"),
    ({"body": "key=a&key=b", "headers": FORM}, 400, "GR_VALIDATION_ERROR", "key"),
    ({"body": "", "headers": FORM}, 400, "GR_VALIDATION_ERROR", "key"),
])
def test_bad_sign_ins_are_refused_without_a_cookie(client, kwargs, status, code, field):
    result = client.simulate_post(SESSION, **kwargs)
    assert_envelope(result, status, code, field)
    assert COOKIE not in result.cookies


def test_sign_in_refuses_revoked_expired_and_foreign_address_keys(client, store, clock):
    revoked, revoked_plain = store.api_keys.create(name="r", scopes=["*:*"])
    store.api_keys.revoke(revoked.id)
    _, expiring = store.api_keys.create(name="e", scopes=["*:*"],
                                        expires_at=clock() + timedelta(minutes=1))
    _, fenced = store.api_keys.create(name="f", scopes=["*:*"], allowed_ips=["10.0.0.0/8"])
    clock.advance(minutes=2)
    for plaintext, status, code in ((revoked_plain, 401, "GR_INVALID_API_KEY"),
                                    (expiring, 401, "GR_INVALID_API_KEY"),
                                    (fenced, 403, "GR_IP_NOT_ALLOWED")):
        assert_envelope(client.simulate_post(SESSION, json={"key": plaintext}), status, code)


def test_failed_sign_ins_count_toward_the_per_address_limit(client):
    for _ in range(20):
        assert_envelope(client.simulate_post(SESSION, json={"key": "wrong"}), 401)
    assert_envelope(client.simulate_post(SESSION, json={"key": "wrong"}), 429, "GR_RATE_LIMITED")


def test_others_failures_from_the_address_refuse_no_valid_sign_in_or_session(client, store):
    signed_in_before = Browser(client, store.api_keys.create(name="a", scopes=["*:*"])[1])
    for _ in range(21):
        client.simulate_post(SESSION, json={"key": "wrong"})
    client.simulate_get(ORGS, headers={"Authorization": "Bearer gr_live_" + "x" * 43})
    assert_envelope(client.simulate_post(SESSION, json={"key": "wrong"}), 429, "GR_RATE_LIMITED")
    assert_envelope(signed_in_before.call("GET", ORGS), 200)
    assert_envelope(signed_in_before.call("GET", SESSION, csrf=False), 200)
    Browser(client, store.api_keys.create(name="b", scopes=["*:*"])[1])  # signs in: 200


def test_a_cross_site_sign_in_is_refused(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    result = client.simulate_post(SESSION, json={"key": plaintext},
                                  headers={"Sec-Fetch-Site": "cross-site"})
    assert_envelope(result, 403, "GR_FORBIDDEN")


@pytest.mark.parametrize("origin, https, status", [
    ("http://gr.example:8080", False, 200),
    ("HTTP://GR.example:8080", False, 200),
    (None, False, 200),  # no Origin and no Sec-Fetch-Site: a program, not a browser
    ("https://gr.example:8080", False, 200),  # a TLS proxy we were not told to trust
    ("https://gr.example:8080", True, 200),
    ("http://gr.example:8080", True, 403),  # an http page signing in to the https service
    ("http://evil.example", False, 403),
    ("http://gr.example:9090", False, 403),
    ("http://gr.example", False, 403),
    ("http://gr.example:8080.evil.example", False, 403),
    ("null", False, 403),
])
def test_sign_in_checks_the_origin(client, store, origin, https, status):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    headers = {"Host": "gr.example:8080", **({"Origin": origin} if origin else {})}
    result = client.simulate_post(SESSION, json={"key": plaintext}, headers=headers,
                                  protocol="https" if https else "http")
    assert_envelope(result, status, None if status == 200 else "GR_FORBIDDEN")
    assert (COOKIE in result.cookies) is (status == 200)


def test_a_foreign_origin_is_refused_even_when_sec_fetch_site_says_same_origin(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    headers = {"Host": "gr.example", "Origin": "http://evil.example",
               "Sec-Fetch-Site": "same-origin"}
    result = client.simulate_post(SESSION, json={"key": plaintext}, headers=headers)
    assert_envelope(result, 403, "GR_FORBIDDEN")


def test_default_ports_are_the_same_origin(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    headers = {"Host": "gr.example:443", "Origin": "https://gr.example"}
    Browser(client, plaintext, headers=headers, protocol="https")


def test_who_am_i_hands_out_the_same_csrf_token(signed_in):
    data = assert_envelope(signed_in.call("GET", SESSION, csrf=False), 200)
    assert data["csrfToken"] == signed_in.csrf and data["key"]["name"] == "operator"


def test_who_am_i_without_a_session_is_401(client):
    assert_envelope(client.simulate_get(SESSION), 401, "GR_UNAUTHORIZED")


def test_the_cookie_calls_the_api_with_its_csrf_header(signed_in, make):
    make.org(name="Acme", slug="acme")
    assert [o["name"] for o in assert_envelope(signed_in.call("GET", ORGS), 200)] == ["Acme"]
    created = signed_in.call("POST", ORGS, json={"name": "Globex", "slug": "globex"})
    assert_envelope(created, 201)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("csrf", [False, "0" * 64, "not a token"])
def test_cookie_requests_without_the_right_csrf_header_are_403(signed_in, store, method, csrf):
    path = ORGS if method != "DELETE" else f"{ORGS}/7d1a7c9e-0c5e-4e35-9d6a-3c3f7c3e9f10"
    body = {"json": {"name": "Evil", "slug": "evil"}} if method == "POST" else {}
    assert_envelope(signed_in.call(method, path, csrf=csrf, **body), 403, "GR_FORBIDDEN")
    assert Organization.select().count() == 0  # refused requests change nothing


def test_another_sessions_csrf_token_is_refused(client, store, signed_in):
    _, plaintext = store.api_keys.create(name="other", scopes=["*:*"])
    other = Browser(client, plaintext)
    assert other.csrf != signed_in.csrf
    assert_envelope(signed_in.call("GET", ORGS, csrf=other.csrf), 403, "GR_FORBIDDEN")


def test_a_tampered_or_foreign_cookie_is_401(signed_in):
    head, _, tail = signed_in.cookie.rpartition(".")
    tampered = head + "." + ("A" if tail[0] != "A" else "B") + tail[1:]
    for cookie in (tampered, "garbage", signed_in.cookie[:-3]):
        assert_envelope(signed_in.call("GET", ORGS, cookie=cookie), 401, "GR_UNAUTHORIZED")
        assert_envelope(signed_in.call("GET", SESSION, cookie=cookie, csrf=False), 401, "GR_UNAUTHORIZED")


def test_a_cookie_signed_for_another_database_is_401(tmp_path, clock, signed_in):
    with apps.service(apps.config_for(tmp_path / "o.db"), clock=clock) as other:
        result = falcon.testing.TestClient(other.app).simulate_get(
            ORGS, cookies={COOKIE: signed_in.cookie}, headers={"X-CSRF-Token": signed_in.csrf})
    assert_envelope(result, 401, "GR_UNAUTHORIZED")


def test_a_session_expires_after_twelve_hours(signed_in, clock):
    clock.advance(hours=11, minutes=59)
    assert_envelope(signed_in.call("GET", ORGS), 200)
    clock.advance(minutes=2)
    assert_envelope(signed_in.call("GET", ORGS), 401, "GR_UNAUTHORIZED")


def test_revoking_the_key_ends_its_session_at_once(signed_in, store, client, admin):
    assert_envelope(signed_in.call("GET", ORGS), 200)
    key_id = assert_envelope(signed_in.call("GET", SESSION, csrf=False), 200)["key"]["id"]
    assert_envelope(client.simulate_delete(f"/api/v1/keys/{key_id}", headers=admin), 200)
    assert_envelope(signed_in.call("GET", ORGS), 401, "GR_INVALID_API_KEY")
    assert_envelope(signed_in.call("GET", SESSION, csrf=False), 401, "GR_INVALID_API_KEY")


def test_the_keys_expiry_ends_its_session(client, store, clock):
    _, plaintext = store.api_keys.create(name="short", scopes=["*:*"],
                                         expires_at=clock() + timedelta(hours=1))
    browser = Browser(client, plaintext)
    clock.advance(hours=1, seconds=1)
    assert_envelope(browser.call("GET", ORGS), 401, "GR_INVALID_API_KEY")


def test_a_session_has_exactly_its_keys_power(client, store, make):
    mine, theirs = make.org(name="Mine", slug="mine"), make.org(name="Theirs", slug="theirs")
    _, plaintext = store.api_keys.create(name="scoped", scopes=["organizations:read"],
                                         organization_id=mine["id"])
    browser = Browser(client, plaintext)
    assert [o["id"] for o in assert_envelope(browser.call("GET", ORGS), 200)] == [mine["id"]]
    assert_envelope(browser.call("GET", f"{ORGS}/{theirs['id']}"), 403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(browser.call("POST", ORGS, json={"name": "X", "slug": "x"}), 403, "GR_FORBIDDEN")
    assert_envelope(browser.call("GET", "/api/v1/users"), 403, "GR_FORBIDDEN")


def test_a_bearer_header_is_used_instead_of_the_cookie(signed_in, store):
    _, plaintext = store.api_keys.create(name="reader", scopes=["users:read"])
    result = signed_in.call("GET", ORGS, headers={"Authorization": f"Bearer {plaintext}"})
    assert_envelope(result, 403, "GR_FORBIDDEN")


def test_cookie_requests_are_rate_limited_and_recorded_like_bearer_ones(signed_in):
    result = signed_in.call("GET", ORGS)
    assert_envelope(result, 200)
    assert "X-RateLimit-Limit" in result.headers


def test_sign_out_needs_the_csrf_header_and_clears_the_cookie(signed_in):
    assert_envelope(signed_in.call("DELETE", SESSION, csrf=False), 403, "GR_FORBIDDEN")
    result = signed_in.call("DELETE", SESSION)
    assert_envelope(result, 200)
    header = set_cookie_header(result)
    assert re.match(f'{COOKIE}=(""|);', header) and "expires=" in header.lower()


def test_signing_out_ends_the_session_on_the_server(client, store, signed_in):
    other_tab = Browser(client, store.api_keys.create(name="other", scopes=["*:*"])[1])
    assert_envelope(signed_in.call("GET", ORGS), 200)
    assert_envelope(signed_in.call("DELETE", SESSION), 200)
    # a copy of the cookie, kept from before the sign-out, no longer works anywhere
    assert_envelope(signed_in.call("GET", ORGS), 401, "GR_UNAUTHORIZED")
    assert_envelope(signed_in.call("GET", SESSION, csrf=False), 401, "GR_UNAUTHORIZED")
    assert_envelope(signed_in.call("DELETE", SESSION), 401, "GR_UNAUTHORIZED")
    assert_envelope(other_tab.call("GET", ORGS), 200)  # only that session ended


def test_the_same_key_signed_in_twice_has_two_sessions(client, store):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    first, second = Browser(client, plaintext), Browser(client, plaintext)
    assert first.cookie != second.cookie
    assert_envelope(first.call("DELETE", SESSION), 200)
    assert_envelope(second.call("GET", ORGS), 200)
    assert_envelope(first.call("GET", ORGS), 401, "GR_UNAUTHORIZED")


def test_a_sign_out_served_by_another_process_ends_the_session_here(client, store, clock):
    import requests

    from process import ServerProcess

    clock.now = datetime.now(timezone.utc)  # the other process's clock is the real one
    signed_in = Browser(client, store.api_keys.create(name="operator", scopes=["*:*"])[1])
    assert_envelope(signed_in.call("GET", ORGS), 200)  # "not signed out" is now cached
    other = ServerProcess(Path(store.path))
    try:
        gone = requests.delete(other.url + SESSION, cookies={COOKIE: signed_in.cookie},
                               headers={"X-CSRF-Token": signed_in.csrf}, timeout=10)
        assert gone.status_code == 200, gone.text
    finally:
        other.stop()
    assert_envelope(signed_in.call("GET", ORGS), 401, "GR_UNAUTHORIZED")


def test_a_signed_in_request_reads_no_sign_out_record_while_none_changes(signed_in, store):
    assert_envelope(signed_in.call("GET", ORGS), 200)
    statements = []
    connection = store.db.connection()
    connection.set_trace_callback(statements.append)
    try:
        assert_envelope(signed_in.call("GET", ORGS), 200)
    finally:
        connection.set_trace_callback(None)
    assert not any("admin_session" in statement for statement in statements), statements


def test_sign_out_records_are_dropped_once_their_cookie_would_have_expired(client, store, clock):
    _, plaintext = store.api_keys.create(name="operator", scopes=["*:*"])
    assert_envelope(Browser(client, plaintext).call("DELETE", SESSION), 200)
    clock.advance(hours=12, seconds=1)
    assert_envelope(Browser(client, plaintext).call("DELETE", SESSION), 200)
    assert store.db.execute_sql("SELECT count(*) FROM admin_session_ended").fetchone() == (1,)


def test_a_session_whose_key_was_revoked_can_still_sign_out(signed_in, store):
    key_id = assert_envelope(signed_in.call("GET", SESSION, csrf=False), 200)["key"]["id"]
    store.api_keys.revoke(key_id)
    assert_envelope(signed_in.call("DELETE", SESSION), 200)


def test_the_page_is_served_with_a_strict_content_security_policy(client):
    result = client.simulate_get("/admin")
    assert result.status_code == 200 and result.headers["Content-Type"].startswith("text/html")
    policy = result.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert '<script type="module" src="/admin/static/app.js">' in result.text
    assert client.simulate_get("/admin/").status_code == 200


def test_assets_are_served_with_their_types_and_unknown_ones_are_404(client):
    script = client.simulate_get("/admin/static/pages/organizations.js")
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert client.simulate_get("/admin/static/style.css").headers["Content-Type"].startswith("text/css")
    for path in ("/admin/static/nope.js", "/admin/static/../session.py", "/admin/static/%2e%2e/session.py"):
        assert_envelope(client.simulate_get(path), 404, "GR_NOT_FOUND")


def test_the_page_has_a_favicon_it_serves(client):
    page = client.simulate_get("/admin").text
    assert '<link rel="icon" href="/admin/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.simulate_get("/admin/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.text.startswith("<svg") and "<script" not in icon.text


def test_every_shipped_asset_is_served(client):
    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert len(files) >= 10
    for path in files:
        result = client.simulate_get(f"/admin/static/{path.relative_to(STATIC).as_posix()}")
        assert result.status_code == 200, path
        assert hashlib.sha256(result.content).digest() == hashlib.sha256(path.read_bytes()).digest()


def test_the_scripts_never_turn_text_into_markup():
    """User-supplied text is set with textContent/DOM APIs only: no script of the dashboard
    uses an API that parses a string as HTML or code."""
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
                           r"createContextualFragment|setHTMLUnsafe|\bon\w+\s*=\s*[\"']")
    for path in STATIC.rglob("*"):
        if path.suffix in (".js", ".html"):
            code = re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M)  # comments may name them
            assert not forbidden.search(code), path
