"""One WorkOS event applied to the golden record, whichever way it came (a webhook, or
the Events API during a sync): mapped, applied once by its id, and — for a membership
whose organization or user is not here yet — applied again after fetching them."""
from goldenrecord.store.workos import MEMBERSHIP_EVENTS, ORGANIZATION_EVENTS, USER_EVENTS

from .mapping import workos_membership, workos_organization, workos_user


def mapped(event_type, data, role_map):
    """The event's object as the store applies it; None for a type we ignore. Unmappable
    (naming the field) when it cannot be held."""
    if event_type in USER_EVENTS:
        return workos_user(data)
    if event_type in ORGANIZATION_EVENTS:
        return workos_organization(data)
    if event_type in MEMBERSHIP_EVENTS:
        return workos_membership(data, role_map)
    return None


def apply_event(store, event_id, event_type, resource, *, client=None):
    """Apply the mapped `resource` of one event once; an Applied. An "unresolved"
    membership has its organization and user fetched from WorkOS (with `client`) and is
    applied again; without a client it stays unresolved (and unrecorded, so the next
    sync applies it)."""
    applied = store.workos.receive(event_id, event_type, resource)
    if applied.outcome == "unresolved" and client is not None:
        fetch_parents(store, client, resource)
        applied = store.workos.receive(event_id, event_type, resource)
    return applied


def fetch_parents(store, client, membership):
    """Fetch and apply the organization and the user `membership` names (WorkOSError
    propagates; a 404 means WorkOS no longer has it, and the membership stays unresolved)."""
    org = client.get(f"/organizations/{membership.workos_org_id}")
    store.workos.apply_page("organization.updated", [workos_organization(org)])
    user = client.get(f"/user_management/users/{membership.workos_user_id}")
    store.workos.apply_page("user.updated", [workos_user(user)])
