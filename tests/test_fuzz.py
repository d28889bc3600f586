"""Schemathesis against a live `goldenrecord serve`: every documented operation, with
generated valid and invalid input, as an admin key and as a narrow organization-scoped key.

Zero 5xx answers, zero answers the document does not describe (status, content type,
headers, body schema), and input the document calls invalid is refused. Bounded and seeded
(FUZZ_EXAMPLES, FUZZ_SEED), so a run is repeatable and short.
"""
import os
import secrets

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from schemathesis.checks import (content_type_conformance, negative_data_rejection,
                                 not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)
from schemathesis.generation import GenerationMode

from goldenrecord.restapi.inputs import Url
from goldenrecord.store import Invalid
from process import ServerProcess, new_key

pytestmark = pytest.mark.slow  # fuzzing a live server process

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "20261123"))
STATS = {"requests": 0, "operations": set()}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    config = folder / "fuzz.toml"
    config.write_text("[rate_limits]\nenabled = false\nfailed_auth_per_ip = 1000000\n"
                      "[webhooks]\nallow_private_targets = true\n")
    server = ServerProcess(folder / "fuzz.db", key=new_key(), args=["--config", str(config)])
    org = server.api("POST", "/api/v1/organizations",
                     json={"name": "Fuzz", "slug": "fuzz"}).json()["data"]
    narrow = server.api("POST", "/api/v1/keys", json={
        "name": "narrow", "scopes": ["organizations:read"], "organizationId": org["id"],
    }).json()["data"]["key"]
    server.callers = {"admin": server.headers, "narrow": {"Authorization": f"Bearer {narrow}"}}
    yield server
    server.stop()
    assert "Traceback" not in server.stderr(), server.stderr()


@pytest.fixture(scope="module")
def api_schema(live):
    return schemathesis.openapi.from_url(live.url + "/api/v1/openapi.json")


def _valid_url(value):
    """Whether the API would go on to resolve `value` (invalid ones are refused first)."""
    try:
        Url().clean(value, "url")
    except Invalid:
        return False
    return True


def _existing(server, module_receiver):
    """Fresh rows for the by-id operations, so generated bodies reach the store, not only
    the 404 path: path template -> the path parameters naming real rows."""
    def made(path, body):
        answer = server.api("POST", path, json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["data"]

    hook = made("/api/v1/webhooks", {"name": "target", "url": module_receiver.url, "events": ["*"]})
    suffix = secrets.token_hex(4)  # fresh rows for each caller's run
    org = made("/api/v1/organizations", {"name": "Target", "slug": f"target-{suffix}"})
    user = made("/api/v1/users", {"email": f"u-{suffix}@example.com"})
    member = made("/api/v1/memberships", {"organizationId": org["id"], "userId": user["id"]})
    key = made("/api/v1/keys", {"name": "target", "scopes": ["users:read"]})
    delivery = server.api("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").json()["data"]
    v1 = "/api/v1"
    return {
        f"{v1}/organizations/{{id}}": {"id": org["id"]},
        f"{v1}/organizations/{{id}}/verify": {"id": org["id"]},
        f"{v1}/users/{{id}}": {"id": user["id"]},
        f"{v1}/memberships/{{id}}": {"id": member["id"]},
        f"{v1}/keys/{{id}}": {"id": key["id"]},
        f"{v1}/webhooks/{{id}}": {"id": hook["id"]},
        f"{v1}/webhooks/{{id}}/test": {"id": hook["id"]},
        f"{v1}/webhooks/{{id}}/deliveries": {"id": hook["id"]},
        f"{v1}/webhooks/{{id}}/deliveries/{{delivery_id}}/redeliver": {
            "id": hook["id"], "delivery_id": delivery[0]["id"] if delivery else "dlv_none"},
    }


def _fuzz(operation, mode, live, headers, module_receiver, path_parameters=None):
    """Run one operation's generated cases; raises the first failing check."""

    @hypothesis.seed(SEED)
    # the key is given, not generated: invalid cases then vary everything but the key
    @hypothesis.given(operation.as_strategy(generation_mode=mode, path_parameters=path_parameters,
                                            headers=headers))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    def run(case):
        # a parameter whose value is an empty list or None is not sent at all, so an
        # "invalid" extra parameter of that kind never reaches the server
        hypothesis.assume(not any(v is None or v == [] for v in (case.query or {}).values()))
        if isinstance(case.body, dict) and _valid_url(case.body.get("url")):
            case.body["url"] = module_receiver.url  # webhook targets: loopback, never a real DNS name
        STATS["requests"] += 1
        case.call_and_validate(base_url=live.url, checks=CHECKS)

    run()


def _runs(operation, existing):
    """(mode, path parameters) to try: generated input, valid and invalid, and valid input
    against rows that exist."""
    yield GenerationMode.POSITIVE, None
    yield GenerationMode.NEGATIVE, None
    if operation.path in existing:
        yield GenerationMode.POSITIVE, existing[operation.path]


@pytest.mark.parametrize("caller", ["admin", "narrow"])
def test_every_operation_conforms_under_generated_input(api_schema, live, module_receiver, caller):
    existing = _existing(live, module_receiver)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    operations.sort(key=lambda op: op.method.upper() == "DELETE")  # rows go away last
    failures = []
    for operation in operations:
        STATS["operations"].add(operation.label)
        for mode, path_parameters in _runs(operation, existing):
            try:
                _fuzz(operation, mode, live, live.callers[caller], module_receiver, path_parameters)
            except hypothesis.errors.Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # no input at all, so none invalid
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - all reported below
                where = " on existing rows" if path_parameters else ""
                failures.append(f"{operation.label} [{mode.value}{where}]: {error}")
    print(f"fuzz {caller}: {len(STATS['operations'])} operations, {STATS['requests']} requests so far")
    assert not failures, "\n\n".join(failures)
