from support import assert_envelope


def test_health(client):
    data = assert_envelope(client.simulate_get("/healthz"), 200)
    assert data == {"status": "ok"}


def test_factory(client, make, admin):
    org = make.org()
    user = make.user()
    make.membership(org, user)
    data = assert_envelope(client.simulate_get("/api/v1/memberships", headers=admin), 200)
    assert len(data) == 1
