"""HEAD on every GET route answers as GET does, without a body; OPTIONS names the same
methods as a 405 on that route (restapi/methods.py)."""
import re

import pytest

from support import assert_envelope

# headers that differ between any two requests
PER_REQUEST = {"x-request-id", "x-ratelimit-remaining", "date", "set-cookie"}
# answers that count the requests before them, so their length moves from one to the next
COUNTING = {"/metrics"}


@pytest.fixture
def world(make):
    org, user = make.org(), make.user()
    membership = make.membership(org, user)
    return {"id": org["id"], "org_id": org["id"], "user_id": user["id"],
            "membership_id": membership["id"], "path": "app.js"}


def _paths(app, world):
    """A concrete path of every route in the app's table, its parameters filled from `world`
    (a parameter it does not know gets a value no record has)."""
    for template, _resource, _suffix in app.routes:
        yield re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: world.get(m.group(1), "none"), template)


def _headers(path, result):
    varying = PER_REQUEST | ({"content-length"} if path in COUNTING else set())
    return {name: value for name, value in result.headers.items()
            if name.lower() not in varying}


def test_head_answers_like_get_without_a_body(client, app, admin, world):
    checked = 0
    for path in _paths(app, world):
        got = client.simulate_get(path, headers=admin)
        if got.status_code == 405:
            continue  # no GET here: HEAD is 405 as well (below)
        head = client.simulate_head(path, headers=admin)
        assert head.status_code == got.status_code, path
        assert _headers(path, head) == _headers(path, got), path
        assert head.content == b"", path
        checked += 1
    assert checked >= 20


def test_head_needs_what_get_needs(client, world):
    assert client.simulate_head(f"/api/v1/organizations/{world['id']}").status_code == 401


def test_options_allow_is_the_405_allow(client, app, admin, world):
    for path in _paths(app, world):
        options = client.simulate_options(path, headers=admin)
        assert options.status_code == 200, path
        allowed = options.headers["Allow"].split(", ")
        assert "OPTIONS" in allowed and ("HEAD" in allowed) == ("GET" in allowed), path
        other = next(m for m in ("PATCH", "TRACE", "PUT", "POST") if m not in allowed)
        refused = client.simulate_request(other, path, headers=admin)
        if path.startswith("/scim/"):  # SCIM's own error format (tests/test_scim_service.py)
            assert refused.status_code == 405 and refused.json["status"] == "405", path
        else:
            assert_envelope(refused, 405, "GR_METHOD_NOT_ALLOWED")
        assert refused.headers["Allow"] == options.headers["Allow"], path


def test_head_needs_the_scope_get_needs(client, keys, world):
    path = f"/api/v1/organizations/{world['id']}"
    assert client.simulate_head(path, headers=keys.headers("users:read")).status_code == 403
    assert client.simulate_head(path, headers=keys.headers("organizations:read")).status_code == 200
