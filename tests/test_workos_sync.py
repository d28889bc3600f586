"""The incremental WorkOS sync (POST /api/workos/sync, `goldenrecord workos sync`): a
full sync of organizations, users and memberships the first time or after the cursor
expired, then WorkOS's events after the last one applied."""
import json
import logging
from datetime import timedelta

import pytest

import apps
import goldenrecord
from fake_workos import (API_KEY, FakeWorkOS, workos_event, workos_membership,
                         workos_organization, workos_user)
from goldenrecord.store.models import Membership, Organization, User, WorkosCursor
from support import assert_envelope, progress_lines, ticking
from test_workos import admin_headers, api, workos_config  # noqa: F401 (fixtures)

LATER = "2026-01-15T11:00:00.000Z"  # after the test clock's start: an event made meanwhile


@pytest.fixture
def fake():
    orgs = [workos_organization(n, domains=[(f"org{n}.com", "verified")]) for n in range(1, 4)]
    users = [workos_user(n) for n in range(1, 6)]
    memberships = [workos_membership(1, orgs[0], users[0], role="admin"),
                   workos_membership(2, orgs[0], users[1], status="pending"),
                   workos_membership(3, orgs[1], users[2], role="chief"),
                   workos_membership(4, orgs[2], users[3])]
    server = FakeWorkOS(users, orgs, memberships)
    yield server
    server.close()


@pytest.fixture
def gr(tmp_path, fake, clock):
    with apps.service(workos_config(tmp_path, fake), clock=clock) as instance:
        yield instance


def run(api, headers, status=200):
    return assert_envelope(api.simulate_post("/api/workos/sync", headers=headers), status)


def test_the_first_run_syncs_everything_then_only_events(api, admin_headers, fake):
    first = run(api, admin_headers)
    assert first == {"mode": "full", "organizations": {"created": 3},
                     "users": {"created": 5},
                     "memberships": {"created": 4}, "events": 0, "unknownRoles": 1}
    assert Organization.select().where(Organization.workos_org_id.is_null()).count() == 0
    statuses = sorted((m.user.workos_user_id, m.role_id, m.status) for m in Membership.select())
    assert statuses[:2] == [(fake.users[0]["id"], "role_admin", "active"),
                            (fake.users[1]["id"], "role_member", "inactive")]
    renamed = workos_organization(1, name="Renamed", updated_at=LATER)
    fake.events = [workos_event(1, "organization.updated", renamed, created_at=LATER),
                   workos_event(2, "organization_membership.deleted", fake.memberships[3],
                                created_at=LATER)]
    second = run(api, admin_headers)
    assert second["mode"] == "incremental" and second["events"] == 2
    assert second["organizations"] == {"updated": 1} and second["memberships"] == {"removed": 1}
    assert Organization.get(Organization.workos_org_id == renamed["id"]).name == "Renamed"
    assert Membership.select().count() == 3
    third = run(api, admin_headers)
    assert third["events"] == 0 and third["mode"] == "incremental"
    assert fake.requests[-1][2]["after"] == fake.events[-1]["id"]


def test_events_made_while_the_full_sync_ran_are_applied_after_it(api, admin_headers, fake):
    late = workos_user(9, updated_at=LATER)
    fake.events = [workos_event(1, "user.created", fake.users[0]),  # before: filtered out
                   workos_event(2, "user.created", late, created_at=LATER)]
    first = run(api, admin_headers)
    assert first["events"] == 1 and first["users"]["created"] == 6
    query = [q for _, path, q, _ in fake.requests if path == "/events"][0]
    assert query["range_start"].startswith("2026-01-15T10:30:00")
    assert query["events"].split(",") == [
        "organization.created", "organization.updated", "organization.deleted",
        "user.created", "user.updated", "user.deleted", "organization_membership.created",
        "organization_membership.updated", "organization_membership.deleted"]


def test_an_expired_cursor_means_a_full_sync_again(api, admin_headers, clock, fake):
    run(api, admin_headers)
    clock.advance(days=31)
    again = run(api, admin_headers)
    assert again["mode"] == "full" and again["organizations"] == {"unchanged": 3}


def test_a_full_sync_sweeps_what_workos_no_longer_has(api, admin_headers, clock, fake):
    """Deleted in WorkOS while no event told us (the cursor expired): the next full sync
    deactivates the organization and user and removes the membership, as their deletion
    events would; rows not linked to WorkOS, or changed in WorkOS since the sync began,
    stay."""
    run(api, admin_headers)
    own = assert_envelope(api.simulate_post("/api/v1/organizations", headers=admin_headers,
                                            json={"name": "Ours", "slug": "ours"}), 201)
    gone_org, gone_user, gone_membership = fake.organizations[1], fake.users[4], fake.memberships[0]
    fresh = fake.organizations[2]  # missing from the listing, but changed after it began
    fake.organizations.remove(gone_org)
    fake.organizations.remove(fresh)
    fake.users.remove(gone_user)
    fake.memberships.remove(gone_membership)
    clock.advance(days=31)
    (Organization.update(workos_updated_at=clock() + timedelta(hours=1))
     .where(Organization.workos_org_id == fresh["id"]).execute())
    again = run(api, admin_headers)
    assert again["mode"] == "full"
    assert again["organizations"] == {"unchanged": 1, "deactivated": 1}
    assert {k: n for k, n in again["users"].items() if n} == {"unchanged": 4, "deactivated": 1}
    # membership 1 (gone) and 3 (of the gone organization, so not listed either) removed;
    # membership 4 belongs to `fresh`, whose memberships were not listed: also gone from
    # WorkOS's answer, and last changed before the sync began
    assert again["memberships"] == {"unchanged": 1, "removed": 3}
    assert not Organization.get(Organization.workos_org_id == gone_org["id"]).is_active
    assert Organization.get(Organization.workos_org_id == fresh["id"]).is_active
    assert Organization.get(Organization.id == own["id"]).is_active
    assert not User.get(User.workos_user_id == gone_user["id"]).is_active
    assert Membership.get_or_none(Membership.workos_membership_id == gone_membership["id"]) is None
    assert Membership.select().count() == 1
    third = run(api, admin_headers)  # incremental again: nothing more to sweep
    assert third["mode"] == "incremental" and third["events"] == 0


def test_a_full_sync_cut_short_sweeps_nothing(api, admin_headers, clock, fake):
    run(api, admin_headers)
    fake.users.remove(fake.users[4])
    clock.advance(days=31)
    fake.fail(404, when=lambda query: "organization_id" in query)  # the memberships' listing
    run(api, admin_headers, status=502)
    assert User.select().where(User.is_active == False).count() == 0  # noqa: E712


def test_a_cursor_workos_refuses_means_a_full_sync(api, admin_headers, fake):
    fake.events = [workos_event(1, "user.updated", fake.users[0], created_at=LATER)]
    run(api, admin_headers)
    fake.fail(422, body={"message": "Invalid cursor"}, when=lambda query: "after" in query
              and "events" in query)
    assert run(api, admin_headers)["mode"] == "full"


def test_a_membership_event_for_unknown_objects_fetches_them(api, admin_headers, fake):
    run(api, admin_headers)
    org, user = workos_organization(7), workos_user(7)
    fake.organizations.append(org)
    fake.users.append(user)
    fake.events = [workos_event(1, "organization_membership.created",
                                workos_membership(9, org, user), created_at=LATER)]
    counts = run(api, admin_headers)
    assert counts["memberships"] == {"created": 1}
    assert Membership.get(Membership.workos_membership_id == workos_membership(9, org, user)[
        "id"]).organization.workos_org_id == org["id"]


def test_a_sync_cut_short_resumes_from_the_last_page_of_events(api, admin_headers, fake):
    run(api, admin_headers)
    fake.events = [workos_event(n, "user.updated", workos_user(1, first_name=f"V{n}",
                                                                updated_at=f"2026-02-01T00:00:"
                                                                           f"{n:02d}.000Z"),
                                created_at=LATER) for n in range(1, 151)]
    fake.fail(500, times=10, when=lambda query: query.get("after") == fake.events[99]["id"])
    assert_envelope(api.simulate_post("/api/workos/sync", headers=admin_headers), 502)
    assert WorkosCursor.get().after == fake.events[99]["id"]
    assert User.get(User.workos_user_id == workos_user(1)["id"]).first_name == "V100"
    fake.script.clear()
    resumed = run(api, admin_headers)
    assert resumed["events"] == 50 and resumed["users"] == {"updated": 50}
    assert User.get(User.workos_user_id == workos_user(1)["id"]).first_name == "V150"


def test_a_429_from_the_events_api_is_retried(api, admin_headers, fake):
    run(api, admin_headers)
    fake.events = [workos_event(1, "user.updated", fake.users[0], created_at=LATER)]
    fake.fail(429, headers={"Retry-After": "0"}, when=lambda query: "events" in query)
    assert run(api, admin_headers)["events"] == 1


def test_the_sync_needs_a_global_full_access_key(api, gr, fake):
    _, reader = gr.store.api_keys.create(name="reader", scopes=["users:read"])
    org = gr.store.organizations.create(name="Acme", slug="acme")
    _, scoped = gr.store.api_keys.create(name="s", scopes=["*:*"], organization_id=org.id)
    assert_envelope(api.simulate_post("/api/workos/sync", headers={
        "Authorization": f"Bearer {reader}"}), 403, "GR_FORBIDDEN")
    assert_envelope(api.simulate_post("/api/workos/sync", headers={
        "Authorization": f"Bearer {scoped}"}), 403, "GR_ORG_SCOPE_VIOLATION")
    assert Organization.select().count() == 1 and fake.requests == []


def test_cli_sync_prints_counts_and_remembers_the_cursor(tmp_path, fake, capsys, caplog,
                                                         monkeypatch):
    caplog.set_level(logging.INFO, "goldenrecord.progress")
    config = tmp_path / "gr.toml"
    config.write_text(f'[workos]\nbase_url = "{fake.url}"\nrole_map = ["chief=admin"]\n')
    monkeypatch.setenv("GOLDENRECORD_WORKOS_API_KEY", API_KEY)
    argv = ["workos", "sync", "--config", str(config), "--db", str(tmp_path / "cli.db")]
    assert goldenrecord.main(argv, progress=ticking(interval=0)) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["mode"] == "full" and first["memberships"] == {"created": 4}
    assert first["unknownRoles"] == 0  # "chief" -> admin by the role map
    assert progress_lines(caplog, "WorkOS sync")
    assert goldenrecord.main(argv, progress=ticking(interval=0)) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "incremental"


def test_an_event_that_cannot_be_applied_is_counted_and_the_sync_goes_on(api, admin_headers,
                                                                        fake):
    run(api, admin_headers)
    ghost = workos_organization(99)
    clash = workos_user(50, email=fake.users[0]["email"], updated_at=LATER)
    fake.events = [
        workos_event(1, "organization_membership.created", workos_membership(9, ghost,
                                                                             fake.users[0]),
                     created_at=LATER),
        workos_event(2, "user.created", clash, created_at=LATER),
        workos_event(3, "organization.updated", workos_organization(2, name="Still",
                                                                    updated_at=LATER),
                     created_at=LATER)]
    counts = run(api, admin_headers)
    assert counts["memberships"] == {"unresolved": 1} and counts["users"] == {"failed": 1}
    assert counts["organizations"] == {"updated": 1}
    assert User.select().count() == 5
