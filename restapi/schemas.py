"""JSON Schemas of what the API answers: one per representation in store/records.py.

Published as the OpenAPI document's components. Every object is closed
(`additionalProperties: false`) and lists all its keys as required, so a representation
that gains, loses or renames a key no longer matches its schema — the contract test and the
fuzzer both fail until the two agree again. Every property says what it is (`described`),
and each representation carries an example, which the linters check against its schema.
"""
from goldenrecord.search import TOTAL_CAP

STRING = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}


def described(schema, text):
    """`schema` with a description: what the value is, for a person reading the reference."""
    return {**schema, "description": text}


def nullable(schema):
    return {**schema, "type": [schema["type"], "null"]}


def closed(**properties):
    """An object with exactly these keys."""
    return {"type": "object", "additionalProperties": False, "required": list(properties),
            "properties": properties}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def extended(name, **more):
    """Component `name` with extra keys (e.g. a secret shown once)."""
    base = COMPONENTS[name]
    return closed(**base["properties"], **more)


def example(schema, value):
    """`schema` with `value` as its example."""
    return {**schema, "examples": [value]}


def _id(what):
    return described(STRING, f"The {what}'s id")


def _uuid(what):
    return described({**STRING, "format": "uuid"}, f"The {what}'s id (a UUID)")


def _created(what):
    return described(TIME, f"When the {what} was created (UTC)")


def _updated(what):
    return described(TIME, f"When the {what} last changed (UTC)")


METADATA = described({"type": "object"}, "Custom data, stored and returned as given")
_EXTERNAL_ID = described(nullable(STRING), "Another system's id for it, unique per type; "
                                           "null: none")
ORG_ID = "0b7e2b4e-3c1a-4c53-9d0e-6f1d2a3b4c5d"
USER_ID = "5f0c8a1e-7d2b-4e6f-8a9b-1c2d3e4f5a6b"
AT = "2026-01-31T09:00:00Z"
LATER = "2026-02-01T10:30:00Z"

_ORGANIZATION = {
    "id": ORG_ID, "name": "Acme Corp", "slug": "acme-corp", "domain": "acme.com",
    "logoUrl": None, "workosOrgId": None, "isVerified": True, "isActive": True,
    "metadata": {"plan": "enterprise"}, "externalId": None, "createdAt": AT, "updatedAt": LATER}
_USER = {
    "id": USER_ID, "email": "jane@acme.com", "firstName": "Jane", "lastName": "Doe",
    "avatarUrl": None, "workosUserId": None, "isActive": True, "metadata": {},
    "externalId": None, "createdAt": AT, "updatedAt": AT}
_MEMBERSHIP_EVENT = {
    "id": "mem_4c1f0d6e2a7b4b8e9f0a1b2c3d4e5f60", "organizationId": ORG_ID, "userId": USER_ID,
    "roleId": "role_member", "roleSource": "manual", "isOwner": False, "status": "active",
    "createdAt": AT, "updatedAt": AT}
_PERMISSION = {"id": "perm_05", "name": "Read Users", "slug": "users:read",
               "resource": "users", "action": "read", "description": None, "isSystem": True}
_API_KEY = {
    "id": "key_9a8b7c6d5e4f40312a1b2c3d4e5f6a7b", "name": "CRM sync", "keyPrefix": "gr_live_AbCd",
    "organizationId": None, "scopes": ["organizations:read", "users:read"], "tier": "pro",
    "allowedIps": [], "expiresAt": None, "lastUsedAt": LATER, "isActive": True,
    "createdAt": AT}
_WEBHOOK = {
    "id": "whk_2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7", "name": "CRM", "url": "https://crm.acme.com/hooks",
    "events": ["organization.created"], "isActive": True, "disabledReason": None,
    "previousSecretExpiresAt": None, "organizationId": None, "metadata": {}, "createdAt": AT, "updatedAt": AT}

COMPONENTS = {
    "Organization": example(closed(
        id=_uuid("organization"),
        name=described(STRING, "The organization's display name"),
        slug=described(STRING, "Unique, URL-safe name (lowercase letters, digits, hyphens)"),
        domain=described(nullable(STRING), "The organization's email domain, if known"),
        logoUrl=described(nullable(STRING), "An absolute URL of its logo"),
        workosOrgId=described(nullable(STRING), "The linked WorkOS organization, if any"),
        isVerified=described(BOOL, "Verified organizations leave staging (see `/verify`)"),
        isActive=described(BOOL, "Inactive organizations are kept but marked as such"),
        metadata=METADATA, externalId=_EXTERNAL_ID, createdAt=_created("organization"),
        updatedAt=_updated("organization")), _ORGANIZATION),
    "User": example(closed(
        id=_uuid("user"),
        email=described(STRING, "The user's email address, unique (compared without case)"),
        firstName=described(nullable(STRING), "Given name"),
        lastName=described(nullable(STRING), "Family name"),
        avatarUrl=described(nullable(STRING), "An absolute URL of the user's picture"),
        workosUserId=described(nullable(STRING), "The linked WorkOS user, if any"),
        isActive=described(BOOL, "False once deactivated (e.g. deleted in WorkOS)"),
        metadata=METADATA, externalId=_EXTERNAL_ID, createdAt=_created("user"),
        updatedAt=_updated("user")), _USER),
    "MembershipEvent": example(closed(
        id=_id("membership"),
        organizationId=described(STRING, "The organization the user belongs to"),
        userId=described(STRING, "The member"),
        roleId=described(STRING, "The member's role in this organization"),
        roleSource=described({"type": "string", "enum": ["manual", "group"]},
                             "Who gave the role: `group`, a mapped SCIM group (the groups "
                             "keep it; it cannot be changed by hand); `manual`, anyone else"),
        isOwner=described(BOOL, "Whether the member owns the organization"),
        status=described({"type": "string", "enum": ["active", "inactive"]},
                         "`inactive`: deactivated, grants nothing until reactivated"),
        createdAt=_created("membership"), updatedAt=_updated("membership")),
        _MEMBERSHIP_EVENT),
    "Permission": example(closed(
        id=_id("permission"), name=described(STRING, "A readable name"),
        slug=described(STRING, "`resource:action`, as in API key scopes"),
        resource=described(STRING, "What it applies to"),
        action=described(STRING, "What it allows on the resource"),
        description=described(nullable(STRING), "What the permission allows"),
        isSystem=described(BOOL, "One of the reference's eight: built in, not editable")),
        _PERMISSION),
}
_GROUP = {"id": "7d1f0c9e-2b4a-4e8f-9c3d-5a6b7c8d9e0f", "organizationId": ORG_ID,
          "displayName": "Engineering", "externalId": "00g1emaKYZTWRYYRRTSK", "roleId": None,
          "createdAt": AT, "updatedAt": AT}
COMPONENTS["Group"] = example(closed(
    id=_uuid("group"), organizationId=described(STRING, "The organization it belongs to"),
    displayName=described(STRING, "Its name, unique in the organization (SCIM displayName)"),
    externalId=described(nullable(STRING), "The identity provider's id for it"),
    roleId=described(nullable(STRING), "The role its members get; null: none (unmapped)"),
    createdAt=_created("group"), updatedAt=_updated("group")), _GROUP)
COMPONENTS["GroupWithCount"] = example(extended(
    "Group", memberCount=described(INT, "How many members it has")),
    {**_GROUP, "memberCount": 12})
COMPONENTS["GroupMemberEvent"] = example(closed(
    group=described(ref("Group"), "The group"),
    user=described(closed(id=_uuid("user"), email=described(STRING, "The user's email")),
                   "The member, in short")),
    {"group": _GROUP, "user": {"id": USER_ID, "email": "jane@acme.com"}})
COMPONENTS["Membership"] = example(extended(
    "MembershipEvent",
    user=described(closed(id=_uuid("user"), email=described(STRING, "The user's email"),
                          firstName=described(nullable(STRING), "Given name"),
                          lastName=described(nullable(STRING), "Family name")),
                   "The member, in short"),
    organization=described(closed(id=_uuid("organization"),
                                  name=described(STRING, "The organization's name"),
                                  slug=described(STRING, "The organization's slug")),
                           "The organization, in short"),
    role=described(closed(id=_id("role"), name=described(STRING, "The role's name"),
                          slug=described(STRING, "The role's slug")), "The role, in short")),
    {**_MEMBERSHIP_EVENT,
     "user": {"id": USER_ID, "email": "jane@acme.com", "firstName": "Jane", "lastName": "Doe"},
     "organization": {"id": ORG_ID, "name": "Acme Corp", "slug": "acme-corp"},
     "role": {"id": "role_member", "name": "Member", "slug": "member"}})
COMPONENTS.update({
    "Role": example(closed(
        id=_id("role"), name=described(STRING, "A readable name"),
        slug=described(STRING, "Unique short name, in the whole environment"),
        description=described(nullable(STRING), "What the role is for"),
        isSystem=described(BOOL, "Built in, not editable"),
        permissions=described({"type": "array", "items": ref("Permission")},
                              "What the role allows"),
        organizationId=described(nullable(STRING), "The one organization the role exists "
                                                    "in; null: every organization"),
        priority=described(INT, "Its rank, lower first: roles are listed in this order and "
                                 "a member of several mapped groups gets the lowest. A sort "
                                 "key, not a position (see PUT /roles/priority)"),
        createdAt=_created("role")),
        {"id": "role_member", "name": "Member", "slug": "member", "description": "Reads",
         "isSystem": True, "permissions": [_PERMISSION], "organizationId": None,
         "priority": 2000, "createdAt": AT}),
    "ApiKey": example(closed(
        id=_id("key"), name=described(STRING, "What the key is for"),
        keyPrefix=described(STRING, "The key's first characters, to recognise it by"),
        organizationId=described(nullable(STRING),
                                 "The one organization the key may act on; null: every one"),
        scopes=described({"type": "array", "items": STRING},
                         "What the key may do, `resource:action` (`*:*`: everything)"),
        tier=described(STRING, "Its rate-limit tier (requests per minute)"),
        allowedIps=described({"type": "array", "items": STRING},
                             "Addresses or CIDR ranges it may be used from; empty: any"),
        expiresAt=described(nullable(TIME), "When it stops working; null: never"),
        lastUsedAt=described(nullable(TIME), "When it was last used, to the minute"),
        isActive=described(BOOL, "False once revoked or expired"),
        createdAt=_created("key")), _API_KEY),
    "Webhook": example(closed(
        id=_id("subscription"), name=described(STRING, "What the subscription is for"),
        url=described(STRING, "Where events are POSTed"),
        events=described({"type": "array", "items": STRING},
                         "The event types it receives (`*`: all)"),
        isActive=described(BOOL, "Inactive subscriptions receive nothing"),
        disabledReason=described(nullable(STRING), "Why the service turned it off, if it did"),
        previousSecretExpiresAt=described(
            nullable(TIME), "Until when the secret the last rotation replaced still signs "
                            "deliveries beside the current one; null: none does"),
        organizationId=described(nullable(STRING),
                                 "Receives only this organization's events; null: all"),
        metadata=METADATA, createdAt=_created("subscription"),
        updatedAt=_updated("subscription")), _WEBHOOK),
    "Delivery": example(closed(
        id=_id("delivery"), webhookId=described(STRING, "The subscription it goes to"),
        eventId=described(STRING, "The event sent (`X-Webhook-Id`)"),
        event=described(STRING, "The event's type"),
        status=described({"type": "string", "enum": ["pending", "succeeded", "failed"]},
                         "`pending` until answered with a 2xx or out of attempts"),
        attempts=described(INT, "Attempts made so far"),
        responseCode=described(nullable(INT), "The HTTP status of the last attempt"),
        durationMs=described(nullable({"type": "number"}), "How long the last attempt took"),
        error=described(nullable(STRING), "Why the last attempt failed"),
        nextAttemptAt=described(nullable(TIME), "When it is tried next, while pending"),
        deliveredAt=described(nullable(TIME), "When a 2xx answered it"),
        createdAt=_created("delivery"), updatedAt=_updated("delivery")),
        {"id": "dlv_0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5", "webhookId": _WEBHOOK["id"],
         "eventId": "evt_1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6", "event": "organization.created",
         "status": "succeeded", "attempts": 1, "responseCode": 200, "durationMs": 41.5,
         "error": None, "nextAttemptAt": None, "deliveredAt": AT, "createdAt": AT,
         "updatedAt": AT}),
    "Deleted": example(closed(id=described(STRING, "The id of what was deleted"),
                              deleted={"type": "boolean", "const": True,
                                       "description": "Always true"}),
                       {"id": ORG_ID, "deleted": True}),
    "PageMeta": example(closed(
        limit=described(INT, "The page size used"),
        total=described(INT, "How many items match, over all pages (a search counts up to "
                             f"{TOTAL_CAP:,}: see totalCapped)"),
        totalCapped=described(BOOL, f"True when a `search` matched more than {TOTAL_CAP:,} "
                                    f"items: `total` is then {TOTAL_CAP:,}, a lower bound, "
                                    "not the exact count; false otherwise"),
        hasMore=described(BOOL, "Whether another page follows"),
        nextCursor=described(nullable(STRING), "Pass as `cursor` for the next page; null "
                                               "on the last")),
        {"limit": 20, "total": 42, "totalCapped": False, "hasMore": True,
         "nextCursor": "eyJhZnRlciI6IDF9.c2ln"}),
})

_INVITATION = {
    "id": "inv_3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8", "organizationId": ORG_ID,
    "email": "jo@acme.com", "roleId": "role_member", "state": "pending",
    "expiresAt": "2026-02-07T09:00:00Z", "acceptedUserId": None, "createdAt": AT,
    "updatedAt": AT}
COMPONENTS["Invitation"] = example(closed(
    id=_id("invitation"), organizationId=described(STRING, "The organization to join"),
    email=described(STRING, "Who is invited"),
    roleId=described(nullable(STRING), "The role the invitee gets; null only on an accepted "
                                        "or revoked invitation whose role was deleted since"),
    state=described({"type": "string", "enum": ["pending", "accepted", "revoked", "expired"]},
                    "`pending` until accepted, revoked or past `expiresAt`"),
    expiresAt=described(TIME, "When the token stops working"),
    acceptedUserId=described(nullable(STRING), "Who accepted it, once accepted"),
    createdAt=_created("invitation"), updatedAt=_updated("invitation")), _INVITATION)
CREATED_INVITATION = "CreatedInvitation"
COMPONENTS[CREATED_INVITATION] = example(extended(
    "Invitation",
    token=described(STRING, "The token, shown only this once: send it to the invitee"),
    acceptUrl=described(nullable(STRING), "`invitations.accept_url_template` with the token; "
                                          "null when none is configured")),
    {**_INVITATION, "token": "gr_inv_Xk2mW9pQrT5vY8zA1bC4dE7fG0hJ3kL6nP9sU2wZ5yB",
     "acceptUrl": "https://app.acme.com/join?token=gr_inv_Xk2mW9pQrT5vY8zA1bC4dE7fG0hJ3kL6nP9sU2wZ5yB"})
COMPONENTS["Domain"] = example(closed(
    id=_id("domain"), organizationId=_uuid("organization"),
    domain=described(STRING, "The domain claimed, in lower case"),
    state=described({"type": "string", "enum": ["pending", "verified", "failed"]},
                    "`verified` once its TXT record was found; `failed` with the reason"),
    verificationRecord=described(closed(
        type={"type": "string", "const": "TXT", "description": "Always `TXT`"},
        name=described(STRING, "Where to publish it: `_goldenrecord-verification.<domain>`"),
        value=described(STRING, "What it must hold")), "The DNS record that proves control"),
    failureReason=described(nullable(STRING), "Why the last verification failed"),
    joinPolicy=described({"type": "string", "enum": ["none", "auto"]},
                         "`auto`: new users at the domain join the organization"),
    roleId=described(nullable(STRING), "The role `auto` gives"),
    verifiedAt=described(nullable(TIME), "When it was first verified"),
    createdAt=_created("domain"), updatedAt=_updated("domain")),
    {"id": "dom_4d5e6f7a8b9c40d1e2f3a4b5c6d7e8f9", "organizationId": ORG_ID,
     "domain": "acme.com", "state": "verified",
     "verificationRecord": {"type": "TXT", "name": "_goldenrecord-verification.acme.com",
                            "value": "goldenrecord-verification=Zt3kP0q8sW1xY4bN7cV2mL5j"},
     "failureReason": None, "joinPolicy": "auto", "roleId": "role_member", "verifiedAt": AT,
     "createdAt": AT, "updatedAt": AT})

_SPANS = {"type": "array", "items": {"type": "array", "items": INT, "minItems": 2, "maxItems": 2}}

# Answers that are not a stored representation, inline in their operation.
HEALTH = closed(status={"type": "string", "const": "ok", "description": "Always `ok`"})
VERIFIED = closed(id=_uuid("organization"),
                  isVerified=described(BOOL, "The verification flag, as now set"),
                  message=described(STRING, "What happened, in words"))
AUTOCOMPLETE = {"type": "array", "items": closed(
    id=_uuid("organization"), name=described(STRING, "The organization's name"),
    slug=described(STRING, "The organization's slug"),
    domain=described(nullable(STRING), "The organization's domain"),
    isVerified=described(BOOL, "Whether it is verified"),
    matches=described(closed(
        name=described(_SPANS, "Matched ranges in `name`"),
        slug=described(_SPANS, "Matched ranges in `slug`"),
        domain=described(_SPANS, "Matched ranges in `domain`")),
        "[start, end) character ranges that matched, per field"))}
CREATED_KEY = "CreatedApiKey"
COMPONENTS[CREATED_KEY] = example(
    extended("ApiKey", key={**STRING, "description": "The key itself: shown only this once"}),
    {**_API_KEY, "key": "gr_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"})
COMPONENTS["CreatedWebhook"] = example(extended(
    "Webhook", secret={**STRING, "description": "The signing secret, shown only this once"}),
    {**_WEBHOOK, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
ROTATED = closed(
    oldKey=described(closed(
        id=_id("old key"), keyPrefix=described(STRING, "The old key's prefix"),
        expiresAt=described(nullable(TIME), "When the old key stops working"),
        message=described(STRING, "What happens to the old key, in words")),
        "The key rotated, which still works for 7 days"),
    newKey=ref(CREATED_KEY))
_ROLE_NAMED = closed(id=_id("role"), name=described(STRING, "The role's name"),
                     slug=described(STRING, "The role's slug"))
CHECK = example(closed(
    authorized=described(BOOL, "Whether the user may do it now"),
    role=described({**_ROLE_NAMED, "type": ["object", "null"]},
                   "The role the user's membership holds; null: not a member")),
    {"authorized": True, "role": {"id": "role_admin", "name": "Admin", "slug": "admin"}})
EFFECTIVE = example(described({"type": "array", "items": STRING},
                              "Permission slugs, oldest permission first"),
                    ["organizations:read", "users:read"])
PING = closed(eventId=described(STRING, "The queued event's id"),
              event={"type": "string", "const": "ping", "description": "Always `ping`"},
              queued=described(BOOL, "Always true: the sender delivers it shortly"))
_BY_ENDPOINT = closed(endpoint=described(STRING, "The route template"),
                      method=described(STRING, "The HTTP method"),
                      count=described(INT, "Requests"),
                      avgMs=described(INT, "Mean response time in whole milliseconds "
                                           "(halves rounded up)"),
                      avgMsExact={"type": "number",
                                  "description": "Mean response time in milliseconds, to 3 decimals"})
ANALYTICS = closed(
    summary=described(closed(
        totalRequests=described(INT, "Requests in the period"),
        successfulRequests=described(INT, "Answered below 400"),
        failedRequests=described(INT, "Answered 400 or above"),
        avgResponseTimeMs=described(INT, "Mean response time in whole milliseconds (halves "
                                         "rounded up)"),
        avgResponseTimeMsExact={"type": "number",
                                "description": "Mean response time in milliseconds, to 3 decimals"},
        successRate={"type": "number", "description": "Percent answered below 400"}),
        "Totals over the period"),
    byEndpoint=described({"type": "array", "items": _BY_ENDPOINT}, "Per route and method"),
    byDay=described({"type": "array", "items": closed(
        date=described(STRING, "The day (UTC), `YYYY-MM-DD`"),
        count=described(INT, "Requests that day"))}, "Per day"))
# only with groupBy=hour, so not among the required keys
ANALYTICS["properties"]["byHour"] = described({"type": "array", "items": closed(
    hour=described(STRING, "The hour (UTC)"), count=described(INT, "Requests that hour"))},
    "Per hour, with `groupBy=hour` only")
# issue 25: the slow tail and who makes the traffic (additive: older clients ignore them)
ANALYTICS["properties"]["latencyPercentiles"] = described(closed(**{
    f"p{p}": {"type": "number", "description": f"{p}th percentile response time, ms (nearest rank)"}
    for p in (50, 90, 95, 99)}), "Response-time percentiles over the period (0 with no requests)")
ANALYTICS["properties"]["byKey"] = described({"type": "array", "items": closed(
    apiKeyId=described(STRING, "The key's id"),
    name=nullable(described(STRING, "The key's name (null once deleted)")),
    keyPrefix=nullable(described(STRING, "The key's prefix (null once deleted)")),
    count=described(INT, "Requests made with it"))}, "The busiest keys, at most 10, busiest first")
ANALYTICS["required"] = [*ANALYTICS["required"], "latencyPercentiles", "byKey"]
ANALYTICS_META = closed(startDate=described(TIME, "The period's start"),
                        endDate=described(TIME, "The period's end"),
                        groupBy=described({"type": "string", "enum": ["day", "hour", "endpoint"]},
                                          "The grouping asked for"))


def event(name, data, summary):
    """The body of an outgoing webhook event whose `data` is `data` (a schema)."""
    return closed(
        id=described(STRING, "The event's id, also sent as `X-Webhook-Id` and `webhook-id`; "
                             "the same on every redelivery, so a receiver can drop duplicates"),
        event={"type": "string", "const": name, "description": "The event type"},
        timestamp=described(TIME, "When the change happened (UTC)"),
        data=described(data, summary))


PING_DATA = closed(webhookId=described(STRING, "The subscription pinged"),
                   message=described(STRING, "A fixed greeting"))


# The events feed (restapi/events.py) and the audit log (restapi/auditlogs.py).
FEED_EVENT = example(closed(
    id=described(STRING, "The event's id, the same a webhook delivery of it carries"),
    event=described(STRING, "The event type"),
    timestamp=described(TIME, "When the change was committed (UTC)"),
    data=described({"type": "object"}, "The record as the event's webhook carries it")),
    {"id": "evt_3f2a", "event": "organization.updated", "timestamp": AT,
     "data": {"id": ORG_ID, "name": "Acme"}})
FEED_META = closed(
    limit=described(INT, "Events per page asked for"),
    hasMore=described(BOOL, "More events follow this page now"),
    nextCursor=described(STRING, "Where to resume: pass it as `after` (always set; unchanged "
                                 "when no event matched)"))
_NULLABLE_STRING = {"type": ["string", "null"]}
AUDIT_ENTRY = example(closed(
    id=described(STRING, "The entry's id"),
    sequence=described(INT, "Its place in the hash chain"),
    action=described(STRING, "What happened: an event type (`organization.updated`), a named "
                             "change (`api_key.revoked`) or an application's declared action"),
    occurredAt=described(TIME, "When (UTC)"),
    actor=described(closed(type=described(STRING, "api_key, dashboard, cli, workos, system or application"),
                 id=described(_NULLABLE_STRING, "The API key's id"),
                 name=described(_NULLABLE_STRING, "The API key's name")), "Who acted"),
    target=described(closed(type=described(_NULLABLE_STRING, "The kind of thing changed"),
                            id=described(_NULLABLE_STRING, "Its id")), "What was acted on"),
    organizationId=described(_NULLABLE_STRING, "The organization concerned"),
    changes=described({"type": "object"}, "Changed fields: name -> {before, after}; secrets "
                                           "never"),
    metadata=described({"type": "object"}, "What the entry adds (an application's metadata)"),
    context=described(closed(
        clientAddress=described(_NULLABLE_STRING, "The client's address"),
        requestId=described(_NULLABLE_STRING, "The request's X-Request-Id")), "From where"),
    hash=described(STRING, "SHA-256 over the previous entry's hash and this entry"),
    previousHash=described(STRING, "The previous entry's hash")),
    {"id": "audit_5e1c", "sequence": 42, "action": "organization.updated", "occurredAt": AT,
     "actor": {"type": "api_key", "id": "key_1a2b", "name": "CRM sync"},
     "target": {"type": "organization", "id": ORG_ID}, "organizationId": ORG_ID,
     "changes": {"name": {"before": "Acme", "after": "Acme Inc"}}, "metadata": {},
     "context": {"clientAddress": "203.0.113.7", "requestId": "req_0123456789abcdef01234567"},
     "hash": "9" * 64, "previousHash": "8" * 64})
AUDIT_META = closed(limit=described(INT, "Entries per page asked for"),
                    hasMore=described(BOOL, "More entries follow"),
                    nextCursor=described(_NULLABLE_STRING, "The next page's `cursor`, or null"))
AUDIT_ACTION = example(closed(
    name=described(STRING, "The action's name"),
    description=described(_NULLABLE_STRING, "What it means"),
    schema=described({"type": "object"}, "The JSON Schema its events' metadata must meet"),
    createdAt=described(TIME, "When it was first declared"),
    updatedAt=described(TIME, "When it was last declared")),
    {"name": "invoice.paid", "description": "An invoice was paid",
     "schema": {"type": "object", "required": ["amount"]}, "createdAt": AT, "updatedAt": AT})
