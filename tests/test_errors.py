"""The one error path: every failure is the spec's envelope with the right code, and every
code is raised from the one table (restapi/errors.py)."""
import ast
import re

import falcon
import pytest

from goldenrecord.restapi.errors import ERROR_CODES, ApiError
from support import ROOT, assert_envelope, source_files

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


# One table: an error is raised by its code, which brings its status and default message.

def _raising(app, error):
    """Mount a public route at /raises whose responder raises `error()`."""
    class Raises:
        public = True

        def on_get(self, req, resp):
            raise error()

    app.add_route("/raises", Raises())


def test_an_error_raised_by_its_code_takes_status_and_message_from_the_table(app, client):
    _raising(app, lambda: ApiError("GR_SYNC_IN_PROGRESS"))
    error = assert_envelope(client.simulate_get("/raises"), 409, "GR_SYNC_IN_PROGRESS")
    assert error["message"] == ERROR_CODES["GR_SYNC_IN_PROGRESS"].default_message
    assert "field" not in error


def test_a_code_outside_the_table_is_a_programming_error(app, client, caplog):
    _raising(app, lambda: ApiError("GR_NO_SUCH_CODE", "Made up"))
    error = assert_envelope(client.simulate_get("/raises"), 500, "GR_INTERNAL_ERROR")
    assert "Made up" not in error["message"]
    assert "'GR_NO_SUCH_CODE' is not in ERROR_CODES" in caplog.text
    with pytest.raises(TypeError):
        ApiError("GR_SYNC_IN_PROGRESS", 409)  # the status is the table's to say


def test_falcons_rarer_errors_pass_through_with_their_status(app, client):
    _raising(app, falcon.HTTPGone)
    assert_envelope(client.simulate_get("/raises"), 410, "GR_HTTP_410")


CODE = re.compile(r"GR_[A-Z0-9_]*[A-Z0-9]")


def _is_api_error(call):
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return name == "ApiError"


def _table_breaches(path):
    """Where the module at `path` names a code the table lacks, or writes a status beside
    an ApiError's code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and CODE.fullmatch(node.value) and node.value not in ERROR_CODES):
            found.append(f"{where} {node.value} is not in ERROR_CODES")
        if isinstance(node, ast.Call) and _is_api_error(node):
            values = [*node.args, *(k.value for k in node.keywords)]
            if (any(k.arg == "status" for k in node.keywords)
                    or any(isinstance(v, ast.Constant) and type(v.value) is int for v in values)):
                found.append(f"{where} ApiError(...) is given a status")
    return found


def test_codes_are_named_only_from_the_table_and_statuses_only_in_it():
    sources = source_files()
    assert len(sources) > 50
    assert [breach for path in sources for breach in _table_breaches(path)] == []
