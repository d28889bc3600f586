"""Every route the API serves, in the spec's order."""
from .analytics import AnalyticsResource
from .health import HealthResource
from .keys import KeyResource, KeysResource
from .memberships import MembershipResource, MembershipsResource
from .organizations import (OrganizationAutocompleteResource, OrganizationResource,
                            OrganizationsResource)
from .rbac import PermissionsResource, RolesResource
from .users import UserResource, UsersResource
from .workos import WorkosSyncResource, WorkosWebhookResource
from .webhooks import (DeliveriesResource, RedeliverResource, WebhookResource,
                       WebhooksResource)

V1 = "/api/v1"


def add_routes(app, store, cursors, *, allow_private_targets, workos):
    app.add_route("/healthz", HealthResource(store))

    organization = OrganizationResource(store, cursors)
    app.add_route(f"{V1}/organizations", OrganizationsResource(store, cursors))
    app.add_route(f"{V1}/organizations/autocomplete", OrganizationAutocompleteResource(store, cursors))
    app.add_route(f"{V1}/organizations/{{id}}", organization)
    app.add_route(f"{V1}/organizations/{{id}}/verify", organization, suffix="verify")

    app.add_route(f"{V1}/users", UsersResource(store, cursors))
    app.add_route(f"{V1}/users/{{id}}", UserResource(store, cursors))

    app.add_route(f"{V1}/memberships", MembershipsResource(store, cursors))
    app.add_route(f"{V1}/memberships/{{id}}", MembershipResource(store, cursors))

    app.add_route(f"{V1}/roles", RolesResource(store, cursors))
    app.add_route(f"{V1}/permissions", PermissionsResource(store, cursors))

    app.add_route(f"{V1}/keys", KeysResource(store, cursors))
    app.add_route(f"{V1}/keys/{{id}}", KeyResource(store, cursors))

    app.add_route(f"{V1}/analytics", AnalyticsResource(store, cursors))

    targets = {"allow_private_targets": allow_private_targets}
    webhook = WebhookResource(store, cursors, **targets)
    app.add_route(f"{V1}/webhooks", WebhooksResource(store, cursors, **targets))
    app.add_route(f"{V1}/webhooks/{{id}}", webhook)
    app.add_route(f"{V1}/webhooks/{{id}}/test", webhook, suffix="test")
    app.add_route(f"{V1}/webhooks/{{id}}/deliveries", DeliveriesResource(store, cursors))
    app.add_route(f"{V1}/webhooks/{{id}}/deliveries/{{delivery_id}}/redeliver",
                  RedeliverResource(store, cursors))

    app.add_route("/api/webhooks/workos", WorkosWebhookResource(store, workos.webhook_secret))
    app.add_route("/api/workos/sync-users", WorkosSyncResource(store, workos.new_client))
