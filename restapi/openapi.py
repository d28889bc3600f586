"""The OpenAPI 3.1 document, made from the routes and their `@operation` declarations.

Nothing here restates an input rule: parameters and bodies come from the same Field
declarations the hooks enforce, answers from schemas.py, error codes from errors.py.
A responder without a declaration is an error when the document is built (and the
contract test builds it), so no route can be served undocumented.
"""
import re

from . import schemas
from .errors import ERROR_CODES, PASSTHROUGH_CODE
from .inputs import MAX_BODY_BYTES, MAX_BODY_DEPTH
from .operations import camel, route_operations
from .responses import MAX_LIMIT

JSON = "application/json"
REQUEST_ID = {"type": "string", "pattern": "^req_[0-9a-f]{24}$"}
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255

# Codes any operation may answer, beyond its own: every request is checked in this order.
PUBLIC_CODES = ("GR_VALIDATION_ERROR", "GR_INTERNAL_ERROR")
AUTHENTICATED_CODES = ("GR_VALIDATION_ERROR", "GR_UNAUTHORIZED", "GR_INVALID_API_KEY",
                       "GR_IP_NOT_ALLOWED", "GR_FORBIDDEN", "GR_ORG_SCOPE_VIOLATION",
                       "GR_RATE_LIMITED", "GR_INTERNAL_ERROR")
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

Limits: request bodies at most {MAX_BODY_BYTES} bytes (413 `GR_PAYLOAD_TOO_LARGE`), nested at
most {MAX_BODY_DEPTH} levels (400, field `body`); string lengths, array lengths and `metadata`
size and depth as each schema states (400 naming the field); list pages at most {MAX_LIMIT}
items. No string may hold a lone UTF-16 surrogate escape (`\\ud800` unpaired): 400 naming
the top-level field it is in."""


def build(routes, *, version):
    """The document for `routes`, a list of (path template, resource, suffix)."""
    paths = {}
    for template, method, resource, declared in route_operations(routes):
        public = getattr(resource, "public", False)  # as Authentication reads it
        paths.setdefault(template, {})[method] = _operation(template, method, declared, public)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Golden Record API", "version": version, "description": DESCRIPTION},
        "paths": paths,
        "components": _components(),
        "x-error-codes": [{"code": code, "status": row.status, "description": row.description}
                          for code, row in ERROR_CODES.items()],
    }


def _operation(template, method, op, public):
    authenticated = not public
    codes = [*(AUTHENTICATED_CODES if authenticated else PUBLIC_CODES), *op.errors]
    if op.body is not None:
        codes += BODY_CODES
    if method == "post" and authenticated:
        codes += POST_CODES
    result = {
        "operationId": _operation_id(method, template),
        "summary": op.summary,
        "tags": [_tag(template)],
        "parameters": _parameters(template, method, op, authenticated),
        "responses": {str(op.status): _success(op, method, authenticated), **_failures(codes)},
    }
    if op.redirect:
        result["responses"]["303"] = _redirect(op, method, authenticated)
    if op.description:
        result["description"] = op.description
    if op.every_organization:
        result["description"] = (result.get("description", "") + GLOBAL_ONLY).strip()
        result["x-global-keys-only"] = True
    if authenticated:
        result["security"] = [{"bearerAuth": []}]
        if op.scope:
            result["x-required-scope"] = op.scope
            result["description"] = (f"Requires scope `{op.scope}`. "
                                     + result.get("description", "")).strip()
    else:
        result["security"] = []
    if op.body is not None:
        result["requestBody"] = {
            "required": not op.body_optional,
            "description": f"A JSON object of at most {MAX_BODY_BYTES} bytes",
            "x-max-bytes": MAX_BODY_BYTES,
            "content": {JSON: {"schema": op.body.schema(partial=op.partial)}},
        }
    return result


def _parameters(template, method, op, authenticated):
    names = re.findall(r"{(\w+)}", template)
    if sorted(names) != sorted(op.path):
        raise TypeError(f"{template}: path parameters {names} but declared {sorted(op.path)}")
    parameters = [{"name": name, "in": "path", "required": True, "schema": op.path[name].schema(),
                   "x-field": camel(name)} for name in names]
    if op.query is not None:
        parameters += op.query.parameters()
    if method == "post" and authenticated:
        parameters.append({
            "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
            "description": "Makes a retry safe: the same key and request within 24 hours "
                           "return the first answer again instead of acting twice.",
            # HTTP drops spaces around a header value, so they are allowed around the key
            "schema": {"type": "string", "pattern": (
                f"^[ \\t]*[\\x21-\\x7e]{{1,{MAX_IDEMPOTENCY_KEY}}}[ \\t]*$")}})
    return parameters


def _success(op, method, authenticated):
    headers = {"X-Request-Id": {"required": True, "schema": REQUEST_ID}}
    if method == "post" and authenticated:
        headers["Idempotent-Replayed"] = {
            "description": "`true` when this is the stored answer to an earlier request with "
                           "the same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}}
    if op.media_type != JSON or not op.envelope:
        return {"description": op.summary, "headers": headers,
                "content": {op.media_type: {"schema": _schema(op.response)}}}
    data = _schema(op.response)
    properties = {"success": {"const": True}, "data": data, "requestId": REQUEST_ID}
    required = ["success", "data", "requestId"]
    if op.page:
        properties["data"] = {"type": "array", "items": data}
        properties["meta"] = schemas.ref("PageMeta")
        required.append("meta")
    elif op.meta is not None:
        properties["meta"] = op.meta
        required.append("meta")
    envelope = {"type": "object", "additionalProperties": False, "required": required,
                "properties": properties}
    return {"description": op.summary, "headers": headers, "content": {JSON: {"schema": envelope}}}


def _redirect(op, method, authenticated):
    """The 303 an operation may answer instead: the success answer, plus a Location."""
    answer = _success(op, method, authenticated)
    answer["description"] = f"See Other: {op.redirect}"
    answer["headers"]["Location"] = {"required": True, "schema": {"type": "string"}}
    return answer


def _failures(codes):
    by_status = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(ERROR_CODES[code].status, []).append(code)
    return {str(status): {
        "description": ", ".join(found),
        "headers": {"X-Request-Id": {"required": True, "schema": REQUEST_ID}},
        "content": {JSON: {"schema": schemas.ref("ErrorEnvelope")}},
        "x-error-codes": found,
    } for status, found in sorted(by_status.items())}


def _schema(response):
    return schemas.ref(response) if isinstance(response, str) else response


def _operation_id(method, template):
    words = [w for w in re.split(r"[/{}_.]", template.removeprefix("/api/v1")) if w]
    return method + ("".join(w[:1].upper() + w[1:] for w in words) or "Index")


def _tag(template):
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
                                       {"type": "string", "pattern": f"^{PASSTHROUGH_CODE}$"}]},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"],
                              "description": "the input field at fault (camelCase, or `body`)"},
                    "details": {"type": "object"},
                },
            },
            "ErrorEnvelope": {
                "type": "object", "additionalProperties": False,
                "required": ["success", "data", "errors", "requestId"],
                "properties": {
                    "success": {"const": False}, "data": {"type": "null"},
                    "errors": {"type": "array", "minItems": 1, "items": schemas.ref("Error")},
                    "requestId": REQUEST_ID,
                },
            },
        },
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "gr_live_…",
                           "description": "An API key: `Authorization: Bearer gr_live_…`"},
        },
    }
