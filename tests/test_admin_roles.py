"""The dashboard's roles page and membership status (issue 19), in Chromium against a real
`goldenrecord serve`: the permission matrix (custom roles' grants change one click at a
time, system roles' are read-only), environment and organization roles and custom
permissions created (refused first at the field the API names), deletion behind the dialog
(a role still held is refused with the API's 409 message), and on an organization's page
each member's status, deactivate / reactivate and the roles that organization offers."""
import pytest

from dashboard import api, browser, expect, page, server, shoot, sign_in, world  # noqa: F401

pytestmark = pytest.mark.slow  # a real browser against a real server process


def field_error(page, form, field):
    return page.locator(f"#{form}-{field}-error")


def grant(page, role, permission):
    return page.get_by_role("checkbox", name=f"{role}: {permission}", exact=True)


def role_named(api, slug):
    return next(r for r in api.call("GET", "/roles", 200, params={"limit": 100}) if r["slug"] == slug)


def open_roles(page, key):
    sign_in(page, key)
    page.click("#nav a[data-page=roles]")
    expect(page.locator("#main [aria-busy=false]")).to_have_count(1)


def test_permissions_and_roles_are_created_and_granted_in_the_matrix(page, world, api):
    open_roles(page, world["operator"])
    expect(grant(page, "Admin", "users:delete")).to_be_checked()
    expect(grant(page, "Admin", "users:delete")).to_be_disabled()  # system roles are read-only
    expect(grant(page, "Member", "users:delete")).not_to_be_checked()

    page.fill("#create-permission-slug", "users:read")  # taken: a built-in one
    page.fill("#create-permission-name", "Read users again")
    page.click("#create-permission button[type=submit]")
    expect(field_error(page, "create-permission", "slug")).to_be_visible()
    expect(page.locator("#create-permission-slug")).to_have_attribute("aria-invalid", "true")
    page.fill("#create-permission-slug", "invoices:approve")
    page.fill("#create-permission-name", "Approve invoices")
    page.click("#create-permission button[type=submit]")
    expect(page.locator("#main tr[data-permission='invoices:approve']")).to_contain_text("Approve invoices")

    page.fill("#create-role-name", "Billing")
    page.fill("#create-role-slug", "admin")  # taken: the system Admin's slug
    page.click("#create-role button[type=submit]")
    expect(field_error(page, "create-role", "slug")).to_be_visible()
    page.fill("#create-role-slug", "billing")
    page.fill("#create-role-description", "Pays the bills")
    page.click("#create-role button[type=submit]")
    expect(page.locator("#main tr[data-role=billing]")).to_contain_text("every organization")
    billing = role_named(api, "billing")
    assert (billing["organizationId"], billing["permissions"]) == (None, [])

    grant(page, "Billing", "invoices:approve").check()
    grant(page, "Billing", "users:read").check()
    expect(grant(page, "Billing", "users:read")).to_be_enabled()  # the request has answered
    assert {p["slug"] for p in api.call("GET", f"/roles/{billing['id']}", 200)["permissions"]} == {
        "invoices:approve", "users:read"}
    grant(page, "Billing", "users:read").uncheck()
    expect(grant(page, "Billing", "users:read")).to_be_enabled()
    assert [p["slug"] for p in api.call("GET", f"/roles/{billing['id']}", 200)["permissions"]] == [
        "invoices:approve"]
    page.reload()
    expect(grant(page, "Billing", "invoices:approve")).to_be_checked()
    expect(grant(page, "Billing", "users:read")).not_to_be_checked()
    shoot(page, "roles")


def test_an_organization_role_is_created_there_and_offered_to_its_members_only(page, world, api):
    org = api.org("Hooli", "hooli-roles")
    user = api.call("POST", "/users", 201, json={"email": "gavin@hooli.com"})
    membership = api.call("POST", "/memberships", 201, json={"organizationId": org["id"], "userId": user["id"]})
    open_roles(page, world["operator"])
    page.fill("#create-role-name", "Auditor")
    page.fill("#create-role-slug", "hooli-auditor")
    page.select_option("#create-role-organizationId", org["id"])
    page.click("#create-role button[type=submit]")
    expect(page.locator("#roles-in")).to_have_value(org["id"])  # the matrix shows Hooli's roles
    expect(page.locator("#main tr[data-role=hooli-auditor]")).to_contain_text("Hooli")
    [auditor] = [r for r in api.call("GET", "/roles", 200, params={"organizationId": org["id"], "limit": 100})
                 if r["slug"] == "hooli-auditor"]
    assert auditor["organizationId"] == org["id"]
    page.select_option("#roles-in", "")  # everywhere: an organization's role is not listed
    expect(page.locator("#main tr[data-role=admin]")).to_have_count(1)
    expect(page.locator("#main tr[data-role=hooli-auditor]")).to_have_count(0)

    page.goto(f"/admin#/organizations/{org['id']}")
    row = page.locator("#main tbody tr", has_text="gavin@hooli.com")
    row.get_by_role("button", name="Change").click()
    expect(row.locator("select.role option", has_text="Auditor")).to_have_count(1)
    expect(page.locator("#add-member-roleId option", has_text="Auditor")).to_have_count(1)
    row.locator("select.role").select_option(auditor["id"])
    row.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("Saved")
    expect(row).to_contain_text("Auditor")
    assert api.call("GET", f"/memberships/{membership['id']}", 200)["roleId"] == auditor["id"]

    page.goto(f"/admin#/organizations/{world['acme']['id']}")  # another organization
    row = page.locator("#main tbody tr", has_text="jane@acme.com")
    row.get_by_role("button", name="Change").click()
    expect(row.locator("select.role option", has_text="Admin")).to_have_count(1)
    expect(row.locator("select.role option", has_text="Auditor")).to_have_count(0)


def test_deleting_asks_first_and_a_role_in_use_is_refused_with_the_reason(page, world, api):
    held = api.call("POST", "/roles", 201, json={"slug": "support", "name": "Support"})
    free = api.call("POST", "/roles", 201, json={"slug": "intern", "name": "Intern"})
    custom = api.call("POST", "/permissions", 201, json={"slug": "tickets:close", "name": "Close tickets"})
    user = api.call("POST", "/users", 201, json={"email": "moss@acme.com"})
    api.call("POST", "/memberships", 201, json={"organizationId": world["acme"]["id"], "userId": user["id"],
                                                "roleId": held["id"]})
    open_roles(page, world["operator"])
    expect(page.locator("#main tr[data-role=admin] button.remove")).to_have_count(0)  # system: no Delete
    expect(page.locator("#main tr[data-permission='users:read'] button.remove")).to_have_count(0)

    support = page.locator("#main tr[data-role=support]")
    support.get_by_role("button", name="Delete").click()
    dialog = page.locator("dialog.confirm")
    expect(dialog).to_contain_text("Delete the role “Support”?")
    shoot(page, "roles-delete-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    support.get_by_role("button", name="Delete").click()
    page.click("#confirm-yes")
    expect(support.locator("[role=alert]")).to_contain_text("is held by 1 membership")
    assert api.call("GET", f"/roles/{held['id']}", 200)["slug"] == "support"

    page.locator("#main tr[data-role=intern]").get_by_role("button", name="Delete").click()
    page.click("#confirm-yes")
    expect(page.locator("#main tr[data-role=intern]")).to_have_count(0)
    assert api.server.api("GET", f"/api/v1/roles/{free['id']}").status_code == 404

    page.locator("#main tr[data-permission='tickets:close']").get_by_role("button", name="Delete").click()
    expect(dialog).to_contain_text("stops granting it")
    page.click("#confirm-yes")
    expect(page.locator("#main tr[data-permission='tickets:close']")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Support: tickets:close")).to_have_count(0)  # its column too
    assert api.server.api("GET", f"/api/v1/permissions/{custom['id']}").status_code == 404


def test_a_member_is_deactivated_and_reactivated(page, world, api):
    org = api.org("Pied Piper Status", "pied-piper-status")
    user = api.call("POST", "/users", 201, json={"email": "dinesh@piedpiper.com"})
    membership = api.call("POST", "/memberships", 201, json={"organizationId": org["id"], "userId": user["id"]})
    sign_in(page, world["operator"])
    page.goto(f"/admin#/organizations/{org['id']}")
    row = page.locator("#main tbody tr", has_text="dinesh@piedpiper.com")
    expect(row).to_contain_text("active")
    row.get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("inactive")
    assert api.call("GET", f"/memberships/{membership['id']}", 200)["status"] == "inactive"
    shoot(page, "organization-member-inactive")
    page.reload()
    expect(row).to_contain_text("inactive")  # from the API, not just the page
    row.get_by_role("button", name="Reactivate").click()
    expect(row.get_by_role("button", name="Deactivate")).to_be_visible()
    assert api.call("GET", f"/memberships/{membership['id']}", 200)["status"] == "active"


def test_a_key_that_may_only_read_roles_sees_every_change_disabled_with_the_reason(page, world, api):
    reader = api.key(("organizations:read", "users:read", "roles:read", "permissions:read"))["key"]
    api.call("POST", "/roles", 201, json={"slug": "viewer", "name": "Viewer"})
    open_roles(page, reader)
    box = grant(page, "Viewer", "users:read")
    expect(box).to_be_disabled()
    expect(box).to_have_attribute("title", "Your API key lacks the 'roles:write' scope.")
    expect(page.locator("#main tr[data-role=viewer] button.remove")).to_be_disabled()
    for form, note in (("#create-role", "Creating and changing roles is off"),
                       ("#create-permission", "Creating permissions is off")):
        expect(page.locator(f"{form} button[type=submit]")).to_be_disabled()
        expect(page.locator("#main")).to_contain_text(note)
    shoot(page, "roles-read-only")
    page.goto(f"/admin#/organizations/{world['acme']['id']}")
    status = page.locator("#main tbody tr", has_text="jane@acme.com").get_by_role("button", name="Deactivate")
    expect(status).to_be_disabled()
    expect(status).to_have_attribute("title", "Your API key lacks the 'users:update' scope.")


def test_an_organization_scoped_key_changes_its_own_organizations_roles_only(page, world, api):
    org = api.org("Raviga", "raviga")
    api.call("POST", "/roles", 201, json={"slug": "env-reviewer", "name": "Reviewer"})
    key = api.key(("organizations:read", "roles:read", "roles:write", "permissions:read",
                   "permissions:write"), organizationId=org["id"])["key"]
    open_roles(page, key)
    expect(page.locator("#roles-in option")).to_have_count(1)  # its organization, not "Everywhere"
    expect(page.locator("#create-role-organizationId option")).to_have_text(["Raviga"])
    reviewer = grant(page, "Reviewer", "users:read")  # an environment role: not its own
    expect(reviewer).to_be_disabled()
    expect(reviewer).to_have_attribute("title", "An organization-scoped key changes its own organization's roles only.")
    expect(page.locator("#create-permission button[type=submit]")).to_be_disabled()
    expect(page.locator("#main")).to_contain_text("changed by global keys only")
    page.fill("#create-role-name", "Investor")
    page.fill("#create-role-slug", "raviga-investor")
    page.click("#create-role button[type=submit]")
    grant(page, "Investor", "organizations:read").check()
    expect(grant(page, "Investor", "organizations:read")).to_be_enabled()
    [investor] = [r for r in api.call("GET", "/roles", 200, params={"organizationId": org["id"], "limit": 100})
                  if r["slug"] == "raviga-investor"]
    assert investor["organizationId"] == org["id"]
    assert [p["slug"] for p in investor["permissions"]] == ["organizations:read"]
    shoot(page, "roles-organization-key")


def test_roles_are_reordered_and_a_scim_group_mapped_to_a_role(page, world, api):
    """Issue 23: ↑/↓ on the Roles page set the priority order; the organization page's Groups
    section maps an identity provider's group to a role, and its members get it."""
    lead = api.call("POST", "/roles", 201, json={"slug": "team-lead", "name": "Team lead"})
    open_roles(page, world["operator"])
    before = [r["slug"] for r in api.call("GET", "/roles", 200, params={"limit": 100})]
    rows = page.locator("#main .matrix tbody tr")
    expect(rows.last).to_have_attribute("data-role", "team-lead")  # new roles rank last
    page.get_by_role("button", name="Move up: Team lead").click()
    expect(rows.nth(len(before) - 2)).to_have_attribute("data-role", "team-lead")
    after = [r["slug"] for r in api.call("GET", "/roles", 200, params={"limit": 100})]
    assert after == [*before[:-2], "team-lead", before[-2]]

    org = api.org("Initech", "initech-groups")
    idp = {"Authorization": f"Bearer {api.key(('scim:write',), organizationId=org['id'])['key']}"}
    peter = api.server.api("POST", "/scim/v2/Users", headers=idp, json={
        "userName": "peter@initech.example"}).json()["id"]
    group = api.server.api("POST", "/scim/v2/Groups", headers=idp, json={
        "displayName": "TPS reports", "members": [{"value": peter}]}).json()
    page.goto(f"/admin#/organizations/{org['id']}")
    row = page.locator(f"#group-list tr[data-group-id='{group['id']}']")
    expect(row).to_contain_text("TPS reports")
    row.get_by_label("Role of TPS reports").select_option(lead["id"])
    expect(row).to_contain_text("Saved")
    [member] = api.call("GET", "/memberships", 200, params={"organizationId": org["id"]})
    assert (member["roleId"], member["roleSource"]) == (lead["id"], "group")
    row.get_by_label("Role of TPS reports").select_option("")
    expect(row).to_contain_text("Saved")
    [member] = api.call("GET", "/memberships", 200, params={"organizationId": org["id"]})
    assert member["roleId"] == "role_member"
    shoot(page, "organization-groups")
