"""The published contract: the OpenAPI document covers every route the app serves, is a
valid OpenAPI 3.1 document, and /docs renders it from assets inside the package."""
import falcon.inspect
import pytest
from openapi_spec_validator import validate

import goldenrecord
from goldenrecord.restapi.errors import ERROR_CODES
from support import assert_envelope

DOC = "/api/v1/openapi.json"


@pytest.fixture
def document(client):
    result = client.simulate_get(DOC)  # no Authorization header: the contract is public
    assert result.status_code == 200
    assert result.headers["Content-Type"].startswith("application/json")
    return result.json


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


# The admin dashboard's static files (scripts, a style sheet) are files, not operations.
STATIC_FILES = "/admin/static/{path:path}"


def test_every_served_route_and_method_is_documented(app, document):
    served = {}
    for route in falcon.inspect.inspect_routes(app):
        if route.path == STATIC_FILES:
            continue
        methods = {m.method.lower() for m in route.methods if not m.internal}
        # every GET path answers HEAD, and every path OPTIONS (restapi/methods.py): the
        # document says so once, in its description, rather than as operations
        assert ("head" in methods) == ("get" in methods) and "options" in methods, route.path
        served[route.path] = methods - {"head", "options"}
    documented = {path: set(item) for path, item in document["paths"].items()}
    assert documented == served


def test_operations_name_scope_security_and_codes(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            public = op["security"] == []
            assert public == (path in ("/", "/healthz", "/readyz", "/api/v1/openapi.json",
                                       "/docs", "/api/webhooks/workos", "/admin",
                                       "/admin/session")), path
            if not public:
                assert op["x-required-scope"] in op["description"]
                assert {"401", "403", "429", "500"} <= set(op["responses"]), (method, path)
            if method == "post" and not public:
                assert "Idempotency-Key" in {p["name"] for p in op["parameters"]}
                assert "GR_IDEMPOTENCY_KEY_REUSED" in op["responses"]["409"]["x-error-codes"]
            if "requestBody" in op:
                assert "413" in op["responses"]
                assert op["requestBody"]["x-max-bytes"] == 1024 * 1024
    assert document["x-error-codes"] == [
        {"code": code, "status": row.status, "description": row.description}
        for code, row in ERROR_CODES.items()]  # every code, with the table's status
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_grant_and_tenant_rules_are_published_on_their_operations(document):
    paths = document["paths"]
    sync = paths["/api/workos/sync-users"]["post"]
    assert sync["x-global-keys-only"] is True and "GR_ORG_SCOPE_VIOLATION" in sync["description"]
    assert [path for path, item in paths.items() for op in item.values()
            if op.get("x-global-keys-only")] == [
        "/metrics", "/api/v1/permissions", "/api/v1/permissions/{id}",
        "/api/v1/permissions/{id}", "/api/v1/audit-logs/actions", "/api/workos/sync-users",
        "/api/workos/sync"]
    create_key = paths["/api/v1/keys"]["post"]["description"]
    assert all(word in create_key for word in ("tier", "allowedIps", "expiresAt", "GR_FORBIDDEN"))
    key = paths["/api/v1/keys/{id}"]
    assert "global `*:*`" in key["post"]["description"]
    assert "every scope" in key["delete"]["description"]
    for method in ("post", "put"):
        hooks = paths["/api/v1/webhooks" + ("/{id}" if method == "put" else "")][method]
        assert "`users:read`" in hooks["description"] and "`organizations:read`" in hooks["description"]
    for path, method in (("/api/v1/memberships", "post"), ("/api/v1/users/{id}", "put")):
        assert "GR_ORG_SCOPE_VIOLATION" in paths[path][method]["description"]


def test_limits_are_published_from_the_same_declarations(document):
    create = document["paths"]["/api/v1/organizations"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name", "slug"]
    assert body["additionalProperties"] is False
    assert body["properties"]["name"]["maxLength"] == 200
    assert body["properties"]["slug"]["maxLength"] == 100
    assert body["properties"]["metadata"]["x-max-bytes"] == 16 * 1024
    assert body["properties"]["metadata"]["x-max-depth"] == 5
    keys = document["paths"]["/api/v1/keys"]["post"]["requestBody"]["content"]["application/json"]
    assert keys["schema"]["properties"]["allowedIps"]["maxItems"] == 100
    limit = next(p for p in document["paths"]["/api/v1/users"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)


@pytest.mark.parametrize("body, field", [
    ({"name": "x" * 201, "slug": "ok"}, "name"),
    ({"name": "ok", "slug": "s" * 101}, "slug"),
    ({"name": "ok", "slug": "ok", "metadata": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}, "metadata"),
    ({"name": "ok", "slug": "ok", "metadata": {"big": "x" * 17000}}, "metadata"),
    ({"name": "ok", "slug": "ok", "domain": "d" * 300}, "domain"),
])
def test_limits_are_enforced_naming_the_field(client, admin, body, field):
    result = client.simulate_post("/api/v1/organizations", json=body, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", field)


def test_oversized_body_is_413_naming_body(client, admin):
    body = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    result = client.simulate_post("/api/v1/organizations", body=body, headers={
        **admin, "Content-Type": "application/json"})
    assert_envelope(result, 413, "GR_PAYLOAD_TOO_LARGE", "body")


def test_docs_page_is_served_from_the_package(client):
    result = client.simulate_get("/docs")
    assert result.status_code == 200
    assert result.headers["Content-Type"].startswith("text/html")
    assert "/api/v1/openapi.json" in result.text
    assert "http://" not in result.text and "https://" not in result.text  # no CDN


def _declared_fields(store):
    """Every field of every declaration, as (name, Field), found through the route table."""
    from types import SimpleNamespace

    from goldenrecord.restapi.operations import declared_operations
    from goldenrecord.restapi.routes import add_routes

    routes = add_routes(SimpleNamespace(add_route=lambda *a, **k: None), store, None,
                        allow_private_targets=True, version="test",
                        metrics=goldenrecord.metrics_for(store))
    for template, resource, suffix in routes:
        for _, op in declared_operations(resource, suffix):
            for group in (op.body, op.query):
                yield from (group.fields.items() if group else ())
            yield from op.path.items()


def test_published_text_rules_accept_exactly_what_the_checks_accept(store):
    """For every text field, the JSON Schema the document publishes and the check the hook
    runs agree on arbitrary strings (whitespace, NUL and non-ASCII included), as judged by
    Python's jsonschema and by the Rust validator schemathesis uses."""
    import jsonschema
    import jsonschema_rs
    from hypothesis import given, settings, strategies as st

    from goldenrecord.restapi.inputs import StringList, Text
    from goldenrecord.store import Invalid

    texts = {}
    for name, field in _declared_fields(store):
        field = field.item if isinstance(field, StringList) else field
        if isinstance(field, Text):
            texts[(name, type(field).__name__, field.max_length, field.min_length)] = field
    assert len(texts) >= 8
    noise = st.text(st.sampled_from(" \t\n\x00\x1c\x85\xa0\u2028\u3000\ufeffaZ0-._@/:?#$é€𝄞"),
                    max_size=12)
    for (name, *_), field in texts.items():
        validators = (jsonschema.Draft202012Validator(field.schema()),
                      jsonschema_rs.Draft202012Validator(field.schema()))
        examples = st.one_of(noise, st.from_regex(field.rule, fullmatch=True), st.text(max_size=30))

        @settings(max_examples=60, deadline=None, database=None, derandomize=True)
        @given(examples)
        def agree(value):
            try:
                field.check(value, name)
                accepted = True
            except Invalid:
                accepted = False
            assert [accepted, accepted] == [v.is_valid(value) for v in validators], (name, value)

        agree()
