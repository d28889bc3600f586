"""Schemathesis against a live `goldenrecord serve`: every documented operation, with
generated valid and invalid input, as an admin key and as a narrow organization-scoped key.

Zero 5xx answers, zero answers the document does not describe (status, content type,
headers, body schema), and input the document calls invalid is refused. Bounded and seeded
(FUZZ_EXAMPLES, FUZZ_SEED), so a run is repeatable and short.
"""
import os

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from schemathesis.checks import (content_type_conformance, negative_data_rejection,
                                 not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)
from schemathesis.generation import GenerationMode

from goldenrecord.restapi.errors import ApiError
from goldenrecord.restapi.inputs import Url
from process import ServerProcess, new_key
from support import Receiver

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "20261123"))
STATS = {"requests": 0, "operations": set()}


@pytest.fixture(scope="module")
def receiver():
    hub = Receiver()
    yield hub
    hub.close()


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
    except ApiError:
        return False
    return True


def _fuzz(operation, mode, live, headers, receiver):
    """Run one operation's generated cases; raises the first failing check."""

    @hypothesis.seed(SEED)
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    def run(case):
        if isinstance(case.body, dict) and _valid_url(case.body.get("url")):
            case.body["url"] = receiver.url  # webhook targets: loopback, never a real DNS name
        STATS["requests"] += 1
        case.call_and_validate(base_url=live.url, headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("caller", ["admin", "narrow"])
def test_every_operation_conforms_under_generated_input(api_schema, live, receiver, caller):
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        STATS["operations"].add(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, live, live.callers[caller], receiver)
            except hypothesis.errors.Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # no input at all, so none invalid
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - all reported below
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    print(f"fuzz {caller}: {len(STATS['operations'])} operations, {STATS['requests']} requests so far")
    assert not failures, "\n\n".join(failures)
