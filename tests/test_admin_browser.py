"""The admin dashboard in a real browser (Chromium via Playwright) against a real
`goldenrecord serve`: one server and one browser for the module, a fresh browser context
(its own cookies) per test."""
import time

import pytest

from dashboard import (XSS, api, browser, expect, page, server, session_cookie, shoot,  # noqa: F401
                       sign_in, wait_until, world)
from process import new_key

pytestmark = pytest.mark.slow  # a real browser against a real server process


def test_a_bad_key_is_refused_in_the_page(page, server):
    page.goto("/admin")
    page.fill("#key", new_key())
    page.click("#sign-in button[type=submit]")
    expect(page.locator("#sign-in .error")).to_contain_text("invalid, expired, or has been revoked")
    expect(page.locator("#top")).to_be_hidden()
    assert session_cookie(page) == []
    shoot(page, "sign-in")


def test_a_good_key_signs_in_with_an_httponly_strict_cookie(page, world):
    sign_in(page, world["operator"])
    [cookie] = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert world["operator"] not in cookie["value"]
    assert page.evaluate("document.cookie") == ""  # not readable by scripts
    expect(page.locator("#main tbody tr")).to_have_count(3)  # verified and staging
    shoot(page, "organizations")


def test_a_misspelt_name_is_in_the_dropdown_and_enter_opens_it(page, world):
    sign_in(page, world["operator"])
    box = page.locator("[role=combobox]")
    box.press_sequentially("acmr", delay=30)
    options = page.locator("[role=listbox][data-query=acmr] [role=option]")
    expect(options.first).to_contain_text("Acme Corporation")
    expect(options.first).to_have_attribute("aria-selected", "true")
    shoot(page, "autocomplete")
    box.press("Enter")
    expect(page).to_have_url(f"{page.url.split('#')[0]}#/organizations/{world['acme']['id']}")
    expect(page.locator("#org-name")).to_contain_text("Acme Corporation")
    members = page.locator("#member-list tbody tr")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text("jane@acme.com")
    expect(members.first).to_contain_text("Admin")
    expect(members.first).to_contain_text("owner")
    shoot(page, "organization")


def test_arrow_keys_and_escape_drive_the_dropdown(page, world, api):
    api.org("Acme Widgets", "acme-widgets")
    sign_in(page, world["operator"])
    box = page.locator("[role=combobox]")
    box.press_sequentially("acme", delay=30)
    options = page.locator("[role=listbox][data-query=acme] [role=option]")
    expect(options).to_have_count(2)
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(page.locator("[role=listbox]")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")


def test_the_verify_toggle_persists(page, world, api):
    org = api.org("Umbrella Labs", "umbrella-labs", verified=False)
    sign_in(page, world["operator"])
    page.goto(f"/admin#/organizations/{org['id']}")
    expect(page.locator("#org-name")).to_contain_text("staging")
    page.click("button.verify")
    expect(page.locator("button.verify")).to_have_text("Move to staging")
    page.reload()
    expect(page.locator("#org-name")).to_contain_text("verified")
    assert api.call("GET", f"/organizations/{org['id']}", 200)["isVerified"] is True


def test_a_new_key_is_shown_once(page, world, server):
    sign_in(page, world["operator"])
    page.click("#nav a[data-page=keys]")
    page.fill("#key-name", "reporting")
    page.check("input[value='organizations:read']")
    page.click("#create-key button[type=submit]")
    plaintext = page.locator("#new-key").input_value()
    assert plaintext.startswith("gr_live_")
    expect(page.locator("#copy-key")).to_be_visible()
    shoot(page, "keys")
    works = server.api("GET", "/api/v1/organizations", headers={"Authorization": f"Bearer {plaintext}"})
    assert works.status_code == 200
    page.reload()
    expect(page.locator("#main tbody tr", has_text="reporting")).to_have_count(1)
    expect(page.locator("#key-reveal")).to_have_count(0)
    assert plaintext not in page.content()


def test_an_organization_scoped_key_sees_only_its_organization(page, world, api):
    own = api.org("Soylent Foods", "soylent-foods")
    key = api.key(("organizations:read", "users:read"), organizationId=own["id"])["key"]
    sign_in(page, key)
    rows = page.locator("#main tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Soylent Foods")
    page.locator("[role=combobox]").press_sequentially("acme", delay=30)
    expect(page.locator(".dropdown-note")).to_contain_text("No organization matches")
    page.goto(f"/admin#/organizations/{world['acme']['id']}")
    expect(page.locator("#main .error")).to_contain_text("organization")
    expect(page.locator("#main")).not_to_contain_text("Acme Corporation")


def test_markup_in_a_name_is_shown_as_text_and_runs_nothing(page, world, api):
    org = api.org(XSS, "xss-org")
    sign_in(page, world["operator"])
    page.locator("[role=combobox]").press_sequentially("img src", delay=30)
    expect(page.locator("[role=listbox] [role=option]").first).to_contain_text(XSS)
    page.keyboard.press("Enter")
    expect(page.locator("#org-name")).to_contain_text(XSS)
    page.goto("/admin#/organizations")
    expect(page.locator("#main tbody", has_text=XSS)).to_have_count(1)
    assert page.locator("main img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # the `page` fixture fails the test if any dialog opened


def test_every_page_renders_without_errors(page, world, api):
    wait_until(lambda: api.call("GET", "/analytics", 200)["summary"]["totalRequests"] > 0)
    sign_in(page, world["operator"])
    for name, ready in (("users", "#main tbody tr"), ("webhooks", "#create-webhook"),
                        ("analytics", ".stats")):
        page.click(f"#nav a[data-page={name}]")
        expect(page.locator(ready).first).to_be_visible()
        expect(page.locator("#main .error")).to_have_count(0)
        shoot(page, name)
    expect(page.locator("svg.columns").first).to_be_visible()
    expect(page.locator(".bars li").first).to_be_visible()


def test_a_delivery_can_be_sent_again_from_the_log(page, world, api, module_receiver):
    # subscribed to an event no test causes, so the ping and its redelivery are all it gets
    hook = api.webhook("audit", module_receiver.url)
    sign_in(page, world["operator"])
    page.goto(f"/admin#/webhooks/{hook['id']}")
    page.click("#ping")
    [first] = module_receiver.wait_for(1)
    deliveries = page.locator("#main tbody tr", has_text="ping")
    expect(deliveries).to_have_count(1)
    shoot(page, "webhook")
    deliveries.first.get_by_role("button", name="Redeliver").click()
    expect(page.locator("#main .notice")).to_contain_text("queued again")
    second = module_receiver.wait_for(2)[1]
    assert second["headers"]["X-Webhook-Id"] == first["headers"]["X-Webhook-Id"]
    expect(deliveries).to_have_count(2)
    wait_until(lambda: api.call("GET", f"/webhooks/{hook['id']}/deliveries", 200)[0]["status"] == "succeeded")
    page.reload()
    expect(deliveries.first.locator(".badge")).to_have_text("succeeded")


def test_sign_out_ends_the_session(page, world):
    sign_in(page, world["operator"])
    page.click("#sign-out")
    expect(page.locator("#sign-in")).to_contain_text("Signed out")
    assert session_cookie(page) == []
    page.reload()
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#top")).to_be_hidden()


def test_revoking_the_key_ends_the_session_at_the_next_action(page, api):
    created = api.key()
    sign_in(page, created["key"])
    api.call("DELETE", f"/keys/{created['id']}", 200)
    page.click("#nav a[data-page=users]")
    expect(page.locator("#sign-in")).to_contain_text("session has ended")
    page.reload()
    expect(page.locator("#sign-in")).to_be_visible()


class HeldAnswers:
    """Holds the dashboard's autocomplete requests while `holding`, to release them late, one
    at a time: the browser's real requests, to the real server, only later."""

    def __init__(self, page):
        self.page = page
        self.holding = False
        self.held = []
        page.route("**/api/v1/organizations/autocomplete?*", self._route)

    def _route(self, route):
        if self.holding:
            self.held.append(route)
        else:
            route.continue_()

    def wait_for(self, query):
        """The held request for `query` (its q parameter), once the browser has sent it."""
        deadline = time.monotonic() + 15
        while True:
            for route in self.held:
                if f"q={query}&" in route.request.url:
                    return route
            assert time.monotonic() < deadline, [r.request.url for r in self.held]
            self.page.wait_for_timeout(10)  # lets Playwright deliver the intercepted request

    def release(self, query):
        """Let the request for `query` through and wait until the page has its answer."""
        answers = int(self.page.locator("[role=listbox]").get_attribute("data-answers") or 0)
        route = self.wait_for(query)
        self.held.remove(route)
        route.continue_()
        expect(self.page.locator("[role=listbox]")).to_have_attribute("data-answers",
                                                                      str(answers + 1))


def test_a_late_answer_does_not_reopen_a_dropdown_closed_with_escape(page, world, api):
    api.org("Quasar Dynamics", "quasar-dynamics")
    sign_in(page, world["operator"])
    answers = HeldAnswers(page)
    box = page.locator("[role=combobox]")
    box.press_sequentially("quas", delay=30)
    expect(page.locator("[role=listbox][data-query=quas] [role=option]")).to_have_count(1)
    answers.holding = True
    box.press("a")  # a real key press: its request is on its way...
    answers.wait_for("quasa")
    box.press("Escape")  # ...when the dropdown is closed
    expect(page.locator("[role=listbox]")).to_be_hidden()
    answers.release("quasa")
    expect(page.locator("[role=listbox]")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("quasa")


def test_a_late_answer_keeps_the_highlighted_option(page, world, api):
    """ArrowDown, then a late answer for the same text, then Enter: the option the arrow
    highlighted opens, not the first."""
    zephyrs = {org["name"]: org for org in (api.org("Zephyr Alpha", "zephyr-alpha"),
                                            api.org("Zephyr Beta", "zephyr-beta"))}
    sign_in(page, world["operator"])
    answers = HeldAnswers(page)
    box = page.locator("[role=combobox]")
    box.press_sequentially("zeph", delay=30)
    options = page.locator("[role=listbox][data-query=zeph] [role=option]")
    expect(options).to_have_count(2)
    answers.holding = True
    box.press("Backspace")  # asks for "zep"...
    answers.wait_for("zep")
    box.press("h")  # ...then for "zeph" again
    answers.wait_for("zeph")
    answers.release("zep")  # for text the box no longer holds: dropped
    expect(options).to_have_count(2)
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    highlighted = next(name for name in zephyrs if name in options.nth(1).inner_text())
    answers.release("zeph")  # the newer answer for the text on show
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    target = zephyrs[highlighted]["id"]
    expect(page).to_have_url(f"{page.url.split('#')[0]}#/organizations/{target}")
    expect(page.locator("#org-name")).to_contain_text(highlighted)
