"""GET /: an index with links for programs, and browsers sent on to the dashboard."""
import falcon.testing
import pytest

import goldenrecord
from goldenrecord import restapi
from support import FakeClock, assert_envelope

LINKS = {"admin": "/admin", "docs": "/docs", "openapi": "/api/v1/openapi.json",
         "health": "/healthz", "ready": "/readyz"}
# What Chromium sends when a person types the address.
BROWSER = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
           "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")


@pytest.mark.parametrize("accept", [None, "*/*", "application/json",
                                    "application/json, text/html"])
def test_programs_get_the_index_without_a_key(client, accept):
    result = client.simulate_get("/", headers={"Accept": accept} if accept else {})
    data = assert_envelope(result, 200)
    assert data == {"name": "Golden Record", "version": goldenrecord.__version__,
                    "links": LINKS}


def test_every_link_answers_without_a_key(client):
    links = assert_envelope(client.simulate_get("/"), 200)["links"]
    for name, path in links.items():
        assert client.simulate_get(path).status_code == 200, name


@pytest.mark.parametrize("accept", [BROWSER, "text/html", "text/*"])
def test_browsers_are_sent_to_the_dashboard(client, accept):
    result = client.simulate_get("/", headers={"Accept": accept})
    assert assert_envelope(result, 303)["links"] == LINKS  # the same answer, for a reader
    assert result.headers["Location"] == "/admin"


def test_without_the_dashboard_nothing_links_to_it(store):
    """The API alone (no extension) lists only what it serves and keeps browsers on JSON."""
    app = restapi.build_app(store, goldenrecord.Config(), clock=FakeClock(), version="9",
                            metrics=goldenrecord.metrics_for(store))
    result = falcon.testing.TestClient(app).simulate_get("/", headers={"Accept": BROWSER})
    data = assert_envelope(result, 200)
    assert data["links"] == {k: v for k, v in LINKS.items() if k != "admin"}


def test_the_document_describes_both_answers(client):
    answers = client.simulate_get("/api/v1/openapi.json").json["paths"]["/"]["get"]["responses"]
    assert answers["303"]["headers"]["Location"]["required"] is True
    assert answers["303"]["content"] == answers["200"]["content"]
