"""Every route the API serves, in the spec's order.

Routes are added through `Routes`, which remembers them: the OpenAPI document and the
scope table (`Routes.scope_table()`, reachable as `app.routes`) are made from this same
list, and tests check it against what Falcon actually serves.
"""
from typing import NamedTuple

from goldenrecord.domain_verification import DnsVerifier

from .analytics import AnalyticsResource
from .auditlogs import (AuditActionsResource, AuditEventsResource, AuditExportResource,
                        AuditLogsResource)
from .bulk import OrganizationsBulkResource, UsersBulkResource
from .events import EventsResource
from .health import HealthResource, ReadyResource
from .domains import DomainResource, DomainsResource
from .index import IndexResource
from .invitations import (InvitationAcceptResource, InvitationResource,
                          InvitationsResource)
from .keys import KeyResource, KeysResource
from .operations import route_operations
from .memberships import MembershipResource, MembershipsResource
from .monitoring import MetricsResource
from .organizations import (OrganizationAutocompleteResource, OrganizationByExternalIdResource,
                            OrganizationResource, OrganizationsResource)
from .authorization import CheckResource, EffectivePermissionsResource
from .permissions import PermissionResource, PermissionsResource
from .groups import GroupResource, GroupsResource
from .roles import RolePermissionResource, RolePriorityResource, RoleResource, RolesResource
from .reference import DocsResource, OpenApiResource
from .users import UserByExternalIdResource, UserResource, UsersResource
from .workos import (WorkosIncrementalSyncResource, WorkosLink, WorkosSyncResource,
                     WorkosWebhookResource)
from .webhooks import (DeliveriesResource, RedeliverResource, WebhookResource,
                       WebhooksResource)

V1 = "/api/v1"


class Endpoint(NamedTuple):
    """One operation as the scope table lists it."""

    method: str  # "GET", "POST", ...
    template: str  # the path template, as added: "/api/v1/organizations/{id}"
    scope: str | None  # the scope its declaration requires; None: any key, or none if public
    public: bool  # served without an API key (Authentication skips the resource)


class Routes(list):
    """(template, resource, suffix) for every route added to `app`."""

    def __init__(self, app):
        super().__init__()
        self._app = app

    def __call__(self, template, resource, suffix=None):
        self._app.add_route(template, resource, **({"suffix": suffix} if suffix else {}))
        self.append((template, resource, suffix))

    def resource(self, template):
        """The resource added at `template` (KeyError if none was)."""
        for added, resource, _suffix in self:
            if added == template:
                return resource
        raise KeyError(template)

    def scope_table(self):
        """An Endpoint for every operation these routes serve, read from the responders'
        own @operation declarations, the ones the hooks enforce. Tests are generated from
        it, so a new route cannot be left out of the scope checks."""
        return [Endpoint(method.upper(), template, declared.scope,
                         getattr(resource, "public", False))  # as Authentication reads it
                for template, method, resource, declared in route_operations(self)]


def add_routes(app, store, cursors, *, allow_private_targets, version, metrics,
               write_probe_seconds=None, workos=None, failure=None, accept_url_template="",
               verifier=None):
    """Add every route to `app`; `failure` is Authentication.failure, which a resource that
    authenticates its callers itself (WorkOS's webhook) reports refusals through.
    `accept_url_template` makes invitations' accept links; `verifier` looks domains up in
    DNS (domain_verification.DnsVerifier; default: the system's resolver)."""
    add = Routes(app)
    add("/", IndexResource(version, {"docs": "/docs", "openapi": f"{V1}/openapi.json",
                                     "health": "/healthz", "ready": "/readyz"}))
    add("/healthz", HealthResource(store))
    add("/readyz", ReadyResource(store, write_probe_seconds))
    add("/metrics", MetricsResource(metrics))
    add(f"{V1}/openapi.json", OpenApiResource(add, version))
    add("/docs", DocsResource())

    organization = OrganizationResource(store, cursors)
    add(f"{V1}/organizations", OrganizationsResource(store, cursors))
    add(f"{V1}/organizations/autocomplete", OrganizationAutocompleteResource(store, cursors))
    add(f"{V1}/organizations/bulk", OrganizationsBulkResource(store, cursors))
    add(f"{V1}/organizations/{{id}}", organization)
    add(f"{V1}/organizations/{{id}}/verify", organization, suffix="verify")
    add(f"{V1}/organizations/external/{{external_id}}",
        OrganizationByExternalIdResource(store, cursors))
    domain = DomainResource(store, cursors, verifier or DnsVerifier())
    add(f"{V1}/organizations/{{id}}/domains", DomainsResource(store, cursors))
    add(f"{V1}/organizations/{{id}}/domains/{{domain_id}}", domain)
    add(f"{V1}/organizations/{{id}}/domains/{{domain_id}}/verify", domain, suffix="verify")
    add(f"{V1}/organizations/{{id}}/groups", GroupsResource(store, cursors))
    add(f"{V1}/organizations/{{id}}/groups/{{group_id}}", GroupResource(store, cursors))

    add(f"{V1}/users", UsersResource(store, cursors))
    add(f"{V1}/users/bulk", UsersBulkResource(store, cursors))
    add(f"{V1}/users/external/{{external_id}}", UserByExternalIdResource(store, cursors))
    add(f"{V1}/users/{{id}}", UserResource(store, cursors))
    add(f"{V1}/users/{{id}}/permissions", EffectivePermissionsResource(store, cursors))

    add(f"{V1}/memberships", MembershipsResource(store, cursors))
    membership = MembershipResource(store, cursors)
    add(f"{V1}/memberships/{{id}}", membership)
    add(f"{V1}/memberships/{{id}}/deactivate", membership, suffix="deactivate")
    add(f"{V1}/memberships/{{id}}/reactivate", membership, suffix="reactivate")

    invitation = InvitationResource(store, cursors, accept_url_template)
    add(f"{V1}/invitations", InvitationsResource(store, cursors, accept_url_template))
    add(f"{V1}/invitations/accept", InvitationAcceptResource(store, cursors))
    add(f"{V1}/invitations/{{id}}", invitation)
    add(f"{V1}/invitations/{{id}}/revoke", invitation, suffix="revoke")
    add(f"{V1}/invitations/{{id}}/resend", invitation, suffix="resend")

    role = RoleResource(store, cursors)
    add(f"{V1}/roles", RolesResource(store, cursors))
    add(f"{V1}/roles/priority", RolePriorityResource(store, cursors))
    add(f"{V1}/roles/{{id}}", role)
    add(f"{V1}/roles/{{id}}/permissions", role, suffix="permissions")
    add(f"{V1}/roles/{{id}}/permissions/{{permission_id}}", RolePermissionResource(store, cursors))
    add(f"{V1}/permissions", PermissionsResource(store, cursors))
    add(f"{V1}/permissions/{{id}}", PermissionResource(store, cursors))
    add(f"{V1}/authorization/check", CheckResource(store, cursors))

    add(f"{V1}/keys", KeysResource(store, cursors))
    add(f"{V1}/keys/{{id}}", KeyResource(store, cursors))

    add(f"{V1}/analytics", AnalyticsResource(store, cursors))

    add(f"{V1}/events", EventsResource(store, cursors))
    add(f"{V1}/audit-logs", AuditLogsResource(store, cursors))
    add(f"{V1}/audit-logs/export", AuditExportResource(store, cursors))
    add(f"{V1}/audit-logs/actions", AuditActionsResource(store, cursors))
    add(f"{V1}/audit-logs/events", AuditEventsResource(store, cursors))

    targets = {"allow_private_targets": allow_private_targets}
    webhook = WebhookResource(store, cursors, **targets)
    add(f"{V1}/webhooks", WebhooksResource(store, cursors, **targets))
    add(f"{V1}/webhooks/{{id}}", webhook)
    add(f"{V1}/webhooks/{{id}}/test", webhook, suffix="test")
    add(f"{V1}/webhooks/{{id}}/rotate-secret", webhook, suffix="rotate_secret")
    add(f"{V1}/webhooks/{{id}}/deliveries", DeliveriesResource(store, cursors))
    add(f"{V1}/webhooks/{{id}}/deliveries/{{delivery_id}}/redeliver",
        RedeliverResource(store, cursors))

    workos = workos or WorkosLink()
    add("/api/webhooks/workos", WorkosWebhookResource(store, workos, failure))
    add("/api/workos/sync-users", WorkosSyncResource(store, workos.new_client, metrics.synced))
    add("/api/workos/sync", WorkosIncrementalSyncResource(store, workos, metrics.synced))
    return add
