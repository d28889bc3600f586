"""The OpenAPI document through tools no one here wrote (issue 18's "done when"):

- Spectral with its `spectral:oas` ruleset: no error and no warning;
- Redocly with its `recommended` ruleset: no error;
- openapi-python-client: generates a client without a warning, and tests/client_smoke.py
  drives that client against a real server;
- schemathesis' stateful phase (following the document's links) against a real server:
  no failure beyond KNOWN_STATEFUL_FAILURES.

.ci/run installs the tools (Spectral and Redocly from npm onto PATH, the Python ones with
the `test` extra) and sets GOLDENRECORD_REQUIRE_DOC_TOOLS, so there a missing tool fails;
elsewhere its test is skipped. Nothing here reaches beyond loopback.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import falcon.testing
import pytest

import apps
from goldenrecord.store.rules import URL
from process import ServerProcess, new_key
from support import Receiver, installed_tool

pytestmark = pytest.mark.slow  # external tools, real server processes

HERE = Path(__file__).resolve().parent
REQUIRED = bool(os.environ.get("GOLDENRECORD_REQUIRE_DOC_TOOLS"))
# What the tools may not do here: phone home, or look for updates.
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
         "NO_UPDATE_NOTIFIER": "1", "DO_NOT_TRACK": "1"}
CLIENT_PACKAGE = "golden_record_api_client"  # openapi-python-client's name for our title
STATEFUL_EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", "20"))
STATEFUL_ROUNDS = int(os.environ.get("STATEFUL_ROUNDS", "3"))
STATEFUL_SECONDS = 60
# What schemathesis' stateful phase may report without failing the test: (failure type,
# operation label as a regex, the error's field, why it is accepted).
KNOWN_STATEFUL_FAILURES = [
    ("RejectedPositiveData", r"GET /api/v1/\S+", "cursor",
     "A cursor is opaque and signed: only those the server issued are valid, which a schema "
     "cannot state, so a generated one is refused (400, field `cursor`)."),
    ("RejectedPositiveData", r"POST /api/v1/keys", "allowedIps",
     "allowedIps items must parse as IP addresses or CIDR ranges; the schema says so in "
     "words (x-rule), not as a regular expression."),
    ("RejectedPositiveData", r"POST /api/v1/keys", "expiresAt",
     "expiresAt must lie in the future and within the creating key's own expiry: rules "
     "relative to now and to the caller, which a schema cannot state."),
    ("UseAfterFree", r"GET /api/v1/keys/\{id\}", None,
     "DELETE on a key revokes it: its record stays readable (`isActive: false`), so a GET "
     "after it answers 200 by design."),
]


def tool(name):
    """The path of command `name`: a failure where the tools are required, else a skip."""
    return installed_tool(name, ".ci/run installs it", required=REQUIRED)


def run(command, **kwargs):
    """Run a tool, its output captured, bounded in time."""
    env = {**os.environ, **QUIET, **kwargs.pop("env", {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, **kwargs)


@pytest.fixture(scope="module")
def document_file(tmp_path_factory):
    """The document as GET /api/v1/openapi.json serves it, in a file."""
    folder = tmp_path_factory.mktemp("document")
    with apps.service(apps.config_for(folder / "gr.db")) as service:
        answer = falcon.testing.TestClient(service.app).simulate_get("/api/v1/openapi.json")
    assert answer.status_code == 200
    path = folder / "openapi.json"
    path.write_text(json.dumps(answer.json, indent=1))
    return path


def test_spectral_oas_ruleset_finds_no_error_and_no_warning(document_file, tmp_path):
    spectral = tool("spectral")
    ruleset = tmp_path / ".spectral.json"
    ruleset.write_text(json.dumps({"extends": ["spectral:oas"]}))
    results = tmp_path / "results.json"
    done = run([spectral, "lint", str(document_file), "--ruleset", str(ruleset), "--format",
                "json", "--output", str(results), "--fail-severity", "hint"])
    found = json.loads(results.read_text()) if results.exists() else None
    assert found == [], (done.stdout, done.stderr, found)
    assert done.returncode == 0, done.stderr


def test_redocly_recommended_ruleset_finds_no_error(document_file, tmp_path):
    redocly = tool("redocly")
    done = run([redocly, "lint", str(document_file), "--extends", "recommended",
                "--format", "json"], cwd=tmp_path)
    report = json.loads(done.stdout[done.stdout.index("{"):])
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert (report["totals"]["errors"], errors) == (0, []), done.stderr
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def generated_client(document_file, tmp_path_factory):
    """openapi-python-client's output for the document: (folder holding the package, log)."""
    generator = tool("openapi-python-client")
    folder = tmp_path_factory.mktemp("client")
    done = run([generator, "generate", "--path", str(document_file), "--meta", "none",
                "--output-path", str(folder / CLIENT_PACKAGE)])
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, done.stdout + done.stderr


def test_openapi_python_client_generates_without_a_warning(generated_client):
    folder, log = generated_client
    assert "warning" not in log.lower(), log
    functions = {path.stem for path in (folder / CLIENT_PACKAGE / "api").rglob("*.py")}
    assert {"list_organizations", "create_organization", "sync_workos_users",
            "receive_workos_webhook"} <= functions


def test_generated_client_smoke_run_against_a_real_server(generated_client, tmp_path):
    """The smoke script, with the generated package on its path (never pip-installed)."""
    folder, _ = generated_client
    config = tmp_path / "smoke.toml"
    config.write_text("[rate_limits]\nfree = 5\n[webhooks]\nallow_private_targets = true\n")
    receiver = Receiver()
    server = ServerProcess(tmp_path / "smoke.db", key=new_key(), args=["--config", str(config)])
    try:
        done = run([sys.executable, str(HERE / "client_smoke.py"), server.url, server.key,
                    receiver.url], env={"PYTHONPATH": str(folder)}, cwd=tmp_path)
    finally:
        server.stop()
        receiver.close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Retry-After" in done.stdout
    assert "Traceback" not in server.stderr(), server.stderr()


def _link_transitions(schema):
    """The state machine's rules that follow one of the document's links (schemathesis'
    own guessing of links turned off, so only the declared ones count)."""
    schema.config.phases.stateful.inference.algorithms = []
    machine = schema.as_state_machine()
    return machine, sorted(name for name in dir(machine) if "___201_" in name)


def test_the_state_machine_is_built_from_a_link_per_create_target(document_file):
    import schemathesis

    _, transitions = _link_transitions(schemathesis.openapi.from_path(str(document_file)))
    assert len(transitions) == 43  # test_api_document.py lists the links of each create
    assert "POST_api_v1_organizations___201_getOrganization__GET_api_v1_organizations_id_" in transitions


def _known(kind, label, field):
    """Why a failure the stateful run may report is accepted, or None if it is not."""
    for known_kind, pattern, known_field, reason in KNOWN_STATEFUL_FAILURES:
        if kind == known_kind and re.fullmatch(pattern, label) and field == known_field:
            return reason
    return None


def _field(response):
    try:
        return response.json()["errors"][0].get("field")
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _rounds(machine, hypothesis):
    """Run `machine` for STATEFUL_ROUNDS rounds of STATEFUL_EXAMPLES scenarios, within
    STATEFUL_SECONDS. A round ends early when Hypothesis replays a scenario against rows
    that have changed since (Flaky), as schemathesis' own runner restarts then."""
    settings = hypothesis.settings(
        max_examples=STATEFUL_EXAMPLES, stateful_step_count=8, deadline=None, database=None,
        suppress_health_check=list(hypothesis.HealthCheck), phases=[hypothesis.Phase.generate])
    deadline = time.monotonic() + STATEFUL_SECONDS
    for _ in range(STATEFUL_ROUNDS):
        if time.monotonic() > deadline:
            break
        try:
            machine.run(settings=settings)
        except hypothesis.errors.Flaky:
            continue


def test_schemathesis_stateful_phase_follows_the_links(tmp_path):
    """schemathesis' state machine, built from the document's links, against a real
    server with every default check: bounded in examples, steps and time; every failure
    is one of KNOWN_STATEFUL_FAILURES."""
    import hypothesis
    import hypothesis.errors
    import schemathesis
    from schemathesis.core.failures import Failure, FailureGroup

    config = tmp_path / "stateful.toml"
    config.write_text("[rate_limits]\nenabled = false\nfailed_auth_per_ip = 1000000\n"
                      "[webhooks]\nallow_private_targets = true\n")
    receiver = Receiver()
    server = ServerProcess(tmp_path / "stateful.db", key=new_key(), args=["--config", str(config)])
    found, steps = [], []
    try:
        schema = schemathesis.openapi.from_url(server.url + "/api/v1/openapi.json")
        schema.config.update(base_url=server.url)
        machine, _ = _link_transitions(schema)

        class Run(machine):
            def get_call_kwargs(self, case):
                return {"headers": server.headers}  # the key, as given (schemathesis: explicit)

            def before_call(self, case):
                # webhook targets: the loopback receiver, so no name is ever looked up in DNS;
                # in a negative case, a url the rules refuse anyway is left to be refused:
                # replacing it would make the case valid and its 2xx a false failure
                url = case.body.get("url") if isinstance(case.body, dict) else None
                negative = str(getattr(case._meta.generation, "mode", "")) == "negative"
                if isinstance(url, str) and (not negative or (len(url) <= 2048
                                                              and re.fullmatch(URL, url))):
                    case.body["url"] = receiver.url
                steps.append(case.operation.label)

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                try:
                    super().validate_response(response, case, additional_checks, **kwargs)
                except (FailureGroup, Failure) as error:
                    failures = error.exceptions if isinstance(error, FailureGroup) else [error]
                    for failure in failures:
                        found.append((type(failure).__name__, case.operation.label,
                                      _field(response), failure.message[:300]))

        _rounds(Run, hypothesis)
    finally:
        server.stop()
        receiver.close()
    print(f"stateful: {len(steps)} calls, {sum('{' in s for s in steps)} on created rows")
    unexpected = sorted({f for f in found if _known(*f[:3]) is None})
    assert unexpected == [], "\n".join(map(str, unexpected))
    assert len(steps) >= STATEFUL_EXAMPLES and any(" /api/v1/" in s and "{id}" in s for s in steps)
    assert "Traceback" not in server.stderr(), server.stderr()
