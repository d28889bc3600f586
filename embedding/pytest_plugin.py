"""pytest fixtures for projects that test against Golden Record (a `pytest11` plugin).

- `goldenrecord_session`: one instance for the whole test session (fast; tests share data)
- `goldenrecord`: a fresh instance, on an empty database, for one test
- `goldenrecord_client`: a requests session on the session-wide instance, admin key preset,
  taking paths: `goldenrecord_client.get("/api/v1/roles")`
- `goldenrecord_overrides`: the configuration overrides both use; override this fixture
  in a conftest.py to configure them (session scope)

Golden Record is imported only when collected tests use these fixtures, so merely having
the plugin installed costs a test run nothing.
"""
import pytest

FIXTURES = {"goldenrecord_session", "goldenrecord", "goldenrecord_client"}


def pytest_collection_finish(session):
    """Warm a spare child up while pytest gets to the first test that needs one."""
    if any(FIXTURES & set(getattr(item, "fixturenames", ())) for item in session.items):
        from goldenrecord.embedding.instance import prepare

        prepare()


@pytest.fixture(scope="session")
def goldenrecord_overrides():
    return {}


@pytest.fixture(scope="session")
def goldenrecord_session(goldenrecord_overrides):
    from goldenrecord.embedding import running

    with running(goldenrecord_overrides) as instance:
        yield instance


@pytest.fixture
def goldenrecord(goldenrecord_overrides):
    from goldenrecord.embedding import running

    with running(goldenrecord_overrides) as instance:
        yield instance


@pytest.fixture
def goldenrecord_client(goldenrecord_session):
    with goldenrecord_session.client() as session:
        yield session
