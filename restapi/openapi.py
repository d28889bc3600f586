"""The OpenAPI 3.1 document, made from the routes and their `@operation` declarations.

Nothing here restates an input rule: parameters and bodies come from the same Field
declarations the hooks enforce, answers from schemas.py, error codes from errors.py.
A responder without a declaration is an error when the document is built (and the
contract test builds it), so no route can be served undocumented. What is added here is
what holds for every operation alike: the headers every answer carries, the rate-limit
and idempotency headers, tags, links from each create to what acts on the created row,
and the outgoing webhook events (OpenAPI 3.1 `webhooks`).
"""
import re

from goldenrecord.store.events import EVENT_TYPES, PING

from . import schemas
from .errors import ERROR_CODES, PASSTHROUGH_CODE
from .inputs import MAX_BODY_BYTES, MAX_BODY_DEPTH, parameter_description
from .operations import camel, route_operations
from .responses import MAX_LIMIT

JSON = "application/json"
REQUEST_ID = {"type": "string", "pattern": "^req_[0-9a-f]{24}$",
              "examples": ["req_5f2b8c0d1e3a4f6b7c8d9e0f"]}
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255
DEFAULT_PORT = 8080  # `goldenrecord serve`'s (settings.ServerConfig.port; a test keeps them equal)

# Codes any operation may answer, beyond its own: every request is checked in this order.
PUBLIC_CODES = ("GR_VALIDATION_ERROR", "GR_INTERNAL_ERROR", "GR_SERVICE_UNAVAILABLE")
AUTHENTICATED_CODES = ("GR_VALIDATION_ERROR", "GR_UNAUTHORIZED", "GR_INVALID_API_KEY",
                       "GR_IP_NOT_ALLOWED", "GR_FORBIDDEN", "GR_ORG_SCOPE_VIOLATION",
                       "GR_RATE_LIMITED", "GR_INTERNAL_ERROR", "GR_SERVICE_UNAVAILABLE")
# Statuses whose error answers say when to try again (Retry-After): a rate limit's 429,
# and the 503 of a database that cannot serve for now.
RETRY_STATUSES = (429, 503)
BODY_CODES = ("GR_PAYLOAD_TOO_LARGE",)
POST_CODES = ("GR_IDEMPOTENCY_KEY_REUSED",)

GLOBAL_ONLY = (" Acts on every organization: refused to organization-scoped keys, whatever "
               "their scopes (403 `GR_ORG_SCOPE_VIOLATION`).")

DESCRIPTION = f"""\
Golden Record: the one authoritative record of organizations, users, memberships, roles and
permissions.

Every request but `/`, `/healthz`, `/readyz`, this document and `/docs` needs
`Authorization: Bearer gr_live_…`; each operation names the scope it needs
(`x-required-scope`; `*:*` passes every check). Every answer is the envelope
`{{success, data, meta?, errors?, requestId}}` — but for this document, `/docs` and the
Prometheus text of `/metrics` — and failures always are: they carry one error with a `code`
(see `x-error-codes`) and, for invalid input, the `field` at fault.

Every POST takes an optional `Idempotency-Key` header (1–{MAX_IDEMPOTENCY_KEY} printable ASCII
characters): the same key with the same request within 24 hours returns the first answer
again with `Idempotent-Replayed: true`, without acting twice; with a different request it is
409 `GR_IDEMPOTENCY_KEY_REUSED`. Keys are per API key.

Each API key may make its tier's number of requests per minute; every answer to a key says
where it stands (`X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`), a 403
for a missing scope or a refused address included (a 401 names no usable key, so has none;
header names are case-insensitive, and the server writes them `X-Ratelimit-…`), and a
refusal (429 `GR_RATE_LIMITED`) says when to try again (`Retry-After`, in seconds). So does
503 `GR_SERVICE_UNAVAILABLE`, which any operation may answer while the database cannot serve
(locked by another process, disk full, read-only); nothing was changed, and the same request
may be sent again.

Every path that answers GET also answers HEAD (the same status and headers, no body), and
OPTIONS (200, its `Allow` header naming the same methods as a 405 there).

Limits: request bodies at most {MAX_BODY_BYTES} bytes (413 `GR_PAYLOAD_TOO_LARGE`), nested at
most {MAX_BODY_DEPTH} levels (400, field `body`); string lengths, array lengths and `metadata`
size and depth as each schema states (400 naming the field); list pages at most {MAX_LIMIT}
items. No string may hold a lone UTF-16 surrogate escape (`\\ud800` unpaired): 400 naming
the top-level field it is in."""

# Each tag with what its operations are for; an operation's tag comes from its path (_tag).
TAGS = {
    "organizations": "Organizations: created in staging, verified, searched, updated, deleted.",
    "users": "Users: one per email address, member of any number of organizations.",
    "memberships": "Who belongs to which organization, with which role; owners.",
    "invitations": "Invitations to join an organization: created, resent, revoked, accepted.",
    "roles": "The roles a membership can hold, with their permissions: system, environment "
             "and organization roles.",
    "permissions": "The permissions roles are made of (`resource:action`).",
    "authorization": "May this member do this? The permission check, answered from memory.",
    "keys": "API keys: created, rotated, revoked; each grants at most what its creator holds.",
    "analytics": "Usage of the API by route and over time, from the request log.",
    "events": "Every change, as webhooks deliver it, as a feed in commit order with a cursor.",
    "audit-logs": "Who changed what, when, from where; hash-chained, exportable, and "
                  "applications' own events.",
    "webhooks": "Subscriptions to change events, their delivery log, and redelivery.",
    "workos": "The WorkOS integration: its signed webhooks and the bulk user sync.",
    "service": "What needs no key: the index, the health check, this document and `/docs`.",
    "admin": "The admin dashboard's page and its cookie session (while it is installed).",
}

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests this key may make per minute (its tier's limit)",
    "X-RateLimit-Remaining": "Requests left in the current minute",
    "X-RateLimit-Reset": "When the current minute ends (Unix seconds)",
}
REQUEST_ID_HEADER = {"description": "This request's id, also the body's `requestId`: quote it "
                                    "when reporting a problem", "required": True,
                     "schema": REQUEST_ID}
RETRY_AFTER = {"description": "Seconds to wait before trying again", "required": True,
               "schema": {"type": "integer", "minimum": 1, "examples": [42]}}
REPLAYED = {"description": "`true` when this is the stored answer to an earlier request with "
                           "the same `Idempotency-Key`",
            "schema": {"type": "string", "enum": ["true"]}}

# The headers on every delivery of an outgoing event (webhook_delivery.signature_headers).
DELIVERY_HEADERS = {
    "X-Webhook-Id": "The event's id, the same on every redelivery",
    "X-Webhook-Event": "The event type",
    "X-Webhook-Timestamp": "When this attempt was signed (Unix seconds)",
    "X-Webhook-Signature": "`sha256=` and the hex HMAC-SHA256 of `{timestamp}.{body}`, keyed "
                           "with the whole `whsec_…` secret",
    "webhook-id": "Standard Webhooks: the event's id",
    "webhook-timestamp": "Standard Webhooks: when this attempt was signed (Unix seconds)",
    "webhook-signature": "Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of "
                         "`{id}.{timestamp}.{body}`, keyed with the base64-decoded part after "
                         "`whsec_`",
}
# What `data` holds in each kind of event (the part of its type before the dot).
EVENT_DATA = {"organization": ("Organization", "The organization, as `GET` shows it"),
              "user": ("User", "The user, as `GET` shows it"),
              "membership": ("MembershipEvent", "The membership, without the expansions"),
              "role": ("Role", "The role, with its permissions, as `GET` shows it"),
              "permission": ("Permission", "The permission, as `GET` shows it"),
              "invitation": ("Invitation", "The invitation, without its token"),
              "group": ("Group", "The SCIM group, without its members"),
              "group.member_added": ("GroupMemberEvent", "The group, and the member who joined"),
              "group.member_removed": ("GroupMemberEvent", "The group, and the member who left"),
              # these two carry the token and the accept link, for the host app to send
              "invitation.created": (schemas.CREATED_INVITATION, "The invitation with its token"),
              "invitation.resent": (schemas.CREATED_INVITATION, "The invitation with its new "
                                                                "token")}


def build(routes, *, version):
    """The document for `routes`, a list of (path template, resource, suffix)."""
    paths = {}
    for template, method, resource, declared in route_operations(routes):
        public = getattr(resource, "public", False)  # as Authentication reads it
        paths.setdefault(template, {})[method] = _operation(template, method, declared, public)
    _link_creates(paths)
    used = {tag for item in paths.values() for op in item.values() for tag in op["tags"]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Golden Record API", "version": version, "description": DESCRIPTION,
                 "contact": {"name": "Golden Record maintainers"}},
        "servers": [{"url": "http://localhost:{port}",
                     "description": "A local `goldenrecord serve`; use your deployment's address",
                     "variables": {"port": {"default": str(DEFAULT_PORT),
                                            "description": "The port it listens on"}}}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()
                 if name in used],
        "paths": paths,
        "webhooks": _outgoing_events(),
        "components": _components(),
        "x-error-codes": [{"code": code, "status": row.status, "description": row.description}
                          for code, row in ERROR_CODES.items()],
    }


def _operation(template, method, op, public):
    authenticated = not public
    codes = [*(AUTHENTICATED_CODES if authenticated else PUBLIC_CODES), *op.errors]
    body = _request_body(op)
    if body is not None:
        codes += BODY_CODES
    if method == "post" and authenticated:
        codes += POST_CODES
    result = {
        "operationId": op.name,
        "summary": op.summary,
        "description": _description(template, method, op, authenticated),
        "tags": [_tag(template)],
        "parameters": _parameters(template, method, op, authenticated),
        "responses": {str(op.status): _success(op, method, authenticated),
                      **_failures(codes, authenticated, op.errors_as)},
    }
    if op.redirect:
        result["responses"]["303"] = _redirect(op, method, authenticated)
    if op.every_organization:
        result["x-global-keys-only"] = True
    if authenticated:
        result["security"] = [{"bearerAuth": []}]
        if op.scope:
            result["x-required-scope"] = op.scope
    else:
        result["security"] = []
    if body is not None:
        result["requestBody"] = body
    return result


def _description(template, method, op, authenticated):
    """The operation's own description, after the scope it needs and before the
    organization rule: never empty, since every operation is declared with one."""
    if not op.description:
        raise TypeError(f"{method.upper()} {template}: @operation needs a description")
    text = op.description
    if authenticated and op.scope:
        text = f"Requires scope `{op.scope}`. {text}"
    if op.every_organization:
        text += GLOBAL_ONLY
    return text


def _request_body(op):
    """The body the hook checks (`body`), or the one the responder reads itself."""
    if op.body is not None:
        content = {JSON: {"schema": op.body.schema(partial=op.partial)}}
        required = not op.body_optional
    elif op.reads_body is not None:
        content = {media: {"schema": schema} for media, schema in op.reads_body.items()}
        required = True
    else:
        return None
    return {"required": required, "description": f"A JSON object of at most {MAX_BODY_BYTES} bytes",
            "x-max-bytes": MAX_BODY_BYTES, "content": content}


def _parameters(template, method, op, authenticated):
    names = re.findall(r"{(\w+)}", template)
    if sorted(names) != sorted(op.path):
        raise TypeError(f"{template}: path parameters {names} but declared {sorted(op.path)}")
    parameters = []
    for name in names:
        schema = op.path[name].schema()
        parameters.append({"name": name, "in": "path", "required": True,
                           "description": parameter_description(schema), "schema": schema,
                           "x-field": camel(name)})
    if op.query is not None:
        parameters += op.query.parameters()
    parameters += op.reads_headers
    if method == "post" and authenticated:
        parameters.append({
            "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
            "description": "Makes a retry safe: the same key and request within 24 hours "
                           "return the first answer again instead of acting twice "
                           f"(1–{MAX_IDEMPOTENCY_KEY} printable ASCII characters).",
            # HTTP drops spaces around a header value, so they are allowed around the key
            "schema": {"type": "string", "pattern": (
                f"^[ \\t]*[\\x21-\\x7e]{{1,{MAX_IDEMPOTENCY_KEY}}}[ \\t]*$"),
                "x-rule": f"1–{MAX_IDEMPOTENCY_KEY} printable ASCII characters, no spaces"},
            "example": "order-1234-create"})
    return parameters


def _header_components():
    """Every answer header, declared once and referred to from each answer."""
    headers = {"X-Request-Id": REQUEST_ID_HEADER, "Retry-After": RETRY_AFTER,
               "Idempotent-Replayed": REPLAYED}
    headers.update({name: {"description": text, "schema": {"type": "integer"}}
                    for name, text in RATE_LIMIT_HEADERS.items()})
    return headers


def _header(name):
    return {"$ref": f"#/components/headers/{name}"}


def _answer_headers(authenticated):
    """The headers of every answer: the request id, and to a key where it stands."""
    headers = {"X-Request-Id": _header("X-Request-Id")}
    if authenticated:  # absent when rate limiting is turned off, or no usable key was sent
        headers.update({name: _header(name) for name in RATE_LIMIT_HEADERS})
    return headers


def _success(op, method, authenticated):
    headers = _answer_headers(authenticated)
    if method == "post" and authenticated:
        headers["Idempotent-Replayed"] = _header("Idempotent-Replayed")
    if op.media_type != JSON or not op.envelope:
        return {"description": op.summary, "headers": headers,
                "content": {media_type: {"schema": _schema(op.response)}
                            for media_type in (op.media_type, *op.other_media_types)}}
    data = _schema(op.response)
    if "$ref" not in data:
        data = {**data, "description": op.summary}
    properties = {"success": {"const": True, "description": "Always true"}, "data": data,
                  "requestId": {**REQUEST_ID, "description": "This request's id"}}
    required = ["success", "data", "requestId"]
    if op.page:
        properties["data"] = {"type": "array", "items": data, "description": "This page's items"}
        properties["meta"] = schemas.ref("PageMeta")
        required.append("meta")
    elif op.meta is not None:
        properties["meta"] = {**op.meta, "description": "About the answer"}
        required.append("meta")
    envelope = {"type": "object", "additionalProperties": False, "required": required,
                "properties": properties}
    media = {"schema": envelope}
    example = _example(op)
    if example is not None:
        media["example"] = example
    return {"description": op.summary, "headers": headers, "content": {JSON: media}}


def _example(op):
    """The success envelope around the example of the answer's component, if it has one
    and the envelope needs nothing else."""
    if not isinstance(op.response, str) or op.meta is not None:
        return None
    found = schemas.COMPONENTS[op.response].get("examples")
    if not found:
        return None
    data, request_id = found[0], REQUEST_ID["examples"][0]
    if op.page:
        return {"success": True, "data": [data],
                "meta": schemas.COMPONENTS["PageMeta"]["examples"][0], "requestId": request_id}
    return {"success": True, "data": data, "requestId": request_id}


def _redirect(op, method, authenticated):
    """The 303 an operation may answer instead: the success answer, plus a Location."""
    answer = _success(op, method, authenticated)
    answer["description"] = f"See Other: {op.redirect}"
    answer["headers"]["Location"] = {"description": "Where the browser is sent",
                                     "required": True, "schema": {"type": "string"}}
    return answer


def _failures(codes, authenticated, errors_as=None):
    by_status = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(ERROR_CODES[code].status, []).append(code)
    return {str(status): _failure(status, found, authenticated, errors_as)
            for status, found in sorted(by_status.items())}


def _failure(status, codes, authenticated, errors_as=None):
    headers = _answer_headers(authenticated)
    if status in RETRY_STATUSES:
        headers["Retry-After"] = _header("Retry-After")
    first = ERROR_CODES[codes[0]]
    example = {"success": False, "data": None, "requestId": REQUEST_ID["examples"][0],
               "errors": [{"code": codes[0], "message": first.description}]}
    content = {JSON: {"schema": schemas.ref("ErrorEnvelope"), "example": example}}
    if errors_as is not None:
        content = {media_type: {"schema": schema} for media_type, schema in errors_as.items()}
    return {"description": ", ".join(codes), "headers": headers, "content": content,
            "x-error-codes": codes}


def _link_creates(paths):
    """Links from each create (a POST answering 201 on a collection) to every operation on
    the row it created (`{collection}/{id}` and its actions), passing the new id: what
    a stateful client or test follows from a create to its get, update and delete."""
    for template, item in paths.items():
        create = item.get("post")
        if create is None or "201" not in create["responses"]:
            continue
        row = f"{template}/{{id}}"
        answer = create["responses"]["201"]["content"]
        enveloped = "data" in answer.get(JSON, {}).get("schema", {}).get("properties", {})
        pointer = "$response.body#/data/id" if enveloped else "$response.body#/id"
        links = {}
        for target, target_item in paths.items():
            if target != row and not target.startswith(row + "/"):
                continue
            if re.findall(r"{(\w+)}", target) != ["id"]:
                continue
            for method, op in target_item.items():
                links[op["operationId"]] = {
                    "operationId": op["operationId"],
                    "parameters": {"id": pointer},
                    "description": f"{method.upper()} {target} on the row just created"}
        if links:
            create["responses"]["201"]["links"] = links


def _outgoing_events():
    """OpenAPI 3.1 `webhooks`: one POST per event type, as a subscription receives it."""
    events = {}
    for name in (*EVENT_TYPES, PING):
        kind, _, action = name.partition(".")
        if name == PING:
            data, about = schemas.PING_DATA, "A test event, sent to one subscription"
            summary = "Ping: sent by `POST /api/v1/webhooks/{id}/test`"
        else:
            component, about = EVENT_DATA.get(name) or EVENT_DATA[kind]
            data = schemas.ref(component)
            summary = f"A {kind} was {action}"
        events[name] = {"post": {
            "operationId": camel(name.replace(".", "_")) + "Event",
            "summary": summary,
            "description": f"`{name}`: POSTed to each active subscription whose `events` "
                           "include it (or `*`) and whose organization it concerns, signed "
                           "with the subscription's secret. Retried with backoff until a 2xx.",
            "tags": ["webhooks"],
            "parameters": [{"name": header, "in": "header", "required": True,
                            "description": text, "schema": {"type": "string"}}
                           for header, text in DELIVERY_HEADERS.items()],
            "requestBody": {"required": True, "description": "The event, as JSON",
                            "content": {JSON: {"schema": schemas.event(name, data, about)}}},
            "responses": {"200": {"description": "Any 2xx acknowledges the delivery; any "
                                                 "other answer, or none, is retried"}},
            "security": [],
        }}
    return events


def _schema(response):
    return schemas.ref(response) if isinstance(response, str) else response


def _tag(template):
    """The tag of an operation: its collection under /api/v1, else what part it is of."""
    if "workos" in template:
        return "workos"
    if template.startswith("/admin"):
        return "admin"
    resource = template.removeprefix("/api/v1/").split("/")[0]
    return resource if template.startswith("/api/v1/") and "." not in resource else "service"


def _components():
    return {
        "schemas": {
            **schemas.COMPONENTS,
            "ErrorCode": {"type": "string", "enum": list(ERROR_CODES),
                          "description": "; ".join(f"{c} ({row.status}): {row.description}"
                                                   for c, row in ERROR_CODES.items())},
            "Error": {
                "type": "object", "additionalProperties": False, "required": ["code", "message"],
                "properties": {
                    # Falcon's rarer HTTP errors pass through as GR_HTTP_<status>
                    "code": {"anyOf": [schemas.ref("ErrorCode"),
                                       {"type": "string", "pattern": f"^{PASSTHROUGH_CODE}$"}],
                             "description": "What went wrong, as a stable code"},
                    "message": {"type": "string", "description": "What went wrong, in words"},
                    "field": {"type": ["string", "null"],
                              "description": "The input field at fault (camelCase, or `body`)"},
                    "details": {"type": "object",
                                "description": "More about it, e.g. the limit exceeded"},
                },
            },
            "ErrorEnvelope": {
                "type": "object", "additionalProperties": False,
                "required": ["success", "data", "errors", "requestId"],
                "properties": {
                    "success": {"const": False, "description": "Always false"},
                    "data": {"type": "null", "description": "Always null"},
                    "errors": {"type": "array", "minItems": 1, "items": schemas.ref("Error"),
                               "description": "One error"},
                    "requestId": {**REQUEST_ID, "description": "This request's id"},
                },
            },
        },
        "headers": _header_components(),
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "gr_live_…",
                           "description": "An API key: `Authorization: Bearer gr_live_…`"},
        },
    }
