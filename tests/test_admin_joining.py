"""The organization page's invitations and domains (issue 22's dashboard), in Chromium
against a real `goldenrecord serve`: invite (refused at the field the API names first), the
token and accept URL shown once, resend and revoke (behind the dialog); claim a domain, see
its TXT record, verify it against the loopback DNS server (tests/dns_server.py, the
server's resolver) both failing with the reason and succeeding, set the auto join policy,
delete it behind the dialog; and a key lacking the scopes sees the controls off with the
reason. Each state is screenshot at 1280 and 400 px and checked for layout and axe-core."""
import pytest

import dns_server
from dashboard import ACCEPT_URL, api, browser, expect, page, server, shoot, sign_in, world  # noqa: F401

pytestmark = pytest.mark.slow  # a real browser against a real server process


def open_org(page, key, org):
    sign_in(page, key)
    page.goto(f"/admin#/organizations/{org['id']}")
    expect(page.locator("#domain-list [aria-busy=false]")).to_have_count(1)


def test_an_invitation_is_refused_at_email_then_sent_resent_and_revoked(page, world, api):
    org = api.org("Pied Piper", "pied-piper-join")
    open_org(page, world["operator"], org)
    page.fill("#invite-email", "not an email")
    page.select_option("#invite-roleId", "role_admin")
    page.fill("#invite-expiresInDays", "3")
    page.click("#invite button[type=submit]")
    expect(page.locator("#invite-email-error")).to_be_visible()
    expect(page.locator("#invite-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#invite-email")).to_be_focused()
    assert api.call("GET", "/invitations", 200, params={"organizationId": org["id"]}) == []
    page.fill("#invite-email", "richard@piedpiper.com")
    page.fill("#invite-expiresInDays", "91")  # past the API's 90 days: refused at its field
    page.click("#invite button[type=submit]")
    expect(page.locator("#invite-expiresInDays-error")).to_be_visible()
    expect(page.locator("#invite-email-error")).to_be_hidden()
    shoot(page, "invite-refused")
    page.fill("#invite-expiresInDays", "3")
    page.click("#invite button[type=submit]")
    expect(page.locator("#invitation-reveal")).to_contain_text("Invited richard@piedpiper.com")
    [stored] = api.call("GET", "/invitations", 200, params={"organizationId": org["id"]})
    assert (stored["email"], stored["roleId"], stored["state"]) == (
        "richard@piedpiper.com", "role_admin", "pending")
    token = page.locator("#invitation-token").input_value()
    assert token.startswith("gr_inv_")
    assert page.locator("#invitation-url").input_value() == ACCEPT_URL.format(token=token)
    row = page.locator(f"tr[data-invitation-id='{stored['id']}']")
    expect(row).to_contain_text("pending")
    expect(row).to_contain_text("Admin")
    expect(row).to_contain_text(stored["expiresAt"].replace("T", " ").replace("Z", " UTC"))
    shoot(page, "invitation-created")

    row.get_by_role("button", name="Resend").click()
    expect(page.locator("#invitation-reveal")).to_contain_text("Resent to richard@piedpiper.com")
    resent = page.locator("#invitation-token").input_value()
    assert resent.startswith("gr_inv_") and resent != token
    old = api.server.api("POST", "/api/v1/invitations/accept", json={"token": token})
    assert old.status_code == 404  # the old token stopped working

    row = page.locator(f"tr[data-invitation-id='{stored['id']}']")
    row.get_by_role("button", name="Revoke").click()
    dialog = page.locator("dialog.confirm")
    expect(dialog).to_contain_text("richard@piedpiper.com")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    shoot(page, "invitation-revoke-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert api.call("GET", f"/invitations/{stored['id']}", 200)["state"] == "pending"
    row.get_by_role("button", name="Revoke").click()
    page.click("#confirm-yes")
    row = page.locator(f"tr[data-invitation-id='{stored['id']}']")
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("button")).to_have_count(0)  # nothing left to resend or revoke
    assert api.call("GET", f"/invitations/{stored['id']}", 200)["state"] == "revoked"


def test_a_domain_is_added_verified_by_dns_given_a_policy_and_deleted(page, world, api):
    org = api.org("Hooli", "hooli-join")
    role = api.call("POST", "/roles", 201, json={"name": "Engineer", "slug": "engineer-join",
                                                  "organizationId": org["id"]})
    open_org(page, world["operator"], org)
    page.fill("#add-domain-domain", "not a domain")
    page.click("#add-domain button[type=submit]")
    expect(page.locator("#add-domain-domain-error")).to_be_visible()
    page.fill("#add-domain-domain", "hooli-join.example")
    page.click("#add-domain button[type=submit]")
    expect(page.locator("#domain-list tr[data-domain-id]")).to_have_count(1)  # the claim is made
    [claim] = api.call("GET", f"/organizations/{org['id']}/domains", 200)
    record = claim["verificationRecord"]
    row = page.locator(f"tr[data-domain-id='{claim['id']}']")
    expect(row).to_contain_text("pending")
    expect(row).to_contain_text(record["name"])
    expect(row).to_contain_text(record["value"])
    page.fill("#add-domain-domain", "hooli-join.example")  # claimed already: 409 at `domain`
    page.click("#add-domain button[type=submit]")
    expect(page.locator("#add-domain-domain-error")).to_contain_text("claimed hooli-join.example already")
    expect(page.locator("#domain-list tbody tr")).to_have_count(1)

    row.get_by_role("button", name="Verify").click()  # nothing published yet
    expect(row.locator(".failure")).to_be_visible()
    expect(row).to_contain_text("failed")
    failed = api.call("GET", f"/organizations/{org['id']}/domains/{claim['id']}", 200)
    assert failed["state"] == "failed"
    expect(row.locator(".failure")).to_have_text(failed["failureReason"])
    shoot(page, "domain-failed")

    dns_server.shared().publish(record["name"], record["value"])
    row.get_by_role("button", name="Verify").click()
    expect(row).to_contain_text("verified")
    expect(row.locator(".failure")).to_have_count(0)
    assert api.call("GET", f"/organizations/{org['id']}/domains/{claim['id']}", 200)["state"] == "verified"

    row.locator("select.policy").select_option("auto")
    row.locator("select.policy-role").select_option(role["id"])
    row.get_by_role("button", name="Save policy").click()
    expect(row).to_contain_text("Saved.")
    stored = api.call("GET", f"/organizations/{org['id']}/domains/{claim['id']}", 200)
    assert (stored["joinPolicy"], stored["roleId"]) == ("auto", role["id"])
    user = api.call("POST", "/users", 201, json={"email": "gavin@hooli-join.example"})
    [joined] = api.call("GET", "/memberships", 200, params={"userId": user["id"]})
    assert (joined["organization"]["id"], joined["role"]["id"]) == (org["id"], role["id"])
    shoot(page, "domain-verified")

    row.get_by_role("button", name="Delete").click()
    dialog = page.locator("dialog.confirm")
    expect(dialog).to_contain_text("hooli-join.example")
    shoot(page, "domain-delete-dialog")
    page.click("#confirm-yes")
    expect(page.locator("#domain-list .empty")).to_have_text("No domains yet.")
    assert api.call("GET", f"/organizations/{org['id']}/domains", 200) == []


def test_a_key_lacking_the_scopes_sees_invitations_and_domains_off_with_the_reason(page, world, api):
    org = api.org("Raviga", "raviga-join")
    api.call("POST", f"/organizations/{org['id']}/domains", 201, json={"domain": "raviga-join.example"})
    key = api.key(scopes=("organizations:read", "roles:read", "users:read"))["key"]
    open_org(page, key, org)
    notes = page.locator("#main .scope-note")
    expect(notes.filter(has_text="Inviting is off")).to_contain_text("'invitations:write'")
    expect(notes.filter(has_text="Listing invitations is off")).to_contain_text("'invitations:read'")
    expect(notes.filter(has_text="Changing domains is off")).to_contain_text("'organizations:update'")
    invite = page.locator("#invite button[type=submit]")
    expect(invite).to_be_disabled()
    expect(invite).to_have_attribute("title", "Your API key lacks the 'invitations:write' scope.")
    expect(page.locator("#add-domain button[type=submit]")).to_be_disabled()
    row = page.locator("#domain-list tbody tr")
    expect(row).to_have_count(1)  # organizations:read lists the domains
    for name in ("Verify", "Delete", "Save policy"):
        button = row.get_by_role("button", name=name)
        expect(button).to_be_disabled()
        expect(button).to_have_attribute("title", "Your API key lacks the 'organizations:update' scope.")
    expect(row.locator("select.policy")).to_be_disabled()
    expect(page.locator("#invitation-list tbody tr")).to_have_count(0)
    shoot(page, "organization-join-no-scope")
