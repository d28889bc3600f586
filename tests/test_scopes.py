"""Every endpoint enforces its scope: denied without it, allowed with it.

The scope each operation needs is read from the app's route table (`app.routes`, made from
the responders' own declarations), and every scoped operation in it must have a way to call
it below: a route added without one fails `test_every_scoped_operation_is_called_here`.
"""
import dataclasses
import re
from pathlib import Path

import falcon.inspect
import pytest

import goldenrecord
from fake_workos import API_KEY, FakeWorkOS
from goldenrecord.store.apikeys import FULL_ACCESS, SCOPES
from support import assert_envelope

# The operations served without an API key; a new public one must be added here on purpose.
PUBLIC = {
    ("GET", "/"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/docs"),
    ("POST", "/api/webhooks/workos"),  # proven by WorkOS's signature instead (test_workos.py)
    ("GET", "/admin"), ("GET", "/admin/session"), ("POST", "/admin/session"),
    ("DELETE", "/admin/session"),  # the dashboard's session (test_admin_session.py)
}
# The dashboard's static files are files, not operations (as in test_contract.py).
STATIC_FILES = "/admin/static/{path:path}"


@pytest.fixture
def workos():
    server = FakeWorkOS()
    yield server
    server.close()


@pytest.fixture
def config(config, workos):
    """The suite's config, with loopback webhook targets allowed and a fake WorkOS, so the
    webhook and sync operations can succeed once their scope check passes."""
    return dataclasses.replace(
        config,
        webhooks=dataclasses.replace(config.webhooks, allow_private_targets=True),
        workos=dataclasses.replace(config.workos, api_key=API_KEY, base_url=workos.url))


@pytest.fixture
def world(client, admin, make, module_receiver, store):
    """One of everything a path can name, made as the admin."""
    hook = assert_envelope(client.simulate_post("/api/v1/webhooks", headers=admin, json={
        "name": "h", "url": module_receiver.url, "events": ["organization.created"]}), 201)
    org = make.org(externalId=EXTERNAL_ID)  # queues a delivery to the subscription
    user = make.user(externalId=EXTERNAL_ID)
    membership = make.membership(org, user)
    key = make.key(scopes=["api_keys:revoke"])  # within what a revoking key holds
    assert_envelope(client.simulate_post("/api/v1/audit-logs/actions", headers=admin, json={
        "name": "app.did", "schema": {"type": "object"}}), 201)
    [delivery] = assert_envelope(client.simulate_get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                                                     headers=admin), 200)
    invitation = make.invitation(org, "invited@example.com")
    domain = assert_envelope(client.simulate_post(
        f"/api/v1/organizations/{org['id']}/domains", headers=admin,
        json={"domain": "scoped.example"}), 201)
    permission = assert_envelope(client.simulate_post("/api/v1/permissions", headers=admin, json={
        "slug": "reports:export", "name": "Export reports"}), 201)
    role = assert_envelope(client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "auditor", "name": "Auditor", "permissions": [permission["id"]]}), 201)
    return {"organizations": org["id"], "users": user["id"], "memberships": membership["id"],
            "keys": key["id"], "webhooks": hook["id"], "delivery_id": delivery["id"],
            "extra_user": make.user()["id"], "invitations": invitation["id"],
            "domain_id": domain["id"], "roles": role["id"], "permissions": permission["id"],
            "permission_id": permission["id"], "org": org, "make": make,
            "user_email": user["email"], "scim_type": "User", "scim_schema": SCIM_USER,
            "scim_groups": store.scim_groups.create(org["id"], display_name="World",
                                                    member_ids=[user["id"]])[0].id}


def _unique():
    _unique.n += 1
    return _unique.n


_unique.n = 0

V1 = "/api/v1"
SCIM = "/scim/v2"  # answered in SCIM's format, to organization-scoped keys only
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
EXTERNAL_ID = "crm-1"  # the world's organization and user both have it
# (method, path template) -> (body factory, query string, success status). The required
# scope is not written here: it comes from the route table.
CALLS = {
    ("GET", f"{V1}/organizations"): (None, "", 200),
    ("POST", f"{V1}/organizations"): (lambda w: {"name": "New", "slug": f"new-{_unique()}"}, "", 201),
    ("GET", f"{V1}/organizations/autocomplete"): (None, "q=org", 200),
    ("POST", f"{V1}/organizations/bulk"): (
        lambda w: {"records": [{"name": "Bulk", "slug": f"bulk-{_unique()}"}]}, "", 200),
    ("GET", f"{V1}/organizations/{{id}}"): (None, "", 200),
    ("PUT", f"{V1}/organizations/{{id}}"): (lambda w: {"name": "Renamed"}, "", 200),
    ("DELETE", f"{V1}/organizations/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/organizations/{{id}}/verify"): (None, "", 200),
    ("GET", f"{V1}/users"): (None, "", 200),
    ("POST", f"{V1}/users"): (lambda w: {"email": f"n{_unique()}@example.com"}, "", 201),
    ("POST", f"{V1}/users/bulk"): (
        lambda w: {"records": [{"email": f"b{_unique()}@example.com"}]}, "", 200),
    ("GET", f"{V1}/users/{{id}}"): (None, "", 200),
    ("PUT", f"{V1}/users/{{id}}"): (lambda w: {"firstName": "Jo"}, "", 200),
    ("DELETE", f"{V1}/users/{{id}}"): (None, "", 200),
    ("GET", f"{V1}/memberships"): (None, "", 200),
    ("POST", f"{V1}/memberships"): (
        lambda w: {"organizationId": w["organizations"], "userId": w["extra_user"]}, "", 201),
    ("GET", f"{V1}/memberships/{{id}}"): (None, "", 200),
    ("PUT", f"{V1}/memberships/{{id}}"): (lambda w: {"isOwner": True}, "", 200),
    ("DELETE", f"{V1}/memberships/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/memberships/{{id}}/deactivate"): (None, "", 200),
    ("POST", f"{V1}/memberships/{{id}}/reactivate"): (None, "", 200),
    ("GET", f"{V1}/roles"): (None, "", 200),
    ("POST", f"{V1}/roles"): (lambda w: {"slug": f"role-{_unique()}", "name": "R"}, "", 201),
    ("PUT", f"{V1}/roles/priority"): (lambda w: {"roles": ["admin", "member", "auditor"]},
                                      "", 200),
    ("GET", f"{V1}/roles/{{id}}"): (None, "", 200),
    ("PUT", f"{V1}/roles/{{id}}"): (lambda w: {"name": "Renamed"}, "", 200),
    ("DELETE", f"{V1}/roles/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/roles/{{id}}/permissions"): (lambda w: {"permission": "users:read"}, "", 200),
    ("DELETE", f"{V1}/roles/{{id}}/permissions/{{permission_id}}"): (None, "", 200),
    ("GET", f"{V1}/permissions"): (None, "", 200),
    ("POST", f"{V1}/permissions"): (lambda w: {"slug": f"things:do-{_unique()}", "name": "P"},
                                    "", 201),
    ("GET", f"{V1}/permissions/{{id}}"): (None, "", 200),
    ("PUT", f"{V1}/permissions/{{id}}"): (lambda w: {"name": "Renamed"}, "", 200),
    ("DELETE", f"{V1}/permissions/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/authorization/check"): (
        lambda w: {"userId": w["users"], "organizationId": w["organizations"],
                   "permission": "organizations:read"}, "", 200),
    ("GET", f"{V1}/users/{{id}}/permissions"): (
        None, lambda w: f"organizationId={w['organizations']}", 200),
    ("GET", f"{V1}/keys"): (None, "", 200),
    ("POST", f"{V1}/keys"): (lambda w: {"name": "n", "scopes": ["api_keys:create"]}, "", 201),
    ("GET", f"{V1}/keys/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/keys/{{id}}"): (None, "action=rotate", 201),
    ("DELETE", f"{V1}/keys/{{id}}"): (None, "", 200),
    ("GET", f"{V1}/analytics"): (None, "", 200),
    ("GET", f"{V1}/webhooks"): (None, "", 200),
    ("POST", f"{V1}/webhooks"): (lambda w: {"name": "n", "url": "http://127.0.0.1:9/",
                                            "events": ["user.created"]}, "", 201),
    ("GET", f"{V1}/webhooks/{{id}}"): (None, "", 200),
    ("PUT", f"{V1}/webhooks/{{id}}"): (lambda w: {"name": "Renamed"}, "", 200),
    ("DELETE", f"{V1}/webhooks/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/webhooks/{{id}}/test"): (None, "", 202),
    ("POST", f"{V1}/webhooks/{{id}}/rotate-secret"): (None, "", 200),
    ("GET", f"{V1}/webhooks/{{id}}/deliveries"): (None, "", 200),
    ("POST", f"{V1}/webhooks/{{id}}/deliveries/{{delivery_id}}/redeliver"): (None, "", 202),
    ("GET", f"{V1}/organizations/external/{{external_id}}"): (None, "", 200),
    ("GET", f"{V1}/organizations/{{id}}/domains"): (None, "", 200),
    ("POST", f"{V1}/organizations/{{id}}/domains"): (
        lambda w: {"domain": f"d{_unique()}.example"}, "", 201),
    ("GET", f"{V1}/organizations/{{id}}/domains/{{domain_id}}"): (None, "", 200),
    ("PUT", f"{V1}/organizations/{{id}}/domains/{{domain_id}}"): (
        lambda w: {"joinPolicy": "none"}, "", 200),
    ("DELETE", f"{V1}/organizations/{{id}}/domains/{{domain_id}}"): (None, "", 200),
    # the test's resolver answers nothing: failed, with the reason (tests/test_domains.py)
    ("POST", f"{V1}/organizations/{{id}}/domains/{{domain_id}}/verify"): (None, "", 200),
    ("GET", f"{V1}/organizations/{{id}}/groups"): (None, "", 200),
    ("PUT", f"{V1}/organizations/{{id}}/groups/{{group_id}}"): (
        lambda w: {"roleId": "role_admin"}, "", 200),
    ("GET", f"{V1}/users/external/{{external_id}}"): (None, "", 200),
    ("GET", f"{V1}/invitations"): (None, "", 200),
    ("POST", f"{V1}/invitations"): (lambda w: {"email": f"i{_unique()}@example.com",
                                               "organizationId": w["organizations"]}, "", 201),
    ("GET", f"{V1}/invitations/{{id}}"): (None, "", 200),
    ("POST", f"{V1}/invitations/{{id}}/revoke"): (None, "", 200),
    ("POST", f"{V1}/invitations/{{id}}/resend"): (None, "", 200),
    ("POST", f"{V1}/invitations/accept"): (
        lambda w: {"token": w["make"].invitation(w["org"], f"a{_unique()}@example.com")["token"]},
        "", 201),
    ("POST", "/api/workos/sync-users"): (None, "", 200),
    ("POST", "/api/workos/sync"): (None, "", 200),
    ("GET", "/metrics"): (None, "", 200),
    ("GET", f"{V1}/events"): (None, "", 200),
    ("GET", f"{V1}/audit-logs"): (None, "", 200),
    ("GET", f"{V1}/audit-logs/export"): (None, "format=ndjson", 200),
    ("POST", f"{V1}/audit-logs/actions"): (
        lambda w: {"name": f"app.action_{_unique()}", "schema": {"type": "object"}}, "", 201),
    ("POST", f"{V1}/audit-logs/events"): (lambda w: {"action": "app.did", "metadata": {}}, "", 201),
    ("GET", f"{SCIM}/ServiceProviderConfig"): (None, "", 200),
    ("GET", f"{SCIM}/ResourceTypes"): (None, "", 200),
    ("GET", f"{SCIM}/Schemas"): (None, "", 200),
    ("GET", f"{SCIM}/ResourceTypes/{{id}}"): (None, "", 200),
    ("GET", f"{SCIM}/Schemas/{{id}}"): (None, "", 200),
    ("GET", f"{SCIM}/Users"): (None, "", 200),
    ("POST", f"{SCIM}/Users"): (lambda w: {"schemas": [SCIM_USER],
                                           "userName": f"s{_unique()}@example.com"}, "", 201),
    ("GET", f"{SCIM}/Users/{{id}}"): (None, "", 200),
    ("PUT", f"{SCIM}/Users/{{id}}"): (lambda w: {"schemas": [SCIM_USER],
                                                 "userName": w["user_email"]}, "", 200),
    ("PATCH", f"{SCIM}/Users/{{id}}"): (lambda w: {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}]}, "", 200),
    ("DELETE", f"{SCIM}/Users/{{id}}"): (None, "", 204),
    ("GET", f"{SCIM}/Groups"): (None, "", 200),
    ("POST", f"{SCIM}/Groups"): (lambda w: {"schemas": [SCIM_GROUP],
                                            "displayName": f"g{_unique()}"}, "", 201),
    ("GET", f"{SCIM}/Groups/{{id}}"): (None, "", 200),
    ("PUT", f"{SCIM}/Groups/{{id}}"): (lambda w: {"schemas": [SCIM_GROUP],
                                                  "displayName": "Renamed"}, "", 200),
    ("PATCH", f"{SCIM}/Groups/{{id}}"): (lambda w: {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": "members"}]}, "", 200),
    ("DELETE", f"{SCIM}/Groups/{{id}}"): (None, "", 204),
    ("POST", f"{SCIM}/.search"): (lambda w: {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}, "", 200),
}
# Answered in a format of their own rather than the envelope (their errors are envelopes).
NOT_ENVELOPED = {("GET", "/metrics"), ("GET", f"{V1}/audit-logs/export")} | {
    call for call in CALLS if call[1].startswith(SCIM)}
# Only a global *:* key rotates another key: a caller with the scope rotates itself.
ON_ITSELF = {("POST", f"{V1}/keys/{{id}}")}
# A subscription receives only what its creator may read: user.* events need users:read.
ALSO_NEEDS = {("POST", f"{V1}/webhooks"): ("users:read",)}


def _path(template, world):
    """`template` with its ids filled from `world`: `{id}` by the collection it follows."""
    if template.startswith(SCIM):
        collection = {"Groups": "scim_groups", "ResourceTypes": "scim_type",
                      "Schemas": "scim_schema"}.get(template.split("/")[3], "users")
    else:
        collection = template.removeprefix(f"{V1}/").split("/")[0]
    return template.format(id=world.get(collection), delivery_id=world["delivery_id"],
                           domain_id=world["domain_id"], external_id=EXTERNAL_ID,
                           group_id=world["scim_groups"],
                           permission_id=world["permission_id"])


def _call(client, keys, headers, method, template, world):
    body, query, _ = CALLS[(method, template)]
    if (method, template) in ON_ITSELF:
        world = {**world, "keys": keys.store.api_keys.find(headers["Authorization"].split()[1]).id}
    kwargs = {"headers": headers, "query_string": query(world) if callable(query) else query}
    if body is not None:
        kwargs["json"] = body(world)
    return client.simulate_request(method, _path(template, world), **kwargs)


def _scoped(app):
    return {(e.method, e.template): e.scope for e in app.routes.scope_table() if not e.public}


def test_every_served_operation_is_in_the_scope_table(app):
    """The table is what Falcon serves, nothing left out (static files are not operations)."""
    served = {(m.method, route.path) for route in falcon.inspect.inspect_routes(app)
              if route.path != STATIC_FILES for m in route.methods if not m.internal}
    # HEAD is each GET's own responder, scope and all; OPTIONS names methods (methods.py)
    derived = {(method, path) for method, path in served if method in ("HEAD", "OPTIONS")}
    assert {path for method, path in derived if method == "HEAD"} == {
        path for method, path in served if method == "GET"}
    assert {(e.method, e.template) for e in app.routes.scope_table()} == served - derived


def test_every_scoped_operation_is_called_here(app):
    assert set(CALLS) == set(_scoped(app))


def test_the_public_operations_are_exactly_the_known_ones(app):
    table = app.routes.scope_table()
    assert {(e.method, e.template) for e in table if e.public} == PUBLIC
    assert all(e.scope for e in table if not e.public)  # no operation takes just any key


def _denied(result, template):
    """The refusal's message: in SCIM's error format under /scim/v2/, else the envelope's."""
    if template.startswith(SCIM):
        assert result.status_code == 403, result.text
        assert result.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        return result.json["detail"]
    return assert_envelope(result, 403, "GR_FORBIDDEN")["message"]


@pytest.mark.parametrize("method, template", sorted(CALLS), ids=[f"{m} {t}" for m, t in sorted(CALLS)])
def test_scope_denied_then_allowed(client, app, keys, world, method, template):
    scope = _scoped(app)[(method, template)]
    others = [s for s in SCOPES if s not in (scope, FULL_ACCESS)]
    # SCIM acts in one organization: its keys are the world organization's
    org = {"org": world["organizations"]} if template.startswith(SCIM) else {}
    denied = _call(client, keys, keys.headers(*others, **org), method, template, world)
    assert scope in _denied(denied, template)
    allowed = _call(client, keys,
                    keys.headers(scope, *ALSO_NEEDS.get((method, template), ()), **org),
                    method, template, world)
    if (method, template) in NOT_ENVELOPED:
        assert allowed.status_code == CALLS[(method, template)][2], allowed.text
    else:
        assert_envelope(allowed, CALLS[(method, template)][2])


def test_scope_denied_changes_nothing(client, keys, world, admin):
    org_id = world["organizations"]
    result = client.simulate_put(f"{V1}/organizations/{org_id}", json={"name": "X"},
                                 headers=keys.headers("organizations:read"))
    assert_envelope(result, 403, "GR_FORBIDDEN")
    org = client.simulate_get(f"{V1}/organizations/{org_id}", headers=admin).json["data"]
    assert org["name"] != "X"


def test_the_dashboard_key_form_offers_every_scope():
    """The key form's list (admin_ui/static/pages/keys.js) is the scope table's, in its order."""
    source = (Path(goldenrecord.__file__).parent / "admin_ui" / "static" / "pages" / "keys.js").read_text()
    listed = re.search(r"const SCOPES = \[(.*?)\];", source, re.S).group(1)
    assert re.findall(r'"([^"]+)"', listed) == list(SCOPES)
