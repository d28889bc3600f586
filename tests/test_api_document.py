"""The OpenAPI document as a reference a person and a tool can use (issue 18): every
operation, parameter and property described, camelCase operation ids, declared tags,
servers, defaults that are the ones applied, examples the API accepts, the headers every
answer really carries, the WorkOS webhook's body and signature, the outgoing events as
OpenAPI 3.1 `webhooks` matching what a subscription receives, and links from each create.

The third-party linters, the client generator and schemathesis' stateful phase run in
tests/test_doc_tools.py; the /docs page in a browser in tests/test_docs_browser.py.
"""
import json
import re

import falcon.testing
import jsonschema
import pytest

import apps
import goldenrecord
from goldenrecord.settings import ServerConfig
from goldenrecord.store.events import EVENT_TYPES, PING
from goldenrecord.webhook_delivery import signature_headers
from support import Receiver, assert_envelope

DOC = "/api/v1/openapi.json"
CAMEL = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")


@pytest.fixture
def document(client):
    result = client.simulate_get(DOC)
    assert result.status_code == 200
    return result.json


def _operations(document, *, events=False):
    """(where, operation) for every path operation, and with `events` every webhook's."""
    items = [(path, item) for path, item in document["paths"].items()]
    if events:
        items += [(f"webhook {name}", item) for name, item in document["webhooks"].items()]
    return [(f"{method.upper()} {path}", op) for path, item in items for method, op in item.items()]


def _undescribed(schema, where):
    """Places in `schema` (inline, not behind a $ref) whose properties lack a description."""
    missing = []
    if not isinstance(schema, dict):
        return missing
    for name, prop in schema.get("properties", {}).items():
        if "$ref" not in prop and not prop.get("description"):
            missing.append(f"{where}.{name}")
        missing += _undescribed(prop, f"{where}.{name}")
    for key in ("items", "additionalProperties"):
        missing += _undescribed(schema.get(key), f"{where}[{key}]")
    for part in schema.get("anyOf", []):
        missing += _undescribed(part, where)
    return missing


def test_every_operation_parameter_and_property_is_described(document):
    missing = []
    for where, op in _operations(document, events=True):
        if not op.get("description", "").strip():
            missing.append(f"{where}: operation")
        missing += [f"{where}: parameter {p['name']}" for p in op["parameters"]
                    if not p.get("description")]
        for media in op.get("requestBody", {}).get("content", {}).values():
            missing += _undescribed(media["schema"], f"{where} body")
        for status, answer in op["responses"].items():
            for media in answer.get("content", {}).values():
                missing += _undescribed(media["schema"], f"{where} {status}")
    for name, schema in document["components"]["schemas"].items():
        missing += _undescribed(schema, name)
    assert missing == []


def test_operation_ids_are_camel_case_unique_and_named_for_what_they_do(document):
    ids = [op["operationId"] for _, op in _operations(document, events=True)]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not CAMEL.match(i)] == []
    paths = document["paths"]
    assert paths["/api/v1/organizations"]["get"]["operationId"] == "listOrganizations"
    assert paths["/api/v1/organizations"]["post"]["operationId"] == "createOrganization"
    assert paths["/api/v1/organizations/{id}"]["delete"]["operationId"] == "deleteOrganization"
    assert paths["/api/workos/sync-users"]["post"]["operationId"] == "syncWorkosUsers"
    assert paths["/api/v1/keys/{id}"]["post"]["operationId"] == "rotateKey"


def test_tags_are_declared_with_descriptions_and_servers_and_contact_given(document):
    declared = {tag["name"]: tag["description"] for tag in document["tags"]}
    used = {tag for _, op in _operations(document, events=True) for tag in op["tags"]}
    assert used == set(declared)
    assert all(text.strip() for text in declared.values())
    [server] = document["servers"]
    port = server["variables"]["port"]["default"]
    assert server["url"].format(port=port) == f"http://localhost:{ServerConfig().port}"
    assert document["info"]["contact"]["name"]


def test_field_rules_are_stated_in_words_beside_the_pattern(document):
    create = document["paths"]["/api/v1/organizations"]["post"]
    slug = create["requestBody"]["content"]["application/json"]["schema"]["properties"]["slug"]
    assert slug["pattern"]  # the machine rule stays
    assert slug["x-rule"].startswith("1–100 characters: lowercase letters, digits and single hyphens")
    patterned = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str) and "type" in node:
                patterned.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk([op.get("requestBody") for _, op in _operations(document)]
         + [p["schema"] for _, op in _operations(document) for p in op["parameters"]
            if p["in"] != "header"])
    assert patterned and [node for node in patterned if "x-rule" not in node] == []
    assert all("\\" not in node["x-rule"] and "^" not in node["x-rule"] for node in patterned)


def _parameter(document, path, name):
    return next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_published_query_defaults_are_the_ones_applied(client, admin, make, document):
    """An absent query parameter means what its `default` says."""
    for number in range(12):
        make.org(verified=False, name=f"Acme {number}", slug=f"acme-{number}")
    listed = client.simulate_get("/api/v1/organizations",
                                 params={"includeStaging": "true", "limit": "100"}, headers=admin)
    default_limit = _parameter(document, "/api/v1/organizations", "limit")["schema"]["default"]
    staging = _parameter(document, "/api/v1/organizations", "includeStaging")["schema"]["default"]
    assert (default_limit, staging) == (20, False)
    assert client.simulate_get("/api/v1/organizations", headers=admin).json["meta"]["total"] == 0
    assert listed.json["meta"]["total"] == 12  # all in staging: only includeStaging shows them
    page = client.simulate_get("/api/v1/users", headers=admin).json["meta"]
    assert page["limit"] == default_limit
    hits = client.simulate_get("/api/v1/organizations/autocomplete",
                               params={"q": "acme", "includeStaging": "true"}, headers=admin)
    autocomplete = _parameter(document, "/api/v1/organizations/autocomplete", "limit")
    assert len(hits.json["data"]) == autocomplete["schema"]["default"] == 8
    grouping = _parameter(document, "/api/v1/analytics", "groupBy")["schema"]["default"]
    report = client.simulate_get("/api/v1/analytics", headers=admin)
    assert report.json["meta"]["groupBy"] == grouping == "day"


def _validator(document, schema):
    """A JSON Schema validator for `schema`, its $refs resolved within `document`."""
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


def test_examples_match_their_schemas_and_the_create_examples_are_accepted(client, admin,
                                                                          document):
    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", []):
            _validator(document, schema).validate(example)
    for where, op in _operations(document):
        for status, answer in op["responses"].items():
            media = answer.get("content", {}).get("application/json", {})
            if "example" in media:
                _validator(document, media["schema"]).validate(media["example"])
    created = {}
    for path in ("/api/v1/organizations", "/api/v1/users"):
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        [example] = body["schema"]["examples"]
        created[path] = assert_envelope(client.simulate_post(path, json=example, headers=admin), 201)
    assert created["/api/v1/organizations"]["slug"] == "acme-corp"


def test_rate_limit_headers_are_declared_where_they_are_sent(tmp_path, clock, document):
    """The headers of a real 200 and a real 429 are among those their answers declare,
    and the 429's Retry-After is declared required."""
    config = apps.config_for(tmp_path / "rl.db", **{"rate_limits.free": 2})
    with apps.service(config, clock=clock) as service:
        _, key = service.store.api_keys.create(name="free", scopes=["*:*"], tier="free")
        client = falcon.testing.TestClient(service.app, headers={"Authorization": f"Bearer {key}"})
        answers = [client.simulate_get("/api/v1/organizations") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    declared = document["paths"]["/api/v1/organizations"]["get"]["responses"]
    headers = document["components"]["headers"]
    for answer in (answers[0], answers[2]):
        sent = {name for name in answer.headers if name.lower().startswith(("x-", "retry"))}
        names = {name.lower() for name in declared[str(answer.status_code)]["headers"]}
        assert {name.lower() for name in sent} <= names, answer.status_code
    assert declared["429"]["headers"]["Retry-After"]["$ref"].endswith("/Retry-After")
    assert headers["Retry-After"]["required"] is True
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert set(declared["200"]["headers"]) == {"X-Request-Id", "X-RateLimit-Limit",
                                               "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    create = document["paths"]["/api/v1/organizations"]["post"]
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}


def test_workos_webhook_declares_its_body_and_signature_header(document):
    op = document["paths"]["/api/webhooks/workos"]["post"]
    [signature] = [p for p in op["parameters"] if p["in"] == "header"]
    assert signature["name"] == "WorkOS-Signature" and signature["required"] is True
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["id", "event"] and "data" in body["properties"]
    assert op["security"] == [] and op["operationId"] == "receiveWorkosWebhook"


def test_each_create_links_to_the_operations_on_what_it_created(client, admin, document):
    paths = document["paths"]
    expected = {
        "/api/v1/organizations": {"getOrganization", "updateOrganization", "deleteOrganization",
                                  "verifyOrganization", "listDomains", "createDomain",
                                  "listGroups"},
        "/api/v1/users": {"getUser", "updateUser", "deleteUser", "listUserPermissions"},
        "/api/v1/invitations": {"getInvitation", "revokeInvitation", "resendInvitation"},
        "/api/v1/memberships": {"getMembership", "updateMembership", "deleteMembership",
                                "deactivateMembership", "reactivateMembership"},
        "/api/v1/roles": {"getRole", "updateRole", "deleteRole", "grantRolePermission"},
        "/api/v1/permissions": {"getPermission", "updatePermission", "deletePermission"},
        "/api/v1/keys": {"getKey", "rotateKey", "revokeKey"},
        "/api/v1/webhooks": {"getWebhook", "updateWebhook", "deleteWebhook", "pingWebhook",
                             "rotateWebhookSecret",
                             "listDeliveries"},
        "/scim/v2/Users": {"scimGetUser", "scimReplaceUser", "scimPatchUser", "scimDeleteUser"},
        "/scim/v2/Groups": {"scimGetGroup", "scimReplaceGroup", "scimPatchGroup",
                            "scimDeleteGroup"},
    }
    for path, targets in expected.items():
        assert set(paths[path]["post"]["responses"]["201"]["links"]) == targets, path
    # following a link: the id its expression names in a real answer reaches the row
    link = paths["/api/v1/organizations"]["post"]["responses"]["201"]["links"]["getOrganization"]
    created = client.simulate_post("/api/v1/organizations", json={"name": "A", "slug": "a"},
                                   headers=admin).json
    pointer = link["parameters"]["id"].removeprefix("$response.body#")
    value = created
    for part in pointer.strip("/").split("/"):
        value = value[part]
    assert client.simulate_get(f"/api/v1/organizations/{value}", headers=admin).status_code == 200
    # SCIM answers the bare resource, not the envelope: its links point at the body's id
    scim = paths["/scim/v2/Users"]["post"]["responses"]["201"]["links"]["scimGetUser"]
    assert scim["parameters"]["id"] == "$response.body#/id"


def _invitation_events(client, org_id, clock):
    """Every invitation.* event, once: created, resent, accepted, revoked, expired."""
    def invite(email, **more):
        return client.simulate_post("/api/v1/invitations", json={
            "email": email, "organizationId": org_id, **more}).json["data"]

    accepted = invite("new@acme.com")
    token = client.simulate_post(f"/api/v1/invitations/{accepted['id']}/resend").json["data"]
    client.simulate_post("/api/v1/invitations/accept", json={"token": token["token"]})
    client.simulate_post(f"/api/v1/invitations/{invite('no@acme.com')['id']}/revoke")
    invite("late@acme.com", expiresInDays=1)
    clock.advance(days=2)
    invite("next@acme.com")  # the next invitation write records the expiry


def _group_events(client, store, organization_id, user_id):
    """group.* events: an IdP's group made with a member, renamed, emptied, deleted."""
    _, key = store.api_keys.create(name="idp", scopes=["scim:write"],
                                   organization_id=organization_id)
    idp = {"Authorization": f"Bearer {key}"}
    group = client.simulate_post("/scim/v2/Groups", headers=idp, json={
        "displayName": "Eng", "members": [{"value": user_id}]}).json
    client.simulate_put(f"/scim/v2/Groups/{group['id']}", headers=idp,
                        json={"displayName": "Engineering"})
    client.simulate_delete(f"/scim/v2/Groups/{group['id']}", headers=idp)


def test_outgoing_events_are_published_as_webhooks_that_match_real_deliveries(tmp_path, clock,
                                                                              document):
    """One webhook per event type, each declaring the headers a delivery carries and a
    payload schema that the bodies a subscription really receives satisfy."""
    events = document["webhooks"]
    assert set(events) == {*EVENT_TYPES, PING}
    sent_headers = set(signature_headers("whsec_" + "A" * 32, event_id="evt_1",
                                         event_type="ping", timestamp=1, body=b"{}"))
    for name, item in events.items():
        declared = {p["name"] for p in item["post"]["parameters"] if p["in"] == "header"}
        assert declared == sent_headers, name
    config = apps.config_for(tmp_path / "wh.db", **{"webhooks.allow_private_targets": True})
    receiver = Receiver()
    service = goldenrecord.GoldenRecord(config, clock=clock)  # not started: stepped below
    try:
        _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
        client = falcon.testing.TestClient(service.app, headers={"Authorization": f"Bearer {key}"})
        hook = client.simulate_post("/api/v1/webhooks", json={
            "name": "all", "url": receiver.url, "events": ["*"]}).json["data"]
        org = client.simulate_post("/api/v1/organizations",
                                   json={"name": "Acme", "slug": "acme"}).json["data"]
        user = client.simulate_post("/api/v1/users", json={"email": "j@acme.com"}).json["data"]
        member = client.simulate_post("/api/v1/memberships", json={
            "organizationId": org["id"], "userId": user["id"]}).json["data"]
        client.simulate_put(f"/api/v1/organizations/{org['id']}", json={"name": "Acme Inc"})
        client.simulate_put(f"/api/v1/users/{user['id']}", json={"firstName": "J"})
        client.simulate_put(f"/api/v1/memberships/{member['id']}", json={"isOwner": True})
        permission = client.simulate_post("/api/v1/permissions", json={
            "slug": "reports:export", "name": "Export"}).json["data"]
        client.simulate_put(f"/api/v1/permissions/{permission['id']}", json={"name": "Export all"})
        role = client.simulate_post("/api/v1/roles", json={
            "slug": "auditor", "name": "Auditor", "permissions": ["reports:export"],
            "organizationId": org["id"]}).json["data"]
        client.simulate_put(f"/api/v1/roles/{role['id']}", json={"name": "Auditors"})
        client.simulate_delete(f"/api/v1/roles/{role['id']}")
        client.simulate_delete(f"/api/v1/permissions/{permission['id']}")
        client.simulate_post(f"/api/v1/webhooks/{hook['id']}/test")
        _invitation_events(client, org["id"], clock)
        _group_events(client, service.store, org["id"], user["id"])
        client.simulate_delete(f"/api/v1/organizations/{org['id']}")  # membership.deleted too
        client.simulate_delete(f"/api/v1/users/{user['id']}")
        for _ in range(5):  # an attempt a loaded machine timed out comes due again
            service.webhooks.deliver_due()
            if len(receiver.requests) >= len(events):
                break
            clock.advance(hours=1)
        received = receiver.wait_for(len(events))
    finally:
        service.close()
        receiver.close()
    seen = set()
    for request in received:
        body = json.loads(request["body"])
        schema = events[body["event"]]["post"]["requestBody"]["content"]["application/json"]
        _validator(document, schema["schema"]).validate(body)
        seen.add(body["event"])
    assert seen == set(events)

