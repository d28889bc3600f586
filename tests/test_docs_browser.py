"""/docs in a real browser (Chromium via Playwright) against a real `goldenrecord serve`:
descriptions are rendered as Markdown, field rules are shown in words (never as regular
expressions), and nothing in the document is ever run or parsed as HTML."""
import json

import pytest

from browser import module_browser, playwright_api
from process import ServerProcess, new_key

pytestmark = pytest.mark.slow  # a real browser against a real server process

sync_api = playwright_api()

expect = sync_api.expect
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    proc = ServerProcess(folder / "gr.db", key=new_key())
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser():
    yield from module_browser(sync_api)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_descriptions_are_markdown_and_rules_are_words(server, page):
    page.goto(server.url + "/docs")
    create = page.locator("#createOrganization")
    expect(create).to_be_attached()
    create.locator("summary").first.click()
    # `GR_DUPLICATE_SLUG` in the description is a code element, not text with backticks
    description = create.locator(".body > .md").first
    expect(description.locator("code", has_text="GR_DUPLICATE_SLUG")).to_be_visible()
    assert "`" not in description.inner_text()
    slug = create.locator("tr.field", has=page.locator("code", has_text="slug"))
    expect(slug.locator(".rule")).to_contain_text("lowercase letters, digits and single hyphens")
    assert "[object" not in page.locator("main").inner_text()  # every node rendered as one
    rules = page.locator("td.rule").all_inner_texts()
    assert len(rules) > 50
    assert [rule for rule in rules if "^" in rule or "\\" in rule or "[\t" in rule] == []
    # the outgoing events and the page's own description are rendered too
    expect(page.locator("#organizationCreatedEvent")).to_be_attached()
    expect(page.locator("section.md code", has_text="Idempotency-Key").first).to_be_visible()


HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> **bold** [ok](/docs) [bad](javascript:alert(1))"


def test_markdown_from_the_document_is_never_html_and_links_are_safe(server, page):
    """A document whose descriptions carry markup: shown as text, links only to http(s) or
    this server."""
    document = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1", "description": HOSTILE},
        "tags": [{"name": "x", "description": HOSTILE}],
        "paths": {"/x": {"get": {"operationId": "getX", "summary": "<b>s</b>", "tags": ["x"],
                                 "description": HOSTILE, "parameters": [], "responses": {}}}},
        "x-error-codes": [],
    }
    page.route("**/api/v1/openapi.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(document)))
    page.goto(server.url + "/docs")
    expect(page.locator("strong", has_text="bold").first).to_be_attached()
    assert page.locator("img").count() == 0 and page.locator("b").count() == 0
    assert page.title() != "pwned"
    hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/docs" in hrefs and not [h for h in hrefs if h.startswith("javascript")]
    expect(page.locator("main")).to_contain_text("[bad](javascript:alert(1))")
