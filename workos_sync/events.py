"""One WorkOS event applied to the golden record, whichever way it came (a webhook, or
the Events API during a sync): mapped, applied once by its id, and — for a membership
whose organization or user is not here yet — applied again after fetching them."""
from goldenrecord.store.workos import MEMBERSHIP_EVENTS, ORGANIZATION_EVENTS, USER_EVENTS

from .client import NotFoundError
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


def apply_event(store, event_id, event_type, resource, *, client=None, new_client=None):
    """Apply the mapped `resource` of one event once; an Applied. An "unresolved"
    membership has its organization and user fetched from WorkOS — with `client`, or one
    made by `new_client` only then (a webhook needs none for most events) — and is applied
    again. Without either, or when WorkOS no longer has them (404), it stays unresolved,
    unrecorded, for a later sync. Other WorkOS errors propagate."""
    applied = store.workos.receive(event_id, event_type, resource)
    if applied.outcome != "unresolved" or (client is None and new_client is None):
        return applied
    made = client is None
    client = new_client() if made else client
    try:
        fetch_parents(store, client, resource)
    except NotFoundError:
        return applied
    finally:
        if made:
            client.close()
    return store.workos.receive(event_id, event_type, resource)


def fetch_parents(store, client, membership):
    """Fetch and apply the organization and the user `membership` names."""
    org = client.get(f"/organizations/{membership.workos_org_id}")
    store.workos.apply_page("organization.updated", [workos_organization(org)])
    user = client.get(f"/user_management/users/{membership.workos_user_id}")
    store.workos.apply_page("user.updated", [workos_user(user)])
