"""The pytest plugin, used the way a consuming project uses it: a project of its own, with
its own top-level `store` and `search` packages, run by pytest in a separate process."""
import textwrap

import pytest

pytestmark = pytest.mark.slow  # runs a consuming project's pytest in a child process

pytest_plugins = ["pytester"]

CONSUMER_TESTS = """
    import goldenrecord.search
    import goldenrecord.store
    import search
    import store


    def test_the_host_packages_and_ours_both_work(goldenrecord_client):
        assert store.save("x") == "saved x by the host's store"
        assert search.find("x") == "found x by the host's search"
        assert store.__file__.startswith(HERE) and search.__file__.startswith(HERE)
        assert hasattr(goldenrecord.store, "Store") and hasattr(goldenrecord.search, "find")
        assert not goldenrecord.store.__file__.startswith(HERE)
        assert goldenrecord_client.get("/api/v1/roles").status_code == 200


    def test_the_session_instance_is_shared(goldenrecord_session, goldenrecord_client):
        created = goldenrecord_client.post("/api/v1/organizations", json={"name": "A", "slug": "a"})
        assert created.status_code == 201
        listed = goldenrecord_session.session.get("/api/v1/organizations?includeStaging=true")
        assert listed.json()["meta"]["total"] >= 1


    def test_a_fresh_instance_starts_empty(goldenrecord, goldenrecord_session):
        assert goldenrecord.url != goldenrecord_session.url
        listed = goldenrecord.session.get("/api/v1/organizations?includeStaging=true")
        assert listed.json()["meta"]["total"] == 0
        key = goldenrecord.create_key(scopes=["users:read"])
        with goldenrecord.client(key) as client:
            assert client.get("/api/v1/users").status_code == 200
            assert client.get("/api/v1/roles").status_code == 403


    SPARES = []


    def test_a_fresh_instance_leaves_spares(goldenrecord):
        from goldenrecord.embedding import instance
        SPARES.extend(child.proc.pid for child in instance._spares.waiting())


    def test_the_next_fresh_instance_is_a_warm_spare(goldenrecord):
        assert goldenrecord.process.proc.pid in SPARES


    def test_overrides_come_from_the_conftest(goldenrecord, goldenrecord_client):
        for client in (goldenrecord.session, goldenrecord_client):
            assert client.get("/api/v1/roles").headers["X-RateLimit-Limit"] == "777"
"""

CONFTEST = """
    import pytest


    @pytest.fixture(scope="session")
    def goldenrecord_overrides():
        return {"rate_limits.enabled": True, "rate_limits.enterprise": 777}  # the admin key's tier
"""


def test_a_consuming_project_with_its_own_store_and_search(pytester):
    pytester.makepyfile(**{
        "store/__init__.py": "def save(x):\n    return f\"saved {x} by the host's store\"\n",
        "search/__init__.py": "def find(x):\n    return f\"found {x} by the host's search\"\n",
        "conftest.py": textwrap.dedent(CONFTEST),
        "test_consumer.py": f"HERE = {str(pytester.path)!r}\n" + textwrap.dedent(CONSUMER_TESTS),
    })
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
