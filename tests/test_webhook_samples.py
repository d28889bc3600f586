"""The verification samples of docs/webhooks.md, run as written against real deliveries."""
import base64
import json
import re
import shutil
import subprocess

import falcon.testing
import pytest

import apps
from support import ROOT, Receiver, assert_envelope

GUIDE = ROOT / "docs" / "webhooks.md"
OTHER_SECRET = "whsec_" + base64.b64encode(b"not the subscription's secret!!!").decode()
NODE_HARNESS = """
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(input.map((c) => {
  try {
    return verifyWebhook(c.secret, c.headers, Buffer.from(c.body, "base64"), 300, c.now).event;
  } catch (error) {
    return "refused";
  }
})));
"""


def sample(language, containing):
    """The guide's fenced `language` block that contains `containing`."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```", GUIDE.read_text(), re.S | re.M)
    [block] = [block for block in blocks if containing in block]
    return block


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    """(secret, headers, raw body) of one real delivery of organization.created."""
    config = apps.config_for(tmp_path_factory.mktemp("samples") / "wh.db",
                             **{"webhooks.allow_private_targets": "true"})
    receiver = Receiver()
    try:
        with apps.service(config) as service:
            client = falcon.testing.TestClient(service.app)
            _, key = service.store.api_keys.create(name="admin", scopes=["*:*"])
            headers = {"Authorization": f"Bearer {key}"}
            hook = assert_envelope(client.simulate_post(
                "/api/v1/webhooks", json={"name": "h", "url": receiver.url, "events": ["*"]},
                headers=headers), 201)
            assert_envelope(client.simulate_post(
                "/api/v1/organizations", json={"name": "Acme", "slug": "acme"}, headers=headers), 201)
            [request] = receiver.wait_for(1)
    finally:
        receiver.close()
    return hook["secret"], request["headers"], request["body"]


def cases(delivery):
    """The genuine delivery, then four that must be refused: (secret, headers, body, now)."""
    secret, headers, body = delivery
    signed_at = int(headers.get("webhook-timestamp") or headers["Webhook-Timestamp"])
    unsigned = {name: value for name, value in headers.items() if name.lower() != "webhook-signature"}
    return [
        (secret, headers, body, signed_at),
        (secret, headers, body.replace(b"Acme", b"Evil"), signed_at),
        (OTHER_SECRET, headers, body, signed_at),
        (secret, headers, body, signed_at + 301),
        (secret, unsigned, body, signed_at),
    ]


EXPECTED = ["organization.created", "refused", "refused", "refused", "refused"]


def test_the_python_sample_accepts_a_real_delivery_and_refuses_forgeries(delivery):
    namespace = {}
    exec(sample("python", "def verify_webhook"), namespace)
    results = []
    for secret, headers, body, now in cases(delivery):
        try:
            results.append(namespace["verify_webhook"](secret, headers, body, now=now)["event"])
        except ValueError:
            results.append("refused")
    assert results == EXPECTED


@pytest.mark.slow
def test_the_javascript_sample_accepts_a_real_delivery_and_refuses_forgeries(delivery, tmp_path):
    node = shutil.which("node")
    assert node, "node is needed to run the guide's JavaScript sample (.ci/run installs npm, which brings it)"
    script = tmp_path / "verify.js"
    script.write_text(sample("js", "function verifyWebhook") + NODE_HARNESS)
    given = [{"secret": secret, "headers": headers, "body": base64.b64encode(body).decode(), "now": now}
             for secret, headers, body, now in cases(delivery)]
    run = subprocess.run([node, str(script)], input=json.dumps(given), capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == EXPECTED
