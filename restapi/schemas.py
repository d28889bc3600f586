"""JSON Schemas of what the API answers: one per representation in store/records.py.

Published as the OpenAPI document's components. Every object is closed
(`additionalProperties: false`) and lists all its keys as required, so a representation
that gains, loses or renames a key no longer matches its schema — the contract test and the
fuzzer both fail until the two agree again.
"""

STRING = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}


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


METADATA = {"type": "object", "description": "Custom data stored as given"}

COMPONENTS = {
    "Organization": closed(
        id={**STRING, "format": "uuid"}, name=STRING, slug=STRING, domain=nullable(STRING),
        logoUrl=nullable(STRING), workosOrgId=nullable(STRING), isVerified=BOOL, isActive=BOOL,
        metadata=METADATA, createdAt=TIME, updatedAt=TIME),
    "User": closed(
        id={**STRING, "format": "uuid"}, email=STRING, firstName=nullable(STRING),
        lastName=nullable(STRING), avatarUrl=nullable(STRING), workosUserId=nullable(STRING),
        isActive=BOOL, metadata=METADATA, createdAt=TIME, updatedAt=TIME),
    "Membership": closed(
        id=STRING, organizationId=STRING, userId=STRING, roleId=STRING, isOwner=BOOL,
        createdAt=TIME, updatedAt=TIME,
        user=closed(id=STRING, email=STRING, firstName=nullable(STRING), lastName=nullable(STRING)),
        organization=closed(id=STRING, name=STRING, slug=STRING),
        role=closed(id=STRING, name=STRING, slug=STRING)),
    "Permission": closed(id=STRING, name=STRING, slug=STRING, resource=STRING, action=STRING),
    "Role": closed(id=STRING, name=STRING, slug=STRING, description=nullable(STRING),
                   isSystem=BOOL, permissions={"type": "array", "items": ref("Permission")},
                   createdAt=TIME),
    "ApiKey": closed(
        id=STRING, name=STRING, keyPrefix=STRING, organizationId=nullable(STRING),
        scopes={"type": "array", "items": STRING}, tier=STRING,
        allowedIps={"type": "array", "items": STRING}, expiresAt=nullable(TIME),
        lastUsedAt=nullable(TIME), isActive=BOOL, createdAt=TIME),
    "Webhook": closed(
        id=STRING, name=STRING, url=STRING, events={"type": "array", "items": STRING},
        isActive=BOOL, disabledReason=nullable(STRING), organizationId=nullable(STRING),
        metadata=METADATA, createdAt=TIME, updatedAt=TIME),
    "Delivery": closed(
        id=STRING, webhookId=STRING, eventId=STRING, event=STRING,
        status={"type": "string", "enum": ["pending", "succeeded", "failed"]},
        attempts=INT, responseCode=nullable(INT), durationMs=nullable({"type": "number"}),
        error=nullable(STRING), nextAttemptAt=nullable(TIME), deliveredAt=nullable(TIME),
        createdAt=TIME, updatedAt=TIME),
    "Deleted": closed(id=STRING, deleted={"type": "boolean", "const": True}),
    "PageMeta": closed(limit=INT, total=INT, hasMore=BOOL, nextCursor=nullable(STRING)),
}

_SPANS = {"type": "array", "items": {"type": "array", "items": INT, "minItems": 2, "maxItems": 2}}

# Answers that are not a stored representation, inline in their operation.
HEALTH = closed(status={"type": "string", "const": "ok"})
VERIFIED = closed(id=STRING, isVerified=BOOL, message=STRING)
AUTOCOMPLETE = {"type": "array", "items": closed(
    id=STRING, name=STRING, slug=STRING, domain=nullable(STRING), isVerified=BOOL,
    matches=closed(name=_SPANS, slug=_SPANS, domain=_SPANS))}
CREATED_KEY = "CreatedApiKey"
COMPONENTS[CREATED_KEY] = extended("ApiKey", key={**STRING, "description": "shown only this once"})
COMPONENTS["CreatedWebhook"] = extended(
    "Webhook", secret={**STRING, "description": "the signing secret, shown only this once"})
ROTATED = closed(
    oldKey=closed(id=STRING, keyPrefix=STRING, expiresAt=nullable(TIME), message=STRING),
    newKey=ref(CREATED_KEY))
PING = closed(eventId=STRING, event={"type": "string", "const": "ping"}, queued=BOOL)
_BY_ENDPOINT = closed(endpoint=STRING, method=STRING, count=INT, avgMs={"type": "number"})
ANALYTICS = closed(
    summary=closed(totalRequests=INT, successfulRequests=INT, failedRequests=INT,
                   avgResponseTimeMs={"type": "number"}, successRate={"type": "number"}),
    byEndpoint={"type": "array", "items": _BY_ENDPOINT},
    byDay={"type": "array", "items": closed(date=STRING, count=INT)})
# only with groupBy=hour, so not among the required keys
ANALYTICS["properties"]["byHour"] = {"type": "array", "items": closed(hour=STRING, count=INT)}
ANALYTICS_META = closed(startDate=TIME, endDate=TIME,
                        groupBy={"type": "string", "enum": ["day", "hour", "endpoint"]})
