"""The audit log (store/audit/, restapi/auditlogs.py, cli/audit.py).

Every change is recorded at one place — the write transaction, from outbox events and
model rows — with the actor, client address and request id the HTTP layer made current;
secrets never. The chain of hashes catches an entry altered or removed with sqlite3, also
after pruning; exports stream; applications record their own events against a schema.
"""
import csv
import io
import json
import sqlite3

import falcon.testing
import pytest

import apps
import goldenrecord
from goldenrecord.store.db import write_transaction
from goldenrecord.store.models import Role
from support import assert_envelope, race

V1 = "/api/v1"
LOGS = f"{V1}/audit-logs"


def entries(client, headers, **params):
    """Every entry the filters select, through the cursor."""
    found, cursor = [], None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        result = client.simulate_get(LOGS, params=query, headers=headers)
        found += assert_envelope(result, 200)
        cursor = result.json["meta"]["nextCursor"]
        if cursor is None:
            return found


def admin_key(store, name="auditor"):
    key, plaintext = store.api_keys.create(name=name, scopes=["*:*"])
    return key, {"Authorization": f"Bearer {plaintext}"}


def test_a_change_through_the_api_is_recorded_with_actor_fields_and_context(client, store):
    key, admin = admin_key(store)
    org = assert_envelope(client.simulate_post(f"{V1}/organizations", headers=admin, json={
        "name": "Acme", "slug": "acme"}), 201)
    renamed = client.simulate_put(f"{V1}/organizations/{org['id']}", headers=admin,
                                  json={"name": "Acme Inc"})
    [entry] = entries(client, admin, action="organization.updated")
    assert entry["actor"] == {"type": "api_key", "id": key.id, "name": "auditor"}
    assert entry["target"] == {"type": "organization", "id": org["id"]}
    assert entry["organizationId"] == org["id"]
    assert entry["changes"] == {"name": {"before": "Acme", "after": "Acme Inc"}}
    assert entry["context"] == {"clientAddress": "127.0.0.1",
                                "requestId": renamed.headers["X-Request-Id"]}
    [created] = entries(client, admin, action="organization.created")
    assert created["changes"]["slug"] == {"before": None, "after": "acme"}


def test_changes_without_events_are_recorded_too_with_named_actions(client, store, make):
    """API keys and webhooks send no events; their rows are recorded all the same, and a
    revocation or a role change has a name of its own."""
    _, admin = admin_key(store)
    key = make.key()
    client.simulate_delete(f"{V1}/keys/{key['id']}", headers=admin)
    [revoked] = entries(client, admin, action="api_key.revoked")
    assert revoked["target"]["id"] == key["id"]
    assert list(revoked["changes"]) == ["revokedAt"]
    org, user = make.org(), make.user()
    membership = make.membership(org, user)
    roles = assert_envelope(client.simulate_get(f"{V1}/roles", headers=admin), 200)
    other = next(r["id"] for r in roles if r["id"] != membership["roleId"])
    client.simulate_put(f"{V1}/memberships/{membership['id']}", headers=admin,
                        json={"roleId": other})
    [changed] = entries(client, admin, action="membership.role_changed")
    assert changed["changes"]["roleId"] == {"before": membership["roleId"], "after": other}
    assert changed["organizationId"] == org["id"]


def test_a_table_added_later_is_recorded_without_code_of_its_own(client, store):
    """What another module writes through the models is recorded by the same hook: here a
    role written straight through its model, as a new endpoint would."""
    _, admin = admin_key(store)
    with write_transaction():
        Role.create(id="role_auditor", name="Auditor", slug="auditor", created_at=store.now())
    [entry] = entries(client, admin, action="role.created")
    assert entry["target"] == {"type": "role", "id": "role_auditor"}
    assert entry["changes"]["name"] == {"before": None, "after": "Auditor"}
    assert entry["actor"]["type"] == "system"


def test_api_keys_and_their_hashes_are_never_recorded(client, store):
    _, admin = admin_key(store)
    made = assert_envelope(client.simulate_post(f"{V1}/keys", headers=admin, json={
        "name": "k", "scopes": ["users:read"]}), 201)
    rotated = assert_envelope(client.simulate_post(
        f"{V1}/keys/{made['id']}", params={"action": "rotate"}, headers=admin), 201)
    secrets = [made["key"], rotated["newKey"]["key"]]
    stored = store.db.execute_sql("SELECT * FROM audit_entry").fetchall()
    text = json.dumps(stored)
    hashes = [row[0] for row in store.db.execute_sql("SELECT key_hash FROM api_key")]
    for secret in [*secrets, *hashes]:
        assert secret not in text
    assert "keyHash" not in text and len(stored) >= 3


def test_invitation_tokens_their_hashes_and_accept_links_are_never_recorded(tmp_path, clock):
    """Issue 22's invitations: the created and resent events carry the token and the accept
    link for the host application; their audit entries keep neither, nor the stored hash."""
    config = apps.config_for(tmp_path / "gr.db", **{
        "invitations.accept_url_template": "https://app.example.com/join?t={token}"})
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        _, admin = admin_key(service.store)
        org = assert_envelope(client.simulate_post(f"{V1}/organizations", headers=admin, json={
            "name": "Acme", "slug": "acme"}), 201)
        made = assert_envelope(client.simulate_post(f"{V1}/invitations", headers=admin, json={
            "email": "jo@example.com", "organizationId": org["id"]}), 201)
        resent = assert_envelope(client.simulate_post(
            f"{V1}/invitations/{made['id']}/resend", headers=admin), 200)
        recorded = entries(client, admin, targetType="invitation")
        text = json.dumps(service.store.db.execute_sql("SELECT * FROM audit_entry").fetchall())
        hashes = [row[0] for row in service.store.db.execute_sql(
            "SELECT token_hash FROM invitation")]
    assert [e["action"] for e in recorded] == ["invitation.created", "invitation.resent"]
    assert recorded[0]["changes"]["email"]["after"] == "jo@example.com"
    for secret in [made["token"], resent["token"], *hashes, "acceptUrl", "tokenHash"]:
        assert secret not in text


def test_a_webhook_secret_is_never_recorded(tmp_path, clock):
    config = apps.config_for(tmp_path / "w.db", **{"webhooks.allow_private_targets": True})
    with apps.service(config, clock=clock) as service:
        client = falcon.testing.TestClient(service.app)
        _, admin = admin_key(service.store)
        hook = assert_envelope(client.simulate_post(f"{V1}/webhooks", headers=admin, json={
            "name": "h", "url": "http://127.0.0.1:9/", "events": ["*"]}), 201)
        [entry] = entries(client, admin, action="webhook.created")
        assert entry["changes"]["url"]["after"] == "http://127.0.0.1:9/"
        assert "secret" not in entry["changes"]
        dump = json.dumps(service.store.db.execute_sql("SELECT * FROM audit_entry").fetchall())
        assert hook["secret"] not in dump


def test_a_refused_change_leaves_no_entry(client, store, make):
    _, admin = admin_key(store)
    make.org(slug="taken")
    count = len(entries(client, admin))
    assert_envelope(client.simulate_post(f"{V1}/organizations", headers=admin, json={
        "name": "Again", "slug": "taken"}), 409)
    assert len(entries(client, admin)) == count


def test_refused_authentications_of_known_keys_are_recorded(client, store, make, clock):
    _, admin = admin_key(store)
    revoked = make.key()
    client.simulate_delete(f"{V1}/keys/{revoked['id']}", headers=admin)
    assert_envelope(client.simulate_get(f"{V1}/users", headers={
        "Authorization": f"Bearer {revoked['key']}"}), 401, "GR_INVALID_API_KEY")
    fenced = make.key(allowedIps=["10.9.9.9"])
    assert_envelope(client.simulate_get(f"{V1}/users", headers={
        "Authorization": f"Bearer {fenced['key']}"}), 403, "GR_IP_NOT_ALLOWED")
    unknown = "gr_live_" + "x" * 43
    client.simulate_get(f"{V1}/users", headers={"Authorization": f"Bearer {unknown}"})
    refused = entries(client, admin, action="api_key.authentication_refused")
    assert [(e["target"]["id"], e["metadata"]["reason"]) for e in refused] == [
        (revoked["id"], "revoked"), (fenced["id"], "address not allowed")]
    assert refused[0]["actor"]["id"] == revoked["id"]
    assert refused[0]["context"]["clientAddress"] == "127.0.0.1"


def test_filters_and_an_organization_scoped_reader(client, store, make, keys, clock):
    key, admin = admin_key(store)
    mine, theirs = make.org(), make.org()
    clock.advance(hours=2)
    client.simulate_put(f"{V1}/organizations/{theirs['id']}", headers=admin, json={"name": "T"})
    scoped = keys.headers("audit_logs:read", org=mine["id"])
    seen = entries(client, scoped)
    assert seen and {e["organizationId"] for e in seen} == {mine["id"]}
    assert_envelope(client.simulate_get(LOGS, params={"organizationId": theirs["id"]},
                                        headers=scoped), 403, "GR_ORG_SCOPE_VIOLATION")
    assert [e["action"] for e in entries(client, admin, targetId=theirs["id"],
                                         rangeStart="2026-01-15T12:00:00Z")] == [
        "organization.updated"]
    assert {e["actor"]["id"] for e in entries(client, admin, actor=key.id)} == {key.id}
    assert entries(client, admin, rangeEnd="2026-01-15T10:00:00Z") == []
    assert_envelope(client.simulate_get(LOGS, headers=keys.headers("organizations:read")), 403,
                    "GR_FORBIDDEN")


def test_pages_follow_the_chain_in_order(client, store, make):
    _, admin = admin_key(store)
    for _ in range(7):
        make.user()
    first = client.simulate_get(LOGS, params={"limit": 3}, headers=admin)
    assert first.json["meta"]["hasMore"] is True
    walked = entries(client, admin)
    assert [e["sequence"] for e in walked] == list(range(1, len(walked) + 1))
    assert all(b["previousHash"] == a["hash"] for a, b in zip(walked, walked[1:]))


@pytest.mark.parametrize("form", ["ndjson", "csv"])
def test_the_export_streams_every_entry(client, store, make, form):
    _, admin = admin_key(store)
    for _ in range(5):
        make.user()
    result = client.simulate_get(f"{LOGS}/export", params={"format": form}, headers=admin)
    assert result.status_code == 200
    listed = entries(client, admin)
    if form == "ndjson":
        assert result.headers["content-type"] == "application/x-ndjson"
        assert [json.loads(line) for line in result.text.splitlines()] == listed
    else:
        rows = list(csv.DictReader(io.StringIO(result.text)))
        assert [row["id"] for row in rows] == [e["id"] for e in listed]
        assert json.loads(rows[-1]["changes"]) == listed[-1]["changes"]
    assert_envelope(client.simulate_get(f"{LOGS}/export", params={"format": "xml"},
                                        headers=admin), 400, "GR_VALIDATION_ERROR", "format")


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(client, store):
    """A key's name is anyone's text: `=HYPERLINK(...)` must arrive as text, not a formula."""
    _, admin = admin_key(store, name="=HYPERLINK(\"http://evil.example\",\"x\")")
    assert_envelope(client.simulate_post(f"{V1}/organizations", headers=admin, json={
        "name": "Acme", "slug": "acme"}), 201)
    result = client.simulate_get(f"{LOGS}/export", params={"format": "csv"}, headers=admin)
    names = {row["actorName"] for row in csv.DictReader(io.StringIO(result.text))}
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
    assert not [name for name in names if name and name.startswith(("=", "+", "-", "@"))]


def test_the_export_is_a_generator_read_in_chunks(app, store, make, monkeypatch):
    """resp.stream is a generator that reads EXPORT_CHUNK entries at a time: nothing holds
    the whole export (benchmarks/bench_audit.py measures the memory of a million)."""
    from goldenrecord.store.audit import log
    monkeypatch.setattr(log, "EXPORT_CHUNK", 2)
    _, admin = admin_key(store)
    for _ in range(5):
        make.user()
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": f"{LOGS}/export", "QUERY_STRING": "format=ndjson",
           "HTTP_AUTHORIZATION": admin["Authorization"], "SERVER_NAME": "t", "SERVER_PORT": "80",
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(),
           "REMOTE_ADDR": "127.0.0.1"}
    body = app(env, lambda status, headers: None)
    assert not isinstance(body, (list, bytes))
    lines = [line for line in body]
    assert len(lines) == len(store.db.execute_sql("SELECT id FROM audit_entry").fetchall())


# ------------------------------------------------------------- applications' own events

def declare(client, headers, **body):
    return client.simulate_post(f"{LOGS}/actions", headers=headers, json={
        "name": "invoice.paid", "schema": {"type": "object", "required": ["amount"],
                                            "properties": {"amount": {"type": "integer"}}},
        **body})


def test_an_application_records_events_against_its_declared_schema(client, store, make):
    key, admin = admin_key(store)
    org = make.org()
    declared = assert_envelope(declare(client, admin, description="Paid"), 201)
    assert declared["name"] == "invoice.paid" and declared["description"] == "Paid"
    recorded = assert_envelope(client.simulate_post(f"{LOGS}/events", headers=admin, json={
        "action": "invoice.paid", "targetType": "invoice", "targetId": "inv_1",
        "organizationId": org["id"], "metadata": {"amount": 42}}), 201)
    assert recorded["actor"]["id"] == key.id and recorded["metadata"] == {"amount": 42}
    assert entries(client, admin, action="invoice.paid") == [recorded]


@pytest.mark.parametrize("metadata, field", [
    ({"amount": "42"}, "metadata.amount"),
    ({}, "metadata.amount"),
])
def test_metadata_that_breaks_the_schema_is_400_naming_the_field(client, store, metadata, field):
    _, admin = admin_key(store)
    declare(client, admin)
    before = len(entries(client, admin))
    assert_envelope(client.simulate_post(f"{LOGS}/events", headers=admin, json={
        "action": "invoice.paid", "metadata": metadata}), 400, "GR_VALIDATION_ERROR", field)
    assert len(entries(client, admin)) == before


def test_undeclared_actions_invalid_schemas_and_reserved_names_are_400(client, store):
    _, admin = admin_key(store)
    assert_envelope(client.simulate_post(f"{LOGS}/events", headers=admin, json={
        "action": "nobody.declared", "metadata": {}}), 400, "GR_VALIDATION_ERROR", "action")
    assert_envelope(declare(client, admin, schema={"type": "nonsense"}), 400,
                    "GR_VALIDATION_ERROR", "schema")
    assert_envelope(declare(client, admin, name="organization.updated"), 400,
                    "GR_VALIDATION_ERROR", "name")
    assert_envelope(declare(client, admin, name="NoDots"), 400, "GR_VALIDATION_ERROR", "name")


def test_an_event_sent_twice_with_one_idempotency_key_is_recorded_once(client, store):
    _, admin = admin_key(store)
    declare(client, admin)
    headers = {**admin, "Idempotency-Key": "pay-1"}
    body = {"action": "invoice.paid", "metadata": {"amount": 1}}
    first = client.simulate_post(f"{LOGS}/events", headers=headers, json=body)
    again = client.simulate_post(f"{LOGS}/events", headers=headers, json=body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert assert_envelope(again, 201) == assert_envelope(first, 201)
    assert len(entries(client, admin, action="invoice.paid")) == 1


def test_an_organization_scoped_key_records_for_its_organization_only(client, store, make, keys):
    _, admin = admin_key(store)
    mine, theirs = make.org(), make.org()
    declare(client, admin)
    scoped = keys.headers("audit_logs:write", org=mine["id"])
    recorded = assert_envelope(client.simulate_post(f"{LOGS}/events", headers=scoped, json={
        "action": "invoice.paid", "metadata": {"amount": 1}}), 201)
    assert recorded["organizationId"] == mine["id"]
    assert_envelope(client.simulate_post(f"{LOGS}/events", headers=scoped, json={
        "action": "invoice.paid", "organizationId": theirs["id"], "metadata": {"amount": 1}}),
        403, "GR_ORG_SCOPE_VIOLATION")
    assert_envelope(declare(client, scoped, name="scoped.action"), 403)


def test_writers_racing_on_any_engine_extend_one_intact_chain(client, store):
    """Eight writers at once: every entry follows the one committed before it (on
    PostgreSQL too, where only the shared write lock serializes the commits), so the
    chain verifies and its numbers have no gap."""
    _, headers = admin_key(store)

    def write(i):
        for n in range(5):
            assert_envelope(client.simulate_post(f"{V1}/organizations", headers=headers, json={
                "name": f"Racer {i}-{n}", "slug": f"racer-{i}-{n}"}), 201)

    race(8, write)
    (broken, checked) = store.audit.verify()
    assert broken is None
    created = [e for e in entries(client, headers, action="organization.created")]
    assert len(created) == 40
    numbers = [row[0] for row in store.db.execute_sql("SELECT seq FROM audit_entry ORDER BY seq")]
    assert numbers == list(range(1, checked + 1))


# ------------------------------------------------------------------ tamper evidence

def cli(*argv):
    return goldenrecord.main(list(argv))


def test_verify_names_an_entry_edited_with_sqlite(tmp_path, clock, capsys):
    path = tmp_path / "chain.db"
    with apps.service(apps.config_for(path), clock=clock) as service:
        for n in range(4):
            service.store.organizations.create(name=f"O{n}", slug=f"o-{n}")
    assert cli("audit", "verify", "--db", str(path)) == 0
    assert "intact: 4 entries" in capsys.readouterr().out
    with sqlite3.connect(path) as raw:
        target = raw.execute("SELECT id FROM audit_entry WHERE seq = 3").fetchone()[0]
        raw.execute("UPDATE audit_entry SET changes = '{}' WHERE seq = 3")
    assert cli("audit", "verify", "--db", str(path)) == 1
    out = capsys.readouterr().out
    assert f"entry 3 ({target})" in out and "altered" in out


def test_verify_names_a_removed_entry_and_holds_after_pruning(tmp_path, clock, capsys):
    path = tmp_path / "chain.db"
    config = apps.config_for(path, **{"audit.retention_days": 10})
    with apps.service(config, clock=clock) as service:
        for n in range(3):
            service.store.organizations.create(name=f"O{n}", slug=f"o-{n}")
        clock.advance(days=11)
        service.store.organizations.create(name="New", slug="new")
        assert service.store.audit.prune(clock()) == 0  # the write above pruned already
        assert service.store.db.execute_sql("SELECT MIN(seq) FROM audit_entry").fetchone()[0] == 4
    assert cli("audit", "verify", "--db", str(path)) == 0
    capsys.readouterr()
    with apps.service(config, clock=clock) as service:
        service.store.organizations.create(name="Newer", slug="newer")
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM audit_entry WHERE seq = 4")
    assert cli("audit", "verify", "--db", str(path)) == 1
    assert "entry 4" in capsys.readouterr().out


def test_changes_from_the_command_line_are_the_clis(tmp_path, clock):
    path = tmp_path / "cli.db"
    assert cli("keys", "create", "--db", str(path), "--name", "ops", "--scope", "users:read") == 0
    with apps.service(apps.config_for(path), clock=clock) as service:
        rows = service.store.db.execute_sql(
            "SELECT action, actor_type, actor_name FROM audit_entry").fetchall()
    assert rows == [("api_key.created", "cli", "goldenrecord keys")]


# ------------------------------------------------------------------ other actors

def test_dashboard_sign_ins_and_session_changes_are_the_dashboards(client, store):
    from test_admin_session import Browser
    key, admin = admin_key(store, name="operator")
    browser = Browser(client, admin["Authorization"].split()[1])
    assert_envelope(browser.call("POST", f"{V1}/organizations",
                                 json={"name": "Via dash", "slug": "via-dash"}), 201)
    [signed_in] = entries(client, admin, action="dashboard.signed_in")
    assert signed_in["actor"] == {"type": "dashboard", "id": key.id, "name": "operator"}
    assert signed_in["target"] == {"type": "api_key", "id": key.id}
    assert signed_in["context"]["requestId"] == browser.result.headers["X-Request-Id"]
    [created] = entries(client, admin, action="organization.created")
    assert created["actor"]["type"] == "dashboard"
    refused = client.simulate_post("/admin/session", json={"key": "gr_live_" + "n" * 43})
    assert refused.status_code == 401
    assert len(entries(client, admin, action="dashboard.signed_in")) == 1
    # signing out is recorded too, as the session's key, even once that key is revoked
    _, reader = admin_key(store, name="reader")
    store.api_keys.revoke(key.id)
    signed_out = browser.call("DELETE", "/admin/session")
    assert signed_out.status_code == 200, signed_out.text
    [entry] = entries(client, reader, action="dashboard.signed_out")
    assert entry["actor"] == {"type": "dashboard", "id": key.id, "name": "operator"}
    assert entry["target"] == {"type": "api_key", "id": key.id}
    assert entry["context"]["requestId"] == signed_out.headers["X-Request-Id"]
