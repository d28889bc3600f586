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
