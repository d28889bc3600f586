"""Many threads at once: uniqueness holds, and nothing answers 5xx."""
from support import assert_envelope, race


def test_same_slug_from_many_threads_gives_exactly_one_201(client, admin):
    results = race(16, lambda i: client.simulate_post(
        "/api/v1/organizations", json={"name": f"Racer {i}", "slug": "contested"}, headers=admin))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 15
    for r in results:
        if r.status_code == 409:
            assert_envelope(r, 409, "GR_DUPLICATE_SLUG", "slug")


def test_same_email_from_many_threads_gives_exactly_one_201(client, admin):
    results = race(16, lambda i: client.simulate_post(
        "/api/v1/users", json={"email": "SAME@example.com" if i % 2 else "same@example.com"},
        headers=admin))
    assert sorted(r.status_code for r in results) == [201] + [409] * 15


def test_mixed_load_never_5xx(client, admin, make):
    org = make.org()

    def work(i):
        user = client.simulate_post("/api/v1/users", json={"email": f"u{i}@example.com"}, headers=admin)
        member = client.simulate_post("/api/v1/memberships", json={
            "organizationId": org["id"], "userId": user.json["data"]["id"]}, headers=admin)
        listed = client.simulate_get("/api/v1/memberships", headers=admin)
        return [user.status_code, member.status_code, listed.status_code]

    results = race(12, work)
    assert all(codes == [201, 201, 200] for codes in results), results
    total = client.simulate_get("/api/v1/memberships", headers=admin).json["meta"]["total"]
    assert total == 12


def test_same_role_or_permission_slug_from_many_threads_gives_exactly_one_201(client, admin, make):
    """Issue 19: a role slug is unique in the whole environment, even when organization and
    environment roles race for it."""
    orgs = [make.org()["id"] for _ in range(2)]
    roles = race(12, lambda i: client.simulate_post("/api/v1/roles", headers=admin, json={
        "slug": "contested", "name": f"Racer {i}", **({"organizationId": orgs[i % 3]} if i % 3 < 2 else {})}))
    assert sorted(r.status_code for r in roles) == [201] + [409] * 11
    permissions = race(12, lambda i: client.simulate_post("/api/v1/permissions", headers=admin, json={
        "slug": "reports:export", "name": f"Racer {i}"}))
    assert sorted(r.status_code for r in permissions) == [201] + [409] * 11
    for results, code in ((roles, "GR_DUPLICATE_ROLE"), (permissions, "GR_DUPLICATE_PERMISSION")):
        for r in results:
            if r.status_code == 409:
                assert_envelope(r, 409, code, "slug")
