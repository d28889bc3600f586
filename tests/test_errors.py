"""The one error path: every failure is the spec's envelope with the right code."""
import pytest

from support import assert_envelope

ORGS = "/api/v1/organizations"


def test_unknown_route_is_404_envelope(client, admin):
    assert_envelope(client.simulate_get("/api/v1/nothing-here", headers=admin), 404, "GR_NOT_FOUND")
    assert_envelope(client.simulate_get("/nothing-here"), 404, "GR_NOT_FOUND")


def test_wrong_method_is_405_envelope(client, admin):
    result = client.simulate_patch(ORGS, headers=admin)
    assert_envelope(result, 405, "GR_METHOD_NOT_ALLOWED")
    assert "POST" in result.headers["Allow"]


def test_malformed_json_is_400_naming_body(client, admin):
    result = client.simulate_post(ORGS, body="{not json", headers={
        **admin, "Content-Type": "application/json"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "body")


@pytest.mark.parametrize("body", ["[]", "42", '"text"', "null"])
def test_body_must_be_an_object(client, admin, body):
    result = client.simulate_post(ORGS, body=body, headers={**admin, "Content-Type": "application/json"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "body")


def test_nan_is_not_json(client, admin):
    result = client.simulate_post(ORGS, body='{"name": NaN, "slug": "a"}',
                                  headers={**admin, "Content-Type": "application/json"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "body")


def test_wrong_content_type_is_400(client, admin):
    result = client.simulate_post(ORGS, body='{"name": "A", "slug": "a"}',
                                  headers={**admin, "Content-Type": "text/plain"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "body")


def test_missing_body_is_400(client, admin):
    assert_envelope(client.simulate_post(ORGS, headers=admin), 400, "GR_VALIDATION_ERROR", "body")


def test_invalid_utf8_is_400(client, admin):
    result = client.simulate_post(ORGS, body=b'{"name": "\xff", "slug": "a"}',
                                  headers={**admin, "Content-Type": "application/json"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "body")


def test_oversized_body_is_413_and_changes_nothing(client, admin):
    big = '{"name": "A", "slug": "big", "metadata": {"x": "' + "a" * (1024 * 1024) + '"}}'
    result = client.simulate_post(ORGS, body=big, headers={**admin, "Content-Type": "application/json"})
    assert_envelope(result, 413, "GR_PAYLOAD_TOO_LARGE")
    listed = client.simulate_get(ORGS, params={"includeStaging": "true"}, headers=admin)
    assert listed.json["meta"]["total"] == 0


def test_unexpected_exception_is_500_without_details(app, client, admin, caplog):
    class Broken:
        public = True

        def on_get(self, req, resp):
            raise RuntimeError("secret internals")

    app.add_route("/broken", Broken())
    result = client.simulate_get("/broken")
    error = assert_envelope(result, 500, "GR_INTERNAL_ERROR")
    assert "secret internals" not in result.text
    assert "Traceback" not in result.text
    assert result.json["requestId"] in caplog.text  # logged with the request id
    assert "secret internals" in caplog.text
    assert error["message"]


def test_unknown_body_field_is_400_naming_it(client, admin):
    result = client.simulate_post(ORGS, json={"name": "A", "slug": "a", "colour": "red"}, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "colour")


def test_unknown_query_parameter_is_400_naming_it(client, admin):
    result = client.simulate_get(ORGS, params={"sort": "name"}, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "sort")


def test_repeated_query_parameter_is_400(client, admin):
    result = client.simulate_get(ORGS, query_string="limit=1&limit=2", headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "limit")


def test_request_ids_are_unique(client):
    ids = {client.simulate_get("/healthz").json["requestId"] for _ in range(20)}
    assert len(ids) == 20


def test_trailing_slash_is_the_same_route(client, admin):
    assert_envelope(client.simulate_get(ORGS + "/", headers=admin), 200)


def test_absurdly_nested_json_is_400(client, admin):
    body = '{"name": "A", "slug": "a", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"
    result = client.simulate_post(ORGS, body=body, headers={**admin, "Content-Type": "application/json"})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "body")
