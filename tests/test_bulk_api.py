"""POST /organizations/bulk and /users/bulk (issue 25, the dashboard's CSV import): a dry
run lists every bad row; a write is all or nothing, through the same rules and the same
store bulk create as the one-record creates."""
import pytest

from support import assert_envelope

ORGS = "/api/v1/organizations/bulk"
USERS = "/api/v1/users/bulk"


def _post(client, path, headers, **body):
    return client.simulate_post(path, json=body, headers=headers)


def _org_count(client, admin):
    result = client.simulate_get("/api/v1/organizations", params={"includeStaging": "true"},
                                 headers=admin)
    return result.json["meta"]["total"]


def test_a_dry_run_checks_and_writes_nothing(client, admin):
    before = _org_count(client, admin)
    data = assert_envelope(_post(client, ORGS, admin, dryRun=True, records=[
        {"name": "Alpha", "slug": "alpha"}, {"name": "Beta", "slug": "beta", "metadata": {"a": 1}}]), 200)
    assert data == {"dryRun": True, "count": 2, "created": []}
    assert _org_count(client, admin) == before


def test_every_bad_row_is_named_and_nothing_is_written(client, admin, make):
    make.org(slug="taken")
    before = _org_count(client, admin)
    for dry_run in (True, False):
        error = assert_envelope(_post(client, ORGS, admin, dryRun=dry_run, records=[
            {"name": "Good", "slug": "good-one"},
            {"name": "Bad slug", "slug": "Not A Slug"},
            {"name": "Taken", "slug": "taken"},
            {"name": "Twice", "slug": "good-one"},
            "not an object",
            {"slug": "no-name"},
            {"name": "Meta", "slug": "meta", "metadata": "not an object"},
        ]), 400, "GR_VALIDATION_ERROR", "records")
        rows = error["details"]["rows"]
        assert [(r["index"], r["field"]) for r in rows] == [
            (1, "slug"), (2, "slug"), (3, "slug"), (4, None), (5, "name"), (6, "metadata")]
        assert "already exists" in rows[1]["message"] and "already exists" in rows[2]["message"]
        assert _org_count(client, admin) == before  # the good row was not written either


def test_a_write_creates_them_all_in_staging_with_their_events(client, admin, store):
    data = assert_envelope(_post(client, ORGS, admin, records=[
        {"name": "Gamma", "slug": "gamma", "domain": "gamma.io"}, {"name": "Delta", "slug": "delta"}]), 200)
    assert data["dryRun"] is False and data["count"] == 2
    assert [(o["slug"], o["isVerified"], o["domain"]) for o in data["created"]] == [
        ("gamma", False, "gamma.io"), ("delta", False, None)]
    one = assert_envelope(client.simulate_get(f"/api/v1/organizations/{data['created'][0]['id']}",
                                              headers=admin), 200)
    assert one["name"] == "Gamma"
    found = client.simulate_get("/api/v1/organizations/autocomplete",
                                params={"q": "gamma", "includeStaging": "true"}, headers=admin)
    assert [hit["slug"] for hit in found.json["data"]] == ["gamma"]  # indexed for search


def test_users_in_bulk_and_an_org_scoped_key_s_join_its_organization(client, admin, keys, make):
    org = make.org()
    scoped = keys.headers("users:create", "users:read", org=org["id"])
    data = assert_envelope(_post(client, USERS, scoped, records=[
        {"email": "ann@example.com", "firstName": "Ann"}, {"email": "bo@example.com"}]), 200)
    assert [u["email"] for u in data["created"]] == ["ann@example.com", "bo@example.com"]
    members = client.simulate_get("/api/v1/memberships", params={"organizationId": org["id"]},
                                  headers=admin).json["data"]
    assert sorted(m["user"]["email"] for m in members) == ["ann@example.com", "bo@example.com"]
    error = assert_envelope(_post(client, USERS, admin, records=[
        {"email": "ANN@example.com"}, {"email": "not-an-email"}]), 400, "GR_VALIDATION_ERROR", "records")
    assert [(r["index"], r["field"]) for r in error["details"]["rows"]] == [(0, "email"), (1, "email")]


def test_an_org_scoped_key_cannot_create_organizations_in_bulk(client, keys, make):
    org = make.org()
    scoped = keys.headers("organizations:create", org=org["id"])
    assert_envelope(_post(client, ORGS, scoped, records=[{"name": "X", "slug": "x-org"}]), 403,
                    "GR_ORG_SCOPE_VIOLATION")


@pytest.mark.parametrize("records", [[], [{"name": "n", "slug": "s"}] * 1001, "rows", None])
def test_records_must_be_one_to_a_thousand(client, admin, records):
    assert_envelope(_post(client, ORGS, admin, records=records), 400, "GR_VALIDATION_ERROR", "records")
