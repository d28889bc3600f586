"""Input the decoders accept but the storage cannot hold: a 400 naming the field, never a
500, and nothing changed. Lone UTF-16 surrogates, nesting past the body's limit, and
dates at the ends of the calendar that overflow when converted to UTC."""
import json

import pytest

from support import assert_envelope

ORGS = "/api/v1/organizations"
JSON = {"Content-Type": "application/json"}


def _post(client, admin, path, raw):
    return client.simulate_post(path, body=raw, headers={**admin, **JSON})


def _nothing_stored(client, admin):
    listed = client.simulate_get(ORGS, params={"includeStaging": "true"}, headers=admin)
    users = client.simulate_get("/api/v1/users", headers=admin)
    return listed.json["meta"]["total"] == 0 and users.json["meta"]["total"] == 0


# Raw JSON text, since json.dumps would refuse nothing but also hide the escapes.
@pytest.mark.parametrize("path, raw, field", [
    (ORGS, r'{"name": "Acme \ud800", "slug": "acme"}', "name"),
    (ORGS, r'{"name": "Acme", "slug": "acme", "metadata": {"note": "\udfff"}}', "metadata"),
    (ORGS, r'{"name": "Acme", "slug": "acme", "metadata": {"\udc00": 1}}', "metadata"),
    (ORGS, r'{"name": "Acme", "slug": "acme", "metadata": {"a": [{"b": ["x\ud83d"]}]}}', "metadata"),
    (ORGS, r'{"name": "Acme", "slug": "acme", "domain\ud800": "acme.com"}', "body"),
    ("/api/v1/users", r'{"email": "jane@example.com", "lastName": "\uDE00Doe"}', "lastName"),
    ("/api/v1/keys", r'{"name": "\ud800", "scopes": ["users:read"]}', "name"),
    ("/api/v1/webhooks", r'{"name": "h", "url": "https://example.com/\ud800", "events": ["*"]}',
     "url"),
])
def test_lone_surrogates_are_400_naming_the_field(client, admin, path, raw, field):
    assert_envelope(_post(client, admin, path, raw), 400, "GR_VALIDATION_ERROR", field)
    assert _nothing_stored(client, admin)


def test_surrogate_pairs_are_characters_and_accepted(client, admin):
    raw = r'{"name": "Acme \ud83d\ude00", "slug": "acme", "metadata": {"\ud83d\ude00": "\\ud800"}}'
    org = assert_envelope(_post(client, admin, ORGS, raw), 201)
    assert org["name"] == "Acme \U0001F600"
    assert org["metadata"] == {"\U0001F600": "\\ud800"}  # an escaped backslash is just text


def _nested(levels):
    """metadata holding `levels` objects, one inside the other."""
    return '{"name": "A", "slug": "a", "metadata": ' + '{"a": ' * levels + "1" + "}" * levels + "}"


@pytest.mark.parametrize("levels, field", [
    (6, "metadata"),      # past metadata's own limit of 5
    (40, "body"),         # past the body's 32 levels
    (900, "body"),        # decodes, but would overflow the stack of a recursive check
    (100_000, "body"),    # the decoder itself gives up
])
def test_nesting_past_the_limits_is_400(client, admin, levels, field):
    assert_envelope(_post(client, admin, ORGS, _nested(levels)), 400, "GR_VALIDATION_ERROR", field)
    assert _nothing_stored(client, admin)


def test_nested_arrays_count_as_levels_too(client, admin):
    raw = '{"name": "A", "slug": "a", "metadata": {"a": ' + "[" * 900 + "]" * 900 + "}}"
    assert_envelope(_post(client, admin, ORGS, raw), 400, "GR_VALIDATION_ERROR", "body")


def test_metadata_at_its_depth_limit_is_accepted(client, admin):
    org = assert_envelope(_post(client, admin, ORGS, _nested(5)), 201)
    assert json.dumps(org["metadata"]).count("{") == 5


EDGES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


@pytest.mark.parametrize("moment", EDGES)
def test_key_expiry_that_overflows_utc_is_400(client, admin, moment):
    result = client.simulate_post("/api/v1/keys", headers=admin, json={
        "name": "k", "scopes": ["users:read"], "expiresAt": moment})
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", "expiresAt")


@pytest.mark.parametrize("parameter", ["startDate", "endDate"])
@pytest.mark.parametrize("moment", EDGES)
def test_analytics_dates_that_overflow_utc_are_400(client, admin, parameter, moment):
    result = client.simulate_get("/api/v1/analytics", params={parameter: moment}, headers=admin)
    assert_envelope(result, 400, "GR_VALIDATION_ERROR", parameter)


def test_analytics_end_in_the_first_week_of_year_1_starts_at_year_1(client, admin):
    result = client.simulate_get("/api/v1/analytics", params={"endDate": "0001-01-03T00:00:00Z"},
                                 headers=admin)
    meta = assert_envelope(result, 200) and result.json["meta"]
    assert (meta["startDate"], meta["endDate"]) == ("0001-01-01T00:00:00Z", "0001-01-03T00:00:00Z")


# The field rules live below the HTTP layer (store/rules.py); what they say about the
# limit a value broke must still reach the client in `details`.
@pytest.mark.parametrize("path, body, field, details", [
    ("/api/v1/users", {"email": "jane@example.com", "firstName": "J" * 101}, "firstName",
     {"maxLength": 100}),
    (ORGS, {"name": "Acme", "slug": "Not A Slug"}, "slug",
     {"pattern": "Slug must contain only lowercase letters, numbers, and hyphens"}),
    ("/api/v1/keys", {"name": "k", "scopes": ["users:read"], "tier": "gold"}, "tier",
     {"allowed": ["free", "basic", "pro", "enterprise"]}),
])
def test_a_broken_rule_says_its_limit_in_details(client, admin, path, body, field, details):
    error = assert_envelope(client.simulate_post(path, json=body, headers=admin), 400,
                            "GR_VALIDATION_ERROR", field)
    assert error["details"] == details
    assert _nothing_stored(client, admin)
