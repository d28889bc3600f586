"""The dashboard as an admin tool (issue 25), in Chromium against a real `goldenrecord
serve`: every action goes through the public API with the session's CSRF token; refusals
are shown at the field the API names; destructive actions ask first in a dialog that says
what goes with them; actions the key lacks the scope for are disabled with the reason.
Every page and form is screenshot at 1280 and 400 px and checked for layout and axe-core."""
import csv
import io
import json
import re

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

from dashboard import api, browser, expect, page, server, shoot, sign_in, wait_until, world  # noqa: F401
from support import Receiver

pytestmark = pytest.mark.slow  # a real browser against a real server process


def field_error(page, form, field):
    return page.locator(f"#{form}-{field}-error")


def delete_through_the_dialog(page, api, button, says, back, path):
    """Press `button`, see the dialog say `says`, confirm: the page goes `back`, `path` is gone."""
    page.click(button)
    expect(page.locator("dialog.confirm")).to_contain_text(says)
    page.click("#confirm-yes")
    expect(page).to_have_url(f"{page.url.split('#')[0]}{back}")
    assert api.server.api("GET", f"/api/v1{path}").status_code == 404


def test_an_organization_is_created_refused_at_the_field_and_edited(page, world, api):
    sign_in(page, world["operator"])
    page.click("#new-org")
    page.fill("#create-org-name", "Hooli")
    page.fill("#create-org-slug", "acme-corp")  # taken
    page.fill("#create-org-metadata", '{"plan": "pro"}')
    page.click("#create-org button[type=submit]")
    expect(field_error(page, "create-org", "slug")).to_contain_text("already exists")
    expect(page.locator("#create-org-slug")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#create-org-slug")).to_be_focused()
    page.fill("#create-org-slug", "hooli")
    page.fill("#create-org-metadata", '{"plan": ')  # not JSON: refused before anything is sent
    page.click("#create-org button[type=submit]")
    expect(field_error(page, "create-org", "metadata")).to_contain_text("not valid JSON")
    expect(field_error(page, "create-org", "slug")).to_be_hidden()
    shoot(page, "organization-create")
    assert api.call("GET", "/organizations", 200, params={"search": "hooli", "includeStaging": "true"}) == []
    page.fill("#create-org-metadata", '{"plan": "pro"}')
    page.click("#create-org button[type=submit]")
    expect(page.locator("#org-name")).to_contain_text("Hooli")
    expect(page.locator("#org-name")).to_contain_text("staging")
    org_id = page.url.split("#/organizations/")[1]

    page.click("#edit-org")
    page.fill("#edit-org-form-name", "Hooli XYZ")
    page.fill("#edit-org-form-domain", "hooli.com")
    page.fill("#edit-org-form-logoUrl", "https://hooli.com/logo.png")
    page.uncheck("#edit-org-form-isActive")
    page.fill("#edit-org-form-metadata", json.dumps({"plan": "enterprise", "seats": 40}))
    shoot(page, "organization-edit")
    page.click("#edit-org-form button[type=submit]")
    expect(page.locator("#main .notice")).to_contain_text("Saved")
    expect(page.locator("#org-name")).to_contain_text("Hooli XYZ")
    stored = api.call("GET", f"/organizations/{org_id}", 200)
    assert (stored["name"], stored["slug"], stored["domain"], stored["logoUrl"], stored["isActive"],
            stored["metadata"]) == ("Hooli XYZ", "hooli", "hooli.com", "https://hooli.com/logo.png",
                                    False, {"plan": "enterprise", "seats": 40})
    page.click("#edit-org")
    page.fill("#edit-org-form-domain", "")  # cleared: null
    page.fill("#edit-org-form-logoUrl", "not a url")
    page.click("#edit-org-form button[type=submit]")
    expect(field_error(page, "edit-org-form", "logoUrl")).to_be_visible()
    assert api.call("GET", f"/organizations/{org_id}", 200)["domain"] == "hooli.com"  # nothing half-applied
    page.fill("#edit-org-form-logoUrl", "")
    page.click("#edit-org-form button[type=submit]")
    expect(page.locator("#main .notice")).to_contain_text("Saved")
    assert api.call("GET", f"/organizations/{org_id}", 200)["domain"] is None


def test_deleting_an_organization_asks_first_and_names_what_goes_with_it(page, world, api):
    org = api.org("Vandelay Industries", "vandelay")
    user = api.call("POST", "/users", 201, json={"email": "art@vandelay.com"})
    api.call("POST", "/memberships", 201, json={"organizationId": org["id"], "userId": user["id"]})
    scoped = api.key(("organizations:read",), organizationId=org["id"])
    sign_in(page, world["operator"])
    page.goto(f"/admin#/organizations/{org['id']}")
    page.click("#delete-org")
    dialog = page.locator("dialog.confirm")
    expect(dialog).to_contain_text("1 membership")
    expect(dialog).to_contain_text("1 API key scoped to it")
    expect(dialog).to_contain_text("webhook subscriptions")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # Enter is the safe choice
    shoot(page, "organization-delete-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert api.call("GET", f"/organizations/{org['id']}", 200)["name"] == "Vandelay Industries"
    page.click("#delete-org")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")  # closing the dialog is a no too
    expect(dialog).to_have_count(0)
    page.click("#delete-org")
    page.click("#confirm-yes")
    expect(page).to_have_url(f"{page.url.split('#')[0]}#/organizations")
    assert api.server.api("GET", f"/api/v1/organizations/{org['id']}").status_code == 404
    assert api.server.api("GET", f"/api/v1/keys/{scoped['id']}").status_code == 404
    assert api.call("GET", f"/users/{user['id']}", 200)["email"] == "art@vandelay.com"  # users stay


def test_a_user_is_created_searched_edited_deactivated_and_deleted(page, world, api):
    sign_in(page, world["operator"])
    page.click("#nav a[data-page=users]")
    page.click("#new-user")
    page.fill("#create-user-email", "jane@acme.com")  # taken
    page.click("#create-user button[type=submit]")
    expect(field_error(page, "create-user", "email")).to_contain_text("already exists")
    page.fill("#create-user-email", "bob@initrode.com")
    page.fill("#create-user-firstName", "Bob")
    page.fill("#create-user-lastName", "Slydell")
    page.click("#create-user button[type=submit]")
    expect(page.locator("#user-name")).to_contain_text("bob@initrode.com")
    user_id = page.url.split("#/users/")[1]
    shoot(page, "user")

    page.click("#edit-user")
    page.fill("#edit-user-form-firstName", "Robert")
    page.fill("#edit-user-form-metadata", '{"team": "efficiency"}')
    page.click("#edit-user-form button[type=submit]")
    expect(page.locator("#main dl")).to_contain_text("Robert Slydell")
    page.click("#toggle-active")
    expect(page.locator("#user-name")).to_contain_text("inactive")
    expect(page.locator("#toggle-active")).to_have_text("Reactivate")
    stored = api.call("GET", f"/users/{user_id}", 200)
    assert (stored["firstName"], stored["metadata"], stored["isActive"]) == ("Robert", {"team": "efficiency"}, False)

    page.click("#nav a[data-page=users]")
    page.fill("#user-search", "slydel")  # typo-tolerant
    page.press("#user-search", "Enter")
    expect(page.locator("#main tbody tr")).to_have_count(1)
    page.locator("#main tbody a", has_text="bob@initrode.com").click()
    delete_through_the_dialog(page, api, "#delete-user", "0 memberships", "#/users", f"/users/{user_id}")


def test_members_are_added_by_search_changed_and_removed(page, world, api):
    org = api.org("Pied Piper", "pied-piper")
    user = api.call("POST", "/users", 201, json={"email": "richard@piedpiper.com", "firstName": "Richard"})
    sign_in(page, world["operator"])
    page.goto(f"/admin#/organizations/{org['id']}")
    expect(page.locator("#member-list .empty")).to_contain_text("No members yet")
    page.click("#add-member button[type=submit]")  # no user chosen: the API names the field
    expect(field_error(page, "add-member", "userId")).to_be_visible()
    page.locator("#add-member-userId").press_sequentially("richrd", delay=30)
    page.locator(".picks button", has_text="richard@piedpiper.com").click()
    expect(page.locator(".picker [role=status]")).to_contain_text("richard@piedpiper.com")
    page.select_option("#add-member-roleId", "role_admin")
    page.check("#add-member-isOwner")
    shoot(page, "organization-add-member")
    page.click("#add-member button[type=submit]")
    row = page.locator("#member-list tbody tr", has_text="richard@piedpiper.com")
    expect(row).to_contain_text("Admin")
    expect(row).to_contain_text("owner")
    [membership] = api.call("GET", "/memberships", 200, params={"organizationId": org["id"]})
    assert (membership["userId"], membership["roleId"], membership["isOwner"]) == (user["id"], "role_admin", True)

    row.get_by_role("button", name="Change").click()
    expect(row.locator("select.role")).to_be_focused()
    expect(row.locator("select.role")).to_have_value("role_admin")
    row.locator("select.role").select_option("role_member")
    row.locator("input.owner").uncheck()
    row.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("Saved")
    expect(row).to_contain_text("Member")
    expect(row).not_to_contain_text("owner")
    changed = api.call("GET", f"/memberships/{membership['id']}", 200)
    assert (changed["roleId"], changed["isOwner"]) == ("role_member", False)

    page.goto(f"/admin#/users/{user['id']}")  # the user's page lists the membership
    expect(page.locator("#main tbody tr", has_text="Pied Piper")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    [exported] = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert (exported["id"], json.loads(exported["organization"])["name"]) == (membership["id"], "Pied Piper")
    page.goto(f"/admin#/organizations/{org['id']}")
    row.get_by_role("button", name="Remove").click()
    expect(page.locator("dialog.confirm")).to_contain_text("stops being a member of Pied Piper")
    page.click("#confirm-yes")
    expect(page.locator("#member-list .empty")).to_contain_text("No members yet")
    assert api.call("GET", "/memberships", 200, params={"organizationId": org["id"]}) == []


def test_a_webhook_is_edited_paused_resumed_and_deleted(page, world, api, module_receiver):
    hook = api.webhook("crm", module_receiver.url)
    sign_in(page, world["operator"])
    page.goto(f"/admin#/webhooks/{hook['id']}")
    page.click("#edit-hook")
    page.fill("#edit-hook-form-events", "user.deleted, no.such.event")
    page.click("#edit-hook-form button[type=submit]")
    expect(field_error(page, "edit-hook-form", "events")).to_be_visible()
    page.fill("#edit-hook-form-name", "crm sync")
    page.fill("#edit-hook-form-events", "user.created, user.deleted")
    shoot(page, "webhook-edit")
    page.click("#edit-hook-form button[type=submit]")
    expect(page.locator("#hook-name-heading")).to_contain_text("crm sync")
    stored = api.call("GET", f"/webhooks/{hook['id']}", 200)
    assert (stored["name"], stored["events"]) == ("crm sync", ["user.created", "user.deleted"])
    page.click("#pause")
    expect(page.locator("#hook-name-heading")).to_contain_text("paused")
    assert api.call("GET", f"/webhooks/{hook['id']}", 200)["isActive"] is False
    page.click("#pause")
    expect(page.locator("#pause")).to_have_text("Pause")
    assert api.call("GET", f"/webhooks/{hook['id']}", 200)["isActive"] is True
    delete_through_the_dialog(page, api, "#delete-hook", "pending deliveries are dropped", "#/webhooks",
                              f"/webhooks/{hook['id']}")


def test_a_webhook_secret_is_rotated_through_the_dialog_and_signs_what_follows(page, world, api):
    receiver = Receiver()  # its own: only this test's ping arrives
    try:
        hook = api.webhook("rotating", receiver.url)
        sign_in(page, world["operator"])
        page.goto(f"/admin#/webhooks/{hook['id']}")
        page.click("#rotate-secret")
        expect(page.locator("dialog.confirm")).to_contain_text("for 24 hours")
        page.locator("dialog.confirm").get_by_role("button", name="Cancel").click()
        expect(page.locator("#secret-reveal")).to_have_count(0)  # cancelled: nothing rotated
        page.click("#rotate-secret")
        page.click("#confirm-yes")
        secret = page.locator("#webhook-secret").input_value()
        assert secret.startswith("whsec_") and secret != hook["secret"]
        expect(page.locator("#secret-reveal")).to_contain_text("shown only this once")
        shoot(page, "webhook-secret-rotated")
        page.click("#ping")
        [ping] = receiver.wait_for(1)
        assert StandardWebhook(secret).verify(ping["body"], ping["headers"])["event"] == "ping"
        # the old secret signs beside the new one for the default grace period
        assert StandardWebhook(hook["secret"]).verify(ping["body"], ping["headers"])["event"] == "ping"
        assert api.call("GET", f"/webhooks/{hook['id']}", 200)["previousSecretExpiresAt"]
        page.reload()  # shown once: the page never shows it again
        expect(page.locator("#hook-name-heading")).to_contain_text("rotating")
        expect(page.locator("#secret-reveal")).to_have_count(0)
        assert "secret" not in api.call("GET", f"/webhooks/{hook['id']}", 200)
    finally:
        receiver.close()


def test_rotating_a_webhook_secret_is_disabled_without_webhooks_write(page, world, api, module_receiver):
    hook = api.webhook("read only", module_receiver.url)
    sign_in(page, api.key(("webhooks:read",))["key"])
    page.goto(f"/admin#/webhooks/{hook['id']}")
    expect(page.locator("#rotate-secret")).to_be_disabled()
    expect(page.locator("#rotate-secret")).to_have_attribute("title", "Your API key lacks the 'webhooks:write' scope.")
    expect(page.locator("#main")).to_contain_text("Changing this subscription is off")


def test_a_list_exports_as_csv_with_formulas_defused(page, world, api):
    api.org("=HYPERLINK(\"http://evil\")", "formula-org")
    sign_in(page, world["operator"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "organizations.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    everything = api.call("GET", "/organizations", 200, params={"includeStaging": "true", "limit": 100})
    assert sorted(r["id"] for r in rows) == sorted(o["id"] for o in everything)
    assert "'=HYPERLINK(\"http://evil\")" in [r["name"] for r in rows]
    assert json.loads(next(r for r in rows if r["slug"] == "acme-corp")["metadata"]) == {}


def test_actions_the_key_lacks_the_scope_for_are_disabled_with_the_reason(page, world, api):
    reader = api.key(("organizations:read", "users:read"))["key"]
    sign_in(page, reader)
    expect(page.locator("#new-org")).to_be_disabled()
    expect(page.locator("#new-org")).to_have_attribute("title", "Your API key lacks the 'organizations:create' scope.")
    expect(page.locator(".scope-note")).to_contain_text("Creating organizations is off")
    page.goto(f"/admin#/organizations/{world['acme']['id']}")
    for button, scope in (("#edit-org", "organizations:update"), ("#delete-org", "organizations:delete"),
                          ("button.verify", "organizations:update")):
        expect(page.locator(button)).to_be_disabled()
        expect(page.locator(button)).to_have_attribute("title", f"Your API key lacks the '{scope}' scope.")
    expect(page.locator("#add-member")).to_have_count(0)
    expect(page.locator("#main")).to_contain_text("Adding members is off")
    expect(page.locator("#member-list tbody").get_by_role("button", name="Change").first).to_be_disabled()
    shoot(page, "organization-read-only")


def test_analytics_per_hour_with_percentiles_and_busiest_keys(page, world, api):
    wait_until(lambda: api.call("GET", "/analytics", 200)["byKey"] != [])
    sign_in(page, world["operator"])
    page.click("#nav a[data-page=analytics]")
    expect(page.locator(".stats")).to_contain_text("p50 / p95 / p99")
    page.select_option("#analytics-group", "hour")
    expect(page.locator("#main h2").first).to_have_text("Requests per hour (UTC)")
    expect(page.locator("svg.columns path")).to_be_visible()
    expect(page.locator(".timeline figcaption")).to_contain_text("most:")
    expect(page.locator(".bars").first).to_contain_text("gr_live_")
    shoot(page, "analytics-hourly")


def test_a_late_answer_for_an_older_choice_does_not_replace_a_newer_one(page, world):
    sign_in(page, world["operator"])
    page.click("#nav a[data-page=analytics]")
    expect(page.locator(".stats")).to_be_visible()
    held = []
    by_day = re.compile(r".*/api/v1/analytics\?.*groupBy=day.*")
    def hold(route):
        held.append(route)

    page.route(by_day, hold)
    page.select_option("#analytics-period", "30")  # its answer (per day) is held back
    while not held:
        page.wait_for_timeout(20)
    page.select_option("#analytics-group", "hour")
    heading = page.locator("#main h2").first
    expect(heading).to_have_text("Requests per hour (UTC)")
    with page.expect_response(by_day):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # time to (wrongly) draw it
    assert heading.text_content() == "Requests per hour (UTC)"


def test_keyboard_alone_signs_in_searches_opens_and_edits(page, world, api):
    org = api.org("Keyboard Cats", "keyboard-cats")
    page.goto("/admin")
    expect(page.locator("#key")).to_be_focused()
    page.keyboard.type(world["operator"])
    page.keyboard.press("Enter")
    box = page.locator("[role=combobox]")
    expect(box).to_be_focused()
    page.keyboard.type("keybord cats", delay=30)
    expect(page.locator("[role=listbox] [role=option]").first).to_contain_text("Keyboard Cats")
    page.keyboard.press("Enter")
    expect(page.locator("#org-name")).to_contain_text("Keyboard Cats")
    for _ in range(40):  # Tab through the page to the Edit button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "edit-org":
            break
    expect(page.locator("#edit-org")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#edit-org-form-name")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Keyboard Cats Ltd")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#org-name")).to_contain_text("Keyboard Cats Ltd")
    assert api.call("GET", f"/organizations/{org['id']}", 200)["name"] == "Keyboard Cats Ltd"


def test_a_csv_import_is_previewed_with_row_errors_then_written_whole(page, world, api, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('name,slug,domain,metadata\n"Initrode, Inc.",initrode,initrode.com,"{""tier"": 2}"\n'
                   "Acme Again,acme-corp,,\nNo Slug,,,\n")
    good = tmp_path / "good.csv"
    good.write_text('name,slug,domain,metadata\n"Initrode, Inc.",initrode-inc,initrode.com,"{""tier"": 2}"\n'
                    "Chotchkies,chotchkies,,\n")
    sign_in(page, world["operator"])
    page.click("#import-organizations summary")
    page.set_input_files("#import-organizations-file", str(bad))
    preview = page.locator("#import-organizations-preview")
    expect(preview).to_contain_text("2 of 3 rows are refused")
    expect(preview.locator("tr.refused-row")).to_have_count(2)
    expect(preview.locator("tbody tr").nth(1)).to_contain_text("slug: An organization with slug 'acme-corp' already exists")
    expect(preview.locator("tbody tr").nth(2)).to_contain_text("slug")
    expect(page.locator("#import-organizations-write")).to_be_disabled()
    shoot(page, "organizations-import-refused")
    assert api.call("GET", "/organizations", 200, params={"search": "initrode", "includeStaging": "true"}) == []
    page.set_input_files("#import-organizations-file", str(good))
    expect(preview).to_contain_text("2 rows are ready to import")
    page.click("#import-organizations-write")
    expect(preview).to_contain_text("Imported 2 organizations")
    made = {o["slug"]: o for o in api.call("GET", "/organizations", 200,
                                           params={"includeStaging": "true", "limit": 100})}
    assert made["initrode-inc"]["name"] == "Initrode, Inc." and made["initrode-inc"]["metadata"] == {"tier": 2}
    assert "chotchkies" in made
