"""WorkOS: its signed webhooks at /api/webhooks/workos, the bulk user sync at
/api/workos/sync-users and the incremental sync at /api/workos/sync. The rules for
applying users, organizations and memberships live in `store.workos`."""
from collections.abc import Callable
from dataclasses import dataclass, field

from goldenrecord.store.workos import MEMBERSHIP_EVENTS, ORGANIZATION_EVENTS, USER_EVENTS
from goldenrecord.workos_sync import client as workos_client
from goldenrecord.workos_sync import events, incremental, mapping, signature, sync

from . import schemas
from .errors import ApiError
from .inputs import Body, invalid, raw_body, read_json
from .operations import operation
from .responses import ok

FULL_ACCESS = "*:*"
WITH_DATA = USER_EVENTS + ORGANIZATION_EVENTS + MEMBERSHIP_EVENTS
WEBHOOK_RECEIVED = schemas.closed(
    received=schemas.described(schemas.BOOL, "Always true"),
    id=schemas.described(schemas.STRING, "The WorkOS event's id"),
    event=schemas.described(schemas.STRING, "The WorkOS event's type"),
    outcome={"type": "string", "enum": ["created", "linked", "updated", "unchanged",
                                        "deactivated", "removed", "unresolved", "ignored",
                                        "duplicate"],
             "description": "What the event did to the user, organization or membership it "
                            "names; `unresolved`: a membership whose organization or user "
                            "could not be had (applied by the next sync)"})
SYNC_COUNTS = schemas.closed(**{
    name: schemas.described(schemas.INT, "Users seen in all" if name == "total" else
                            f"Users {name}")
    for name in sync.OUTCOMES})
# WorkOS's event object; the responder checks `id` and `event` (_event_fields), and the
# user in `data` by the users API's rules (workos_sync.mapping).
WORKOS_EVENT = schemas.example({
    "type": "object", "required": ["id", "event"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200,
               "description": "The event's id; a redelivery repeats it"},
        "event": {"type": "string", "minLength": 1, "maxLength": 200,
                  "description": "The event type, such as `user.created`"},
        "data": {"type": "object", "description": "The event's object: a WorkOS user, "
                                                  "organization or organization membership"},
        "created_at": {"type": "string", "description": "When WorkOS recorded the event"},
    }}, {"id": "event_01HZX5T8", "event": "user.created", "created_at": "2026-01-31T09:00:00Z",
         "data": {"object": "user", "id": "user_01HZX5T8", "email": "jane@acme.com",
                  "first_name": "Jane", "last_name": "Doe"}})
WORKOS_SIGNATURE = {
    "name": "WorkOS-Signature", "in": "header", "required": True,
    "description": "`t=<Unix milliseconds>, v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`, keyed "
                   "with the endpoint's secret (`workos.webhook_secret`); at most "
                   f"{signature.TOLERANCE_SECONDS} s old",
    "schema": {"type": "string"},
    "example": "t=1769850000000, v1=" + "5257a869e7ecebeda32affa62cdca3fa" * 2}


@dataclass(frozen=True)
class WorkosLink:
    """What the HTTP layer needs of the WorkOS configuration: the webhook secret ("" when
    unset) and a factory of WorkOS clients (None when no API key is set)."""

    webhook_secret: str = ""
    new_client: Callable[[], object] | None = None
    role_map: dict = field(default_factory=dict)  # WorkOS role slug -> role slug here


def not_configured(key):
    return ApiError("GR_WORKOS_NOT_CONFIGURED",
                    f"The WorkOS integration is not configured: set workos.{key}")


class WorkosWebhookResource:
    """WorkOS's webhooks. No API key: WorkOS proves itself with its signature header.

    Nothing is read from the body before the signature over its raw bytes is checked,
    and nothing is changed on any refusal. Answered as soon as the one transaction that
    applies the event commits, since WorkOS retries anything slow or non-2xx.
    """

    audit_actor = "workos"  # what it changes, WorkOS changed (restapi/auditing.py)

    public = True

    def __init__(self, store, workos, failure):
        self.store = store
        self.secret = workos.webhook_secret
        self.workos = workos  # the client factory fetches what a membership event lacks
        self.failure = failure  # Authentication.failure: refused signatures count as failed

    @operation("Receive a WorkOS webhook (signed with WorkOS-Signature; no API key)",
               name="receiveWorkosWebhook", scope=None, response=WEBHOOK_RECEIVED,
               reads_body={"application/json": WORKOS_EVENT}, reads_headers=(WORKOS_SIGNATURE,),
               errors=("GR_INVALID_SIGNATURE", "GR_WORKOS_NOT_CONFIGURED", "GR_DUPLICATE_EMAIL",
                       "GR_RATE_LIMITED", "GR_WORKOS_ERROR"),
               description="The body is WorkOS's event object, `{id, event, data, created_at}`, "
                           "verified over its raw bytes before it is read. `user.*` and "
                           "`organization.*` create, link or update the user or organization "
                           "(`.deleted` deactivates it); `organization_membership.*` create, "
                           "update or remove the membership, fetching its organization and "
                           "user from WorkOS first when they are not here; other events are "
                           "acknowledged and ignored. A redelivered event id answers "
                           "`outcome: duplicate`; an older version than the one applied, "
                           "`unchanged`.")
    def on_post(self, req, resp):
        if not self.secret:
            raise not_configured("webhook_secret")
        raw = raw_body(req)
        try:
            signature.verify(req.get_header("WorkOS-Signature"), raw, self.secret,
                             self.store.now().timestamp())
        except signature.InvalidSignature as error:
            raise self.failure(req, ApiError("GR_INVALID_SIGNATURE", str(error),
                                             field="WorkOS-Signature"))
        event = read_json(req)
        event_id, event_type = _event_fields(event)
        resource = None
        if event_type in WITH_DATA:
            if not isinstance(event.get("data"), dict):
                noun = event_type.rpartition(".")[0].replace("_", " ")
                raise invalid("data", f"A WorkOS {event_type} event needs a 'data' object: "
                                      f"the WorkOS {noun}")
            try:
                resource = events.mapped(event_type, event["data"], self.workos.role_map)
            except mapping.Unmappable as error:
                raise invalid(f"data.{error.field}", error.message)
        try:
            applied = events.apply_event(self.store, event_id, event_type, resource,
                                         new_client=self.workos.new_client)
        except workos_client.WorkOSError as error:
            raise ApiError("GR_WORKOS_ERROR", error.message,
                           details={"workosStatus": error.status, "workosCode": error.code})
        ok(req, resp, {"received": True, "id": event_id, "event": event_type,
                       "outcome": applied.outcome})


def _event_fields(event):
    if not isinstance(event, dict):
        raise invalid("body", "A WorkOS event must be a JSON object")
    for name in ("id", "event"):
        value = event.get(name)
        if not isinstance(value, str) or not value or len(value) > 200:
            raise invalid(name, f"A WorkOS event needs a string '{name}'")
    return event["id"], event["event"]


class WorkosSyncResource:
    """The bulk sync, for global full-access keys only: it writes any user of any
    organization, so an organization-scoped `*:*` key is refused too."""

    def __init__(self, store, new_client, on_run):
        """`on_run(outcome)` hears how each sync that ran ended: succeeded or failed."""
        self.store = store
        self.new_client = new_client
        self.on_run = on_run

    def sync(self, client):
        return sync.sync_users(client, self.store)

    @operation("Create, link and update users from every WorkOS user", name="syncWorkosUsers",
               description=("Reads every user from WorkOS and creates, links (by email) or "
                            "updates the matching user here, by the users API's rules; one "
                            "sync at a time (409 `GR_SYNC_IN_PROGRESS`)."),
               scope=FULL_ACCESS,
               every_organization=True, response=SYNC_COUNTS, body=Body(), body_optional=True,
               errors=("GR_WORKOS_NOT_CONFIGURED", "GR_SYNC_IN_PROGRESS", "GR_WORKOS_ERROR"))
    def on_post(self, req, resp):
        self.respond(req, resp)

    def respond(self, req, resp):
        if self.new_client is None:
            raise not_configured("api_key")
        client = self.new_client()
        try:
            counts = self._run(client)
        except sync.SyncInProgress as error:
            raise ApiError("GR_SYNC_IN_PROGRESS", str(error))
        except workos_client.WorkOSError as error:
            raise ApiError("GR_WORKOS_ERROR", error.message,
                           details={"workosStatus": error.status, "workosCode": error.code})
        finally:
            client.close()
        ok(req, resp, counts)

    def _run(self, client):
        """One sync, its outcome told to `on_run`; one refused because another is running
        never ran, so it is not told."""
        try:
            counts = self.sync(client)
        except sync.SyncInProgress:
            raise
        except BaseException:
            self.on_run("failed")
            raise
        self.on_run("succeeded")
        return counts


_COUNTED = {"type": "object", "additionalProperties": schemas.INT,
            "description": "Outcome (created, linked, updated, unchanged, deactivated, "
                           "removed, unresolved, duplicate, failed, …) -> how many"}
SYNC_ALL_COUNTS = schemas.closed(
    mode={"type": "string", "enum": ["full", "incremental"],
          "description": "`full` on the first run or after the cursor expired"},
    organizations=_COUNTED, users=_COUNTED, memberships=_COUNTED,
    events=schemas.described(schemas.INT, "WorkOS events read"),
    unknownRoles=schemas.described(schemas.INT, "Memberships whose WorkOS role slug named "
                                                 "no role here: given Member"))


class WorkosIncrementalSyncResource(WorkosSyncResource):
    """The incremental sync of organizations, users and memberships through WorkOS's
    Events API (workos_sync.incremental); the same keys, errors and one-at-a-time rule
    as the user sync."""

    def __init__(self, store, workos, on_run):
        super().__init__(store, workos.new_client, on_run)
        self.role_map = workos.role_map

    def sync(self, client):
        return incremental.sync_all(client, self.store, role_map=self.role_map)

    @operation("Sync organizations, users and memberships from WorkOS", name="syncWorkos",
               description=("Reads WorkOS's events after the last one applied and applies "
                            "them; the first run, or one whose cursor is older than WorkOS's "
                            "30-day retention, first syncs every organization, user and "
                            "membership. One sync at a time (409 `GR_SYNC_IN_PROGRESS`)."),
               scope=FULL_ACCESS,
               every_organization=True, response=SYNC_ALL_COUNTS, body=Body(),
               body_optional=True,
               errors=("GR_WORKOS_NOT_CONFIGURED", "GR_SYNC_IN_PROGRESS", "GR_WORKOS_ERROR"))
    def on_post(self, req, resp):
        self.respond(req, resp)
