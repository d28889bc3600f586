"""`isActive` filters the organization and user lists (the reference's soft-delete flag);
absent, a list holds both, as before."""
import pytest

from support import assert_envelope, traced_statements

V1 = "/api/v1"


def _ids(client, headers, path, **params):
    result = client.simulate_get(V1 + path, params=params, headers=headers)
    items = assert_envelope(result, 200)
    assert result.json["meta"]["total"] == len(items)
    return {item["id"] for item in items}


def _deactivate(client, admin, path):
    assert_envelope(client.simulate_put(V1 + path, json={"isActive": False}, headers=admin), 200)


def test_organizations_by_state(client, admin, make):
    active, gone = make.org(name="Acme Active"), make.org(name="Acme Gone")
    staging_gone = make.org(name="Acme Staging", verified=False)
    for org in (gone, staging_gone):
        _deactivate(client, admin, f"/organizations/{org['id']}")
    assert _ids(client, admin, "/organizations") == {active["id"], gone["id"]}
    assert _ids(client, admin, "/organizations", isActive="true") == {active["id"]}
    assert _ids(client, admin, "/organizations", isActive="false") == {gone["id"]}
    assert _ids(client, admin, "/organizations", isActive="false", includeStaging="true") == {
        gone["id"], staging_gone["id"]}
    assert _ids(client, admin, "/organizations", isActive="false", search="acme") == {gone["id"]}
    assert _ids(client, admin, "/organizations", isActive="true", search="acme") == {active["id"]}


def test_users_by_state_within_an_organization_too(client, admin, make):
    org = make.org()
    active, gone, outsider = make.user(), make.user(), make.user()
    make.membership(org, active)
    make.membership(org, gone)
    _deactivate(client, admin, f"/users/{gone['id']}")
    assert _ids(client, admin, "/users", isActive="true") == {active["id"], outsider["id"]}
    assert _ids(client, admin, "/users", isActive="false") == {gone["id"]}
    assert _ids(client, admin, "/users", isActive="false", organizationId=org["id"]) == {gone["id"]}
    assert _ids(client, admin, "/users", isActive="true", organizationId=org["id"]) == {active["id"]}
    assert _ids(client, admin, "/users", isActive="false", search=gone["email"]) == {gone["id"]}
    found = _ids(client, admin, "/users", isActive="true", search=gone["email"])
    assert gone["id"] not in found and active["id"] in found  # similar addresses match too


def test_an_organization_scoped_key_filters_within_its_organization(client, admin, keys, make):
    org = make.org()
    member = make.user()
    make.membership(org, member)
    scoped = keys.headers("*:*", org=org["id"])
    assert _ids(client, scoped, "/organizations", isActive="true") == {org["id"]}
    assert _ids(client, scoped, "/users", isActive="false") == set()
    _deactivate(client, admin, f"/organizations/{org['id']}")
    _deactivate(client, admin, f"/users/{member['id']}")
    assert _ids(client, scoped, "/organizations", isActive="true") == set()
    assert _ids(client, scoped, "/organizations", isActive="false") == {org["id"]}
    assert _ids(client, scoped, "/users", isActive="false") == {member["id"]}


@pytest.mark.parametrize("path", ["/organizations", "/users"])
def test_a_bad_flag_is_refused_naming_it(client, admin, path):
    assert_envelope(client.simulate_get(V1 + path, params={"isActive": "maybe"}, headers=admin),
                    400, "GR_VALIDATION_ERROR", "isActive")


@pytest.mark.sqlite_only  # reads SQLite's query plan (EXPLAIN QUERY PLAN)
@pytest.mark.parametrize("path, params", [
    ("/organizations", {}), ("/organizations", {"includeStaging": "true"}), ("/users", {})])
def test_a_page_of_inactive_records_seeks_their_own_index(client, admin, store, path, params):
    """Inactive rows are few: their page must not walk every active row to find them
    (m0017's partial indexes)."""
    with traced_statements(store) as statements:
        assert_envelope(client.simulate_get(V1 + path, params={**params, "isActive": "false"},
                                            headers=admin), 200)
    # the page's statement (its rows in list order; store/pages.py)
    [page] = [s for s in statements if "ORDER BY T.CREATED_AT, T.ID" in s.upper()]
    plan = " ".join(row[3] for row in store.db.execute_sql("EXPLAIN QUERY PLAN " + page))
    assert "inactive" in plan, plan
