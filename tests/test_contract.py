"""The published contract: the OpenAPI document covers every route the app serves, is a
valid OpenAPI 3.1 document, and /docs renders it from assets inside the package."""
import falcon.inspect
import pytest
from openapi_spec_validator import validate

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


def test_every_served_route_and_method_is_documented(app, document):
    served = {}
    for route in falcon.inspect.inspect_routes(app):
        methods = {m.method.lower() for m in route.methods if not m.internal}
        served[route.path] = methods
    documented = {path: set(item) for path, item in document["paths"].items()}
    assert documented == served


def test_operations_name_scope_security_and_codes(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            public = op["security"] == []
            assert public == (path in ("/healthz", "/api/v1/openapi.json", "/docs")), path
            if not public:
                assert op["x-required-scope"] in op["description"]
                assert {"401", "403", "429", "500"} <= set(op["responses"]), (method, path)
            if method == "post" and not public:
                assert "Idempotency-Key" in {p["name"] for p in op["parameters"]}
                assert "GR_IDEMPOTENCY_KEY_REUSED" in op["responses"]["409"]["x-error-codes"]
            if "requestBody" in op:
                assert "413" in op["responses"]
                assert op["requestBody"]["x-max-bytes"] == 1024 * 1024
    assert [c["code"] for c in document["x-error-codes"]] == list(ERROR_CODES)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


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
