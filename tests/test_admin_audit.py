"""The dashboard's audit page (issue 20), in Chromium against a real `goldenrecord serve`:
the filters are the API's (a refused one shown at its field), the table pages through the
API's cursor, the export downloads GET /audit-logs/export through the session (cookie and
CSRF header, no endpoint of the dashboard's own), and a key without `audit_logs:read` sees
the page off with the reason."""
import csv
import json

import pytest

from dashboard import api, browser, expect, page, server, shoot, sign_in, world  # noqa: F401

pytestmark = pytest.mark.slow  # a real browser against a real server process

PAGE = 25  # the page's page size (pages/audit.js)


def open_audit(page, key):
    sign_in(page, key)
    page.click("#nav a[data-page=audit]")
    expect(page.locator("#audit-list [aria-busy=false]")).to_have_count(1)


def rows(page):
    return page.locator("#audit-list tbody tr")


def renamed_many(api, times):
    """An organization renamed `times` times: its entries are 1 + `times`, oldest first."""
    org = api.org("Umbrella", "umbrella-audit", verified=False)
    for n in range(times):
        api.call("PUT", f"/organizations/{org['id']}", 200, json={"name": f"Umbrella {n + 1}"})
    return org


def test_filters_page_through_the_log_and_show_each_change(page, world, api):
    org = renamed_many(api, PAGE + 5)
    expected = api.call("GET", "/audit-logs", 200, params={"organizationId": org["id"], "limit": 100})
    assert len(expected) == PAGE + 6
    open_audit(page, world["operator"])
    page.fill("#audit-filter-organizationId", org["id"])
    page.click("#audit-filter button[type=submit]")
    expect(rows(page)).to_have_count(PAGE)
    expect(page.locator("#audit-list .count")).to_have_text(f"{PAGE} shown")
    first = rows(page).first
    expect(first).to_have_attribute("data-entry", expected[0]["id"])
    expect(first).to_contain_text("organization.created")
    second = rows(page).nth(1)
    expect(second).to_contain_text("organization.updated")
    expect(second.locator(".changes")).to_contain_text("name: Umbrella → Umbrella 1")
    expect(second).to_contain_text(expected[1]["actor"]["name"])  # the seeding key
    expect(second).to_contain_text("127.0.0.1")  # the client address
    shoot(page, "audit")
    page.get_by_role("button", name="Load more").click()
    expect(rows(page)).to_have_count(PAGE + 6)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    assert rows(page).evaluate_all("(trs) => trs.map((tr) => tr.dataset.entry)") == [
        e["id"] for e in expected]

    page.fill("#audit-filter-action", "organization.created")  # filters combine
    page.click("#audit-filter button[type=submit]")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-entry", expected[0]["id"])
    page.fill("#audit-filter-action", "no.such_action")
    page.click("#audit-filter button[type=submit]")
    expect(page.locator("#audit-list .empty")).to_have_text("No audit entries match.")


def test_a_refused_filter_is_shown_at_its_field_and_keeps_the_list(page, world, api):
    open_audit(page, world["operator"])
    shown = rows(page).count()
    assert shown > 0
    page.fill("#audit-filter-rangeStart", "yesterday")
    page.click("#audit-filter button[type=submit]")
    error = page.locator("#audit-filter-rangeStart-error")
    expect(error).to_be_visible()
    expect(page.locator("#audit-filter-rangeStart")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#audit-filter-rangeStart")).to_be_focused()
    expect(rows(page)).to_have_count(shown)  # the list on show is left as it was
    shoot(page, "audit-refused")
    page.fill("#audit-filter-rangeStart", "2000-01-01T00:00:00Z")
    page.fill("#audit-filter-rangeEnd", "2000-01-02T00:00:00Z")
    page.click("#audit-filter button[type=submit]")
    expect(error).to_be_hidden()
    expect(page.locator("#audit-list .empty")).to_have_text("No audit entries match.")


def test_export_downloads_the_filtered_log_as_csv_and_ndjson(page, world, api):
    org = api.org("Soylent", "soylent-audit", verified=False)
    api.call("PUT", f"/organizations/{org['id']}", 200, json={"name": "Soylent Green"})
    expected = api.call("GET", "/audit-logs", 200, params={"organizationId": org["id"]})
    open_audit(page, world["operator"])
    page.fill("#audit-filter-organizationId", org["id"])
    page.click("#audit-filter button[type=submit]")
    expect(rows(page)).to_have_count(len(expected))

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "audit-log.csv"
    exported = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert [r["id"] for r in exported] == [e["id"] for e in expected]
    assert json.loads(exported[-1]["changes"])["name"] == {"before": "Soylent", "after": "Soylent Green"}

    with page.expect_download() as download:
        page.get_by_role("button", name="Export NDJSON").click()
    assert download.value.suggested_filename == "audit-log.ndjson"
    lines = [json.loads(line) for line in open(download.value.path(), encoding="utf-8")]
    assert lines == expected
    expect(page.locator("#audit-export-problem")).to_be_empty()


def test_an_export_after_the_key_is_revoked_ends_the_session(page, world, api):
    key = api.key(scopes=("audit_logs:read", "organizations:read"))
    open_audit(page, key["key"])
    api.call("DELETE", f"/keys/{key['id']}", 200)  # revoked while the page is open
    page.get_by_role("button", name="Export CSV").click()
    expect(page.locator("#sign-in-problem")).to_contain_text("Your session has ended")


def test_a_key_without_audit_logs_read_sees_the_page_off_with_the_reason(page, world, api):
    key = api.key(scopes=("organizations:read",))["key"]
    sign_in(page, key)
    page.click("#nav a[data-page=audit]")
    reason = "Your API key lacks the 'audit_logs:read' scope."
    expect(page.locator("#main .scope-note")).to_have_text(f"Reading the audit log is off: {reason}")
    for control in ("#audit-filter-action", "#audit-filter button[type=submit]", "#audit-export-csv",
                    "#audit-export-ndjson"):
        expect(page.locator(control)).to_be_disabled()
        expect(page.locator(control)).to_have_attribute("title", reason)
    expect(rows(page)).to_have_count(0)
    shoot(page, "audit-no-scope")


def test_an_organization_scoped_key_sees_its_organization_only(page, world, api):
    mine = api.org("Vandelay", "vandelay-audit", verified=False)
    other = api.org("Kramerica", "kramerica-audit", verified=False)
    key = api.key(scopes=("audit_logs:read", "organizations:read"), organizationId=mine["id"])["key"]
    open_audit(page, key)
    expect(rows(page).filter(has_text=mine["id"])).not_to_have_count(0)
    expect(rows(page).filter(has_text=other["id"])).to_have_count(0)
    page.fill("#audit-filter-organizationId", other["id"])
    page.click("#audit-filter button[type=submit]")
    expect(page.locator("#audit-filter-organizationId-error")).to_be_visible()


def test_an_organization_s_and_a_key_s_audit_links_open_their_entries_and_the_address_keeps_them(
        page, world, api):
    org = api.org("Cyberdyne", "cyberdyne-audit", verified=False)
    api.call("PUT", f"/organizations/{org['id']}", 200, json={"domain": "cyberdyne.example"})
    expected = api.call("GET", "/audit-logs", 200, params={"organizationId": org["id"]})
    sign_in(page, world["operator"])
    page.goto(f"/admin#/organizations/{org['id']}")
    page.locator("#main").get_by_role("link", name="Audit log").click()
    expect(page.locator("#audit-filter-organizationId")).to_have_value(org["id"])
    expect(rows(page)).to_have_count(len(expected))
    expect(rows(page).last.locator(".changes")).to_contain_text("domain: null → cyberdyne.example")

    page.fill("#audit-filter-action", "organization.updated")
    page.click("#audit-filter button[type=submit]")
    expect(rows(page)).to_have_count(1)
    assert "action=organization.updated" in page.evaluate("location.hash")
    page.reload()  # a bookmark: the filters come back from the address
    expect(page.locator("#audit-filter-action")).to_have_value("organization.updated")
    expect(rows(page)).to_have_count(1)

    key = api.key(scopes=("organizations:read",))
    requests_key = {"Authorization": f"Bearer {key['key']}"}
    api.server.api("GET", "/api/v1/organizations", headers=requests_key)  # reads are not audited
    page.goto("/admin#/keys")
    page.locator(f"tr[data-key-id='{key['id']}']").get_by_role("link", name="Audit log").click()
    expect(page.locator("#audit-filter-actor")).to_have_value(key["id"])
    expect(page.locator("#audit-list .empty")).to_have_text("No audit entries match.")


def test_a_refused_filter_in_the_address_is_shown_at_its_field(page, world, api):
    sign_in(page, world["operator"])
    page.goto("/admin#/audit?rangeEnd=tomorrow")
    expect(page.locator("#audit-filter-rangeEnd-error")).to_be_visible()
    expect(page.locator("#audit-filter-rangeEnd")).to_have_value("tomorrow")
    expect(rows(page)).not_to_have_count(0)  # the unfiltered log instead
