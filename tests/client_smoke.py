"""A smoke run of the Python client that openapi-python-client generates from our document.

Run by tests/test_doc_tools.py with the generated package (`golden_record_api_client`) on
PYTHONPATH, against a real `goldenrecord serve` whose `free` tier allows a few requests a
minute:

    python client_smoke.py BASE_URL ADMIN_KEY WEBHOOK_URL

Everything goes through the generated functions and models, as a user of the client would
write it: create an organization, walk a list page by page, create a user and a
membership, subscribe a webhook, and read `Retry-After` from a 429. Prints one line per
step; any failure is an exception (exit status 1).
"""
import sys

from golden_record_api_client import AuthenticatedClient
from golden_record_api_client.api.keys import create_key
from golden_record_api_client.api.memberships import create_membership
from golden_record_api_client.api.organizations import create_organization, list_organizations
from golden_record_api_client.api.users import create_user, get_user
from golden_record_api_client.api.webhooks import create_webhook
from golden_record_api_client.models import (CreateKeyBody, CreateKeyBodyScopesItem,
                                             CreateKeyBodyTier, CreateMembershipBody,
                                             CreateOrganizationBody, CreateUserBody,
                                             CreateWebhookBody, CreateWebhookBodyEventsItem,
                                             ErrorEnvelope)


def created(answer, status=201):
    """The parsed answer of a call that must have succeeded with `status`."""
    assert answer.status_code == status, (answer.status_code, answer.content)
    return answer.parsed.data


def walk(client, page_size):
    """Every organization, following `meta.nextCursor` page by page."""
    seen, cursor, pages = [], None, 0
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        page = list_organizations.sync(client=client, limit=page_size, include_staging=True,
                                       **kwargs)
        seen += [org.slug for org in page.data]
        pages += 1
        if not page.meta.has_more:
            return seen, pages
        cursor = page.meta.next_cursor


def main(base_url, admin_key, webhook_url):
    admin = AuthenticatedClient(base_url=base_url, token=admin_key, raise_on_unexpected_status=True)
    slugs = [f"smoke-{n}" for n in range(3)]
    orgs = [created(create_organization.sync_detailed(
        client=admin, body=CreateOrganizationBody(name=f"Smoke {n}", slug=slug)))
        for n, slug in enumerate(slugs)]
    print("created organizations", [org.id for org in orgs])

    seen, pages = walk(admin, page_size=2)
    assert seen == slugs and pages == 2, (seen, pages)
    print("walked", len(seen), "organizations in", pages, "pages")

    user = created(create_user.sync_detailed(client=admin, body=CreateUserBody(
        email="smoke@example.com", first_name="Smoke")))
    assert get_user.sync(user.id, client=admin).data.email == "smoke@example.com"
    member = created(create_membership.sync_detailed(client=admin, body=CreateMembershipBody(
        organization_id=orgs[0].id, user_id=user.id)))
    assert (member.user.id, member.role_id, member.is_owner) == (user.id, "role_member", False)
    print("created user", user.id, "and membership", member.id)

    hook = created(create_webhook.sync_detailed(client=admin, body=CreateWebhookBody(
        name="smoke", url=webhook_url,
        events=[CreateWebhookBodyEventsItem("organization.created")])))
    assert hook.secret.startswith("whsec_")
    print("created webhook", hook.id)

    free = created(create_key.sync_detailed(client=admin, body=CreateKeyBody(
        name="smoke-free", scopes=[CreateKeyBodyScopesItem("organizations:read")],
        tier=CreateKeyBodyTier.FREE)))
    limited = AuthenticatedClient(base_url=base_url, token=free.key)
    for attempt in range(1, 100):
        answer = list_organizations.sync_detailed(client=limited)
        if answer.status_code == 429:
            break
        assert answer.status_code == 200, (answer.status_code, answer.content)
    else:
        raise AssertionError("no 429 within 99 requests")
    assert isinstance(answer.parsed, ErrorEnvelope)
    assert answer.parsed.errors[0].code == "GR_RATE_LIMITED"
    retry_after = int(answer.headers["Retry-After"])
    assert 1 <= retry_after <= 60, retry_after
    print(f"429 after {attempt} requests; Retry-After: {retry_after}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
