"""The admin dashboard's browser-test fixtures and helpers, shared by the test modules that
drive it (import the fixtures by name): one real `goldenrecord serve` and one Chromium per
module, a fresh browser context per test, screenshots, and the layout and axe checks."""
import json
import time
from pathlib import Path

import pytest

from browser import NARROW, WIDE, module_browser, playwright_api
from process import ServerProcess, new_key

sync_api = playwright_api()

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XSS = "<img src=x onerror=alert(1)>"
ACCEPT_URL = "https://app.example/join?token={token}"
expect = sync_api.expect
# Generous: the machines are shared, and a loaded one can take seconds to paint.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin")
    config = folder / "gr.toml"
    # the receiver is on loopback; the bootstrap key seeds and polls past `free`'s 60 a minute
    # and invitations answer with an accept URL (the dashboard shows it once, as the token)
    config.write_text("[webhooks]\nallow_private_targets = true\n[rate_limits]\nfree = 100000\n"
                      f"[invitations]\naccept_url_template = \"{ACCEPT_URL}\"\n")
    proc = ServerProcess(folder / "gr.db", key=new_key(), args=("--config", str(config)))
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser():
    yield from module_browser(sync_api)


class Api:
    """Seeds and inspects through the JSON API as the bootstrap (operator) key."""

    def __init__(self, server):
        self.server = server

    def call(self, method, path, status=None, **kwargs):
        response = self.server.api(method, "/api/v1" + path, **kwargs)
        if status is not None:
            assert response.status_code == status, response.text
        return response.json()["data"]

    def org(self, name, slug, verified=True):
        org = self.call("POST", "/organizations", 201, json={"name": name, "slug": slug})
        if verified:
            self.call("POST", f"/organizations/{org['id']}/verify", 200, json={"isVerified": True})
        return org

    def webhook(self, name, url):
        """A subscription to an event no test causes: only what a test sends itself arrives."""
        return self.call("POST", "/webhooks", 201, json={"name": name, "url": url,
                                                         "events": ["user.deleted"]})

    def key(self, scopes=("*:*",), **fields):
        # enterprise: the dashboard makes a request per page and action, past `free`'s 60 a minute
        return self.call("POST", "/keys", 201, json={"name": "dashboard", "scopes": list(scopes),
                                                      "tier": "enterprise", **fields})


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture(scope="module")
def world(api):
    """Organizations, a member and an operator key shared by the tests."""
    acme = api.org("Acme Corporation", "acme-corp")
    api.org("Globex", "globex")
    api.org("Initech", "initech", verified=False)
    user = api.call("POST", "/users", 201, json={"email": "jane@acme.com", "firstName": "Jane",
                                                 "lastName": "Doe"})
    api.call("POST", "/memberships", 201, json={"organizationId": acme["id"], "userId": user["id"],
                                                "roleId": "role_admin", "isOwner": True})
    return {"acme": acme, "operator": api.key()["key"]}


@pytest.fixture
def page(browser, server, request):
    """A page in a fresh context that fails the test on script errors, CSP reports or dialogs.
    Its last state is saved as tests/artifacts/last-TEST.png, for a failure seen only in CI."""
    context = browser.new_context(viewport=WIDE, base_url=server.url)
    tab = context.new_page()
    tab.problems = []
    tab.dialogs = []
    tab.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
    tab.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and tab.problems.append(f"console: {message.text}"))
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"last-{request.node.name}.png"))
    context.close()
    assert tab.problems == []
    assert tab.dialogs == []


def sign_in(page, key):
    """Sign in and wait until the first page (organizations) has loaded: a test that then
    changes the key must not race that page's own requests."""
    page.goto("/admin")
    page.fill("#key", key)
    page.click("#sign-in button[type=submit]")
    expect(page.locator("#top")).to_be_visible()
    expect(page.locator("#main [aria-busy=false]")).to_have_count(1)


def shoot(page, name):
    """Screenshots at 1280 and 400 px; at each width, nothing forces the page wider than the
    window, and at 400 px no control is off-screen or overlapping another (from their
    boxes); and axe-core finds nothing serious or critical."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in (("wide", WIDE), ("narrow", NARROW)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
        assert misplaced_controls(page, size["width"]) == [], name
    assert serious_violations(page) == [], name
    page.set_viewport_size(WIDE)


# Every visible control's box: off-screen sideways (beyond the window, or inside a box that
# scrolls sideways and would have to be scrolled to reach it), or overlapping another
# control. Controls inside an open dropdown float over the page on purpose: they are
# checked for being on screen only; under an open modal dialog only the dialog's count.
_LAYOUT = """(width) => {
  // with a modal dialog open, the page under it is inert: only the dialog's controls count
  const modal = document.querySelector("dialog:modal");
  const controls = [...(modal || document).querySelectorAll("a, button, input, select, textarea, [role=option]")]
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden");
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} “${(el.textContent || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40)}”`;
  const problems = [];
  const boxes = controls.map((el) => [el, el.getBoundingClientRect()]);
  for (const [el, box] of boxes) {
    if (box.width < 1 || box.height < 1) continue;
    if (box.left < -0.5 || box.right > width + 0.5) problems.push(`off-screen: ${name(el)}`);
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (up.scrollWidth > up.clientWidth + 1 && ["auto", "scroll"].includes(getComputedStyle(up).overflowX)) {
        problems.push(`in a box scrolled sideways: ${name(el)}`);
        break;
      }
    }
  }
  const floating = (el) => el.closest(".dropdown");
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, p] = boxes[i];
      const [b, q] = boxes[j];
      if (floating(a) || floating(b) || a.contains(b) || b.contains(a)) continue;
      const x = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (x > 1 && y > 1) problems.push(`overlap: ${name(a)} and ${name(b)}`);
    }
  }
  return problems;
}"""


def misplaced_controls(page, width):
    if width > NARROW["width"]:
        return []
    return page.evaluate(_LAYOUT, width)


def serious_violations(page):
    """axe-core's serious and critical findings (axe.min.js from axe-playwright-python, a
    test dependency: it works offline)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: {json.dumps(v['nodes'][0]['target'])})"
            for v in found if v["impact"] in ("serious", "critical")]


def session_cookie(page):
    return [c for c in page.context.cookies() if c["name"] == "gr_admin_session"]


def wait_until(condition, timeout=10):
    """For what background threads write (usage, delivery outcomes), in batches."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


