"""What the SCIM tests (test_scim_*.py) share: the protocol's names, the IdP's headers and
the check of a SCIM error; the fixtures `org` and `idp` (imported by the test modules)."""
import pytest

SCIM = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
CONTENT = "application/scim+json"


def idp_headers(keys, org_id):
    """An IdP's bearer token: the organization's key with scim:write only."""
    return {**keys.headers("scim:write", org=org_id), "Content-Type": CONTENT}


def scim_error(result, status, scim_type=None):
    """The SCIM Error message `result` must be: its status, content type and scimType."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"] == CONTENT
    body = result.json
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    assert body.get("scimType") == scim_type
    return body


@pytest.fixture
def org(make):
    """The organization the IdP provisions."""
    return make.org()


@pytest.fixture
def idp(keys, org):
    """The IdP's headers for `org`."""
    return idp_headers(keys, org["id"])
