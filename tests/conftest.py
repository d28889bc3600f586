import falcon.testing
import pytest

import apps
import postgres
from support import FakeClock, Receiver


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, skip the tests of what only SQLite has (postgres.py)."""
    if not postgres.enabled():
        return
    skip = pytest.mark.skip(reason="SQLite-specific (its files, pragmas or sqlite3 edits); "
                                   "the suite runs on PostgreSQL")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of this session: GOLDENRECORD_TEST_DATABASE_URL's, or a
    throwaway cluster started for the PostgreSQL tests of a run on SQLite."""
    if postgres.enabled():
        yield postgres.URL
        return
    cluster = postgres.Cluster()
    postgres.use_server(cluster.url)
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """The migrated PostgreSQL database each test's is copied from (postgres.py)."""
    template = postgres.Template()
    yield template
    template.close()


@pytest.fixture
def pg_config(pg_template, tmp_path):
    """The configuration of an instance on a fresh PostgreSQL database, whichever engine
    the rest of the suite runs on."""
    name, url = pg_template.copy()
    try:
        yield apps.config_for(tmp_path / "unused.db", **UNLIMITED, **{
            "database.url": url, "database.secret_key": pg_template.key})
    finally:
        postgres.drop(name)


@pytest.fixture
def clock():
    return FakeClock()


# Tier limits high enough that only the rate-limit tests meet them.
UNLIMITED = {f"rate_limits.{tier}": 10**9 for tier in ("free", "basic", "pro", "enterprise")}


@pytest.fixture
def config(request, tmp_path):
    """The configuration of a test's instance: on SQLite at tmp_path/gr.db, or on a fresh
    PostgreSQL database when GOLDENRECORD_TEST_DATABASE_URL is set (postgres.py)."""
    if not postgres.enabled():
        yield apps.config_for(tmp_path / "gr.db", **UNLIMITED)
        return
    yield request.getfixturevalue("pg_config")


@pytest.fixture
def service(config, clock):
    with apps.service(config, clock=clock) as instance:
        yield instance


@pytest.fixture
def store(service):
    return service.store


@pytest.fixture
def app(service):
    return service.app


@pytest.fixture
def client(app):
    return falcon.testing.TestClient(app)


class Keys:
    """Mints API keys straight in the store and returns ready Authorization headers."""

    def __init__(self, store):
        self.store = store

    def headers(self, *scopes, org=None, **options):
        _, plaintext = self.store.api_keys.create(
            name="test", scopes=list(scopes) or ["*:*"], organization_id=org, **options)
        return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def keys(store):
    return Keys(store)


@pytest.fixture
def admin(keys):
    return keys.headers("*:*")


@pytest.fixture
def make(client, admin):
    """Create resources through the API as the admin: make.org(...), make.user(...)."""
    return Factory(client, admin)


class Factory:
    def __init__(self, client, headers):
        self.client = client
        self.headers = headers
        self.count = 0

    def _post(self, path, body):
        result = self.client.simulate_post(path, json=body, headers=self.headers)
        assert result.status_code == 201, result.text
        return result.json["data"]

    def org(self, verified=True, **fields):
        self.count += 1
        body = {"name": f"Org {self.count}", "slug": f"org-{self.count}", **fields}
        org = self._post("/api/v1/organizations", body)
        if verified:
            self.client.simulate_post(f"/api/v1/organizations/{org['id']}/verify",
                                      json={"isVerified": True}, headers=self.headers)
            org["isVerified"] = True
        return org

    def user(self, **fields):
        self.count += 1
        return self._post("/api/v1/users", {"email": f"user{self.count}@example.com", **fields})

    def key(self, **fields):
        return self._post("/api/v1/keys", {"name": "made", "scopes": ["users:read"], **fields})

    def invitation(self, org, email, **fields):
        """A pending invitation, with its token (shown only in this answer)."""
        return self._post("/api/v1/invitations",
                          {"email": email, "organizationId": org["id"], **fields})

    def membership(self, org, user, **fields):
        return self._post("/api/v1/memberships",
                          {"organizationId": org["id"], "userId": user["id"], **fields})


@pytest.fixture(scope="module")
def module_receiver():
    """A webhook receiver on loopback shared by a module's tests (live-server suites)."""
    server = Receiver()
    yield server
    server.close()
