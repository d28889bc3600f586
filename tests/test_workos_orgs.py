"""WorkOS organizations and memberships: the fake's new endpoints checked with WorkOS's
own Python SDK, and the organization.* and organization_membership.* webhooks."""
import json

import pytest
import workos as workos_sdk

import apps
from fake_workos import (API_KEY, FakeWorkOS, workos_event, workos_membership,
                         workos_organization, workos_user)
from goldenrecord.store.models import Event, Membership, Organization, OrganizationDomain, User
from support import assert_envelope
from test_workos import admin_headers, api, deliver, workos_config  # noqa: F401 (fixtures)


@pytest.fixture
def fake():
    orgs = [workos_organization(n) for n in range(1, 4)]
    users = [workos_user(n) for n in range(1, 4)]
    server = FakeWorkOS(users, orgs, [workos_membership(1, orgs[0], users[0], role="admin"),
                                      workos_membership(2, orgs[0], users[1], status="pending")])
    yield server
    server.close()


@pytest.fixture
def gr(tmp_path, fake, clock):
    config = workos_config(tmp_path, fake, **{"workos.role_map": ["owner-role=admin"]})
    with apps.service(config, clock=clock) as instance:
        yield instance


def outcome(api, clock, n, event_type, data):
    response = deliver(api, clock, workos_event(n, event_type, data))
    return assert_envelope(response, 200)["outcome"]


def events_of(kind):
    return [json.loads(e.payload)["data"] for e in Event.select().where(Event.type == kind)]


# ----------------------------------------------------------------- the fake, by the SDK

def sdk(fake):
    return workos_sdk.WorkOSClient(api_key=API_KEY, client_id="client_fake", base_url=fake.url)


def test_the_sdk_pages_through_the_fakes_organizations(fake):
    fake.organizations = [workos_organization(n, domains=[(f"o{n}.com", "verified")])
                          for n in range(1, 16)]
    listed = list(sdk(fake).organizations.list_organizations(limit=4, order="asc")
                  .auto_paging_iter())
    assert [o.id for o in listed] == [o["id"] for o in fake.organizations]
    assert listed[0].domains[0].domain == "o1.com" and listed[0].name == "Organization 1"
    assert sdk(fake).organizations.get_organization(fake.organizations[2]["id"]).name == \
        "Organization 3"


def test_the_sdk_lists_the_fakes_memberships_by_organization_and_status(fake):
    memberships = sdk(fake).organization_membership.list_organization_memberships(
        organization_id=fake.organizations[0]["id"], statuses=["active"])
    [only] = list(memberships)
    assert only.id == fake.memberships[0]["id"] and only.user.email == "person1@example.com"
    assert [q.get("statuses") for _, path, q, _ in fake.requests
            if path.endswith("organization_memberships")] == ["active"]


def test_the_sdk_reads_the_fakes_events_with_its_filters(fake):
    org = fake.organizations[0]
    fake.events = [workos_event(1, "organization.created", org,
                                created_at="2026-01-01T00:00:00.000Z"),
                   workos_event(2, "organization_membership.created", fake.memberships[0],
                                created_at="2026-01-02T00:00:00.000Z"),
                   workos_event(3, "user.created", fake.users[0],
                                created_at="2026-01-03T00:00:00.000Z")]
    listed = list(sdk(fake).events.list_events(
        events=["organization.created", "organization_membership.created"], order="asc",
        range_start="2026-01-02T00:00:00.000Z"))
    assert [type(e).__name__ for e in listed] == ["OrganizationMembershipCreated"]
    assert listed[0].data.role.slug == "admin"
    query = fake.requests[-1][2]
    assert query["events"] == "organization.created,organization_membership.created"


# ------------------------------------------------------------------- organizations

def test_organization_created_creates_a_staging_organization(api, clock, admin_headers):
    data = workos_organization(1, name="Ação Corp", external_id="crm-1",
                               domains=[("pending.com", "pending"), ("acao.com", "verified")])
    assert outcome(api, clock, 1, "organization.created", data) == "created"
    org = Organization.get()
    assert (org.name, org.slug, org.domain, org.external_id, org.workos_org_id, org.is_verified) \
        == ("Ação Corp", "acao-corp", "acao.com", "crm-1", data["id"], False)
    shown = assert_envelope(api.simulate_get(f"/api/v1/organizations/{org.id}",
                                             headers=admin_headers), 200)
    assert shown["workosOrgId"] == data["id"] and shown["externalId"] == "crm-1"
    assert [e["name"] for e in events_of("organization.created")] == ["Ação Corp"]


def test_a_created_organizations_slug_is_made_unique(api, clock, gr):
    gr.store.organizations.create(name="Acme", slug="acme")
    outcome(api, clock, 1, "organization.created", workos_organization(1, name="Acme"))
    outcome(api, clock, 2, "organization.created", workos_organization(2, name="ACME!"))
    assert sorted(o.slug for o in Organization.select()) == ["acme", "acme-2", "acme-3"]


def test_an_organization_is_linked_by_its_domain_or_a_verified_domain(api, clock, gr):
    by_domain = gr.store.organizations.create(name="Mine", slug="mine", domain="Acme.com")
    verified = gr.store.organizations.create(name="Other", slug="other")
    OrganizationDomain.create(id="d1", organization=verified.id, domain="beta.com",
                              state="verified", verification_token="t",
                              verified_domain="beta.com", created_at=clock(), updated_at=clock())
    acme = workos_organization(1, name="Acme Inc", domains=[("acme.com", "verified")])
    beta = workos_organization(2, name="Beta", domains=[("beta.com", "verified")])
    assert outcome(api, clock, 1, "organization.created", acme) == "linked"
    assert outcome(api, clock, 2, "organization.created", beta) == "linked"
    assert Organization.get_by_id(by_domain.id).workos_org_id == acme["id"]
    assert Organization.get_by_id(by_domain.id).name == "Acme Inc"
    assert Organization.get_by_id(verified.id).workos_org_id == beta["id"]
    assert Organization.select().count() == 2


def test_organization_updates_apply_in_updated_at_order_once(api, clock):
    outcome(api, clock, 1, "organization.created", workos_organization(1))
    newer = workos_organization(1, name="Newer", updated_at="2026-02-02T00:00:00.000Z")
    older = workos_organization(1, name="Older", updated_at="2026-02-01T00:00:00.000Z")
    assert outcome(api, clock, 3, "organization.updated", newer) == "updated"
    assert outcome(api, clock, 2, "organization.updated", older) == "unchanged"
    assert outcome(api, clock, 3, "organization.updated", newer) == "duplicate"
    assert Organization.get().name == "Newer"
    assert [e["name"] for e in events_of("organization.updated")] == ["Newer"]


def test_organization_deleted_deactivates_and_keeps_it(api, clock):
    outcome(api, clock, 1, "organization.created", workos_organization(1))
    gone = workos_organization(1, updated_at="2026-03-01T00:00:00.000Z")
    assert outcome(api, clock, 2, "organization.deleted", gone) == "deactivated"
    assert Organization.get().is_active is False
    assert outcome(api, clock, 3, "organization.deleted", gone) == "unchanged"


def test_a_malformed_organization_event_is_a_4xx_naming_the_field(api, clock):
    response = deliver(api, clock, workos_event(1, "organization.created",
                                                workos_organization(1, name="  ")))
    assert_envelope(response, 400, "GR_VALIDATION_ERROR", "data.name")
    assert Organization.select().count() == 0


# --------------------------------------------------------------------- memberships

def test_membership_events_create_update_and_remove(api, clock, fake):
    org, user = fake.organizations[0], fake.users[0]
    outcome(api, clock, 1, "organization.created", org)
    outcome(api, clock, 2, "user.created", user)
    created = workos_membership(1, org, user, role="owner-role")  # role_map: -> admin
    assert outcome(api, clock, 3, "organization_membership.created", created) == "created"
    membership = Membership.get()
    assert (membership.role_id, membership.status, membership.workos_membership_id) == (
        "role_admin", "active", created["id"])
    updated = workos_membership(1, org, user, role="member", status="inactive",
                                updated_at="2026-02-01T00:00:00.000Z")
    assert outcome(api, clock, 4, "organization_membership.updated", updated) == "updated"
    membership = Membership.get()
    assert (membership.role_id, membership.status) == ("role_member", "inactive")
    stale = workos_membership(1, org, user, role="admin", updated_at="2026-01-15T00:00:00.000Z")
    assert outcome(api, clock, 5, "organization_membership.updated", stale) == "unchanged"
    deleted = workos_membership(1, org, user, updated_at="2026-03-01T00:00:00.000Z")
    assert outcome(api, clock, 6, "organization_membership.deleted", deleted) == "removed"
    assert Membership.select().count() == 0
    assert len(events_of("membership.created")) == 1 and len(events_of("membership.deleted")) == 1


def test_an_unknown_role_slug_falls_back_to_member(api, clock, fake):
    org, user = fake.organizations[0], fake.users[0]
    outcome(api, clock, 1, "organization.created", org)
    outcome(api, clock, 2, "user.created", user)
    data = workos_membership(1, org, user, role="no-such-role")
    assert outcome(api, clock, 3, "organization_membership.created", data) == "created"
    assert Membership.get().role_id == "role_member"


def test_a_membership_for_an_unknown_org_and_user_fetches_them_first(api, clock, fake):
    org, user = fake.organizations[1], fake.users[2]
    data = workos_membership(7, org, user, status="pending")
    assert outcome(api, clock, 1, "organization_membership.created", data) == "created"
    fetched = [path for _, path, _, _ in fake.requests]
    assert f"/organizations/{org['id']}" in fetched and f"/user_management/users/{user['id']}" \
        in fetched
    membership = Membership.get()
    assert membership.organization.workos_org_id == org["id"]
    assert membership.user.workos_user_id == user["id"] and membership.status == "inactive"


def test_a_membership_whose_org_workos_no_longer_has_stays_unresolved(api, clock, fake):
    ghost = workos_organization(99)
    data = workos_membership(1, ghost, fake.users[0])
    assert outcome(api, clock, 1, "organization_membership.created", data) == "unresolved"
    assert Membership.select().count() == 0 and User.select().count() == 0
    fake.organizations.append(ghost)  # a redelivery, once WorkOS has it, applies it
    assert outcome(api, clock, 1, "organization_membership.created", data) == "created"


def test_workos_refusing_the_fetch_is_a_gateway_error_and_changes_nothing(api, clock, fake):
    fake.fail(401, body={"message": "Unauthorized"})
    response = deliver(api, clock, workos_event(1, "organization_membership.created",
                                                workos_membership(1, fake.organizations[0],
                                                                  fake.users[0])))
    assert_envelope(response, 502, "GR_WORKOS_ERROR")
    assert Membership.select().count() == 0 and Organization.select().count() == 0


def test_a_role_mapped_scim_groups_give_is_kept_by_workos_updates(api, clock, fake):
    """SCIM groups mapped to roles own a member's role (store/group_roles.py): a WorkOS
    membership update leaves that role alone, rather than failing on it."""
    org, user = fake.organizations[0], fake.users[0]
    outcome(api, clock, 1, "organization.created", org)
    outcome(api, clock, 2, "user.created", user)
    created = workos_membership(1, org, user, role="member")
    assert outcome(api, clock, 3, "organization_membership.created", created) == "created"
    # as a mapped group's recompute leaves it (test_group_roles.py shows that path)
    Membership.update(role="role_admin", role_source="group").execute()
    updated = workos_membership(1, org, user, role="member",
                                updated_at="2026-02-01T00:00:00.000Z")
    assert outcome(api, clock, 4, "organization_membership.updated", updated) == "unchanged"
    membership = Membership.get()
    assert (membership.role_id, membership.role_source) == ("role_admin", "group")
