"""The one error path: every failure leaves as the spec's envelope.

Responders raise ApiError by its code (or let a store error escape); Falcon's own errors
(unknown route, wrong method, bad media) and unexpected exceptions are turned into the same
envelope by the handlers installed here, and nowhere else. A code's status is written once,
in ERROR_CODES, and nowhere else either.
"""
import functools
import logging
import re
from typing import NamedTuple

import falcon

from goldenrecord import store
log = logging.getLogger("goldenrecord")


class ErrorCode(NamedTuple):
    """One row of the error table: the status a code always has, what it means (the API guide's
    and the OpenAPI document's text), and the message an error carries when whoever raises
    it has nothing more specific to say."""

    status: int
    description: str
    message: str | None = None  # None: the description is a good message as it stands

    @property
    def default_message(self):
        return self.message or self.description


# Every code the API answers with: docs/api.md's table and the OpenAPI document's are made
# from this one, and ApiError takes its status and default message from it.
ERROR_CODES = {
    "GR_VALIDATION_ERROR": ErrorCode(
        400, "Request body or parameters failed validation; `field` names the culprit",
        "The request failed validation"),
    "GR_UNAUTHORIZED": ErrorCode(
        401, "No API key, or a malformed Authorization header",
        "Authentication required: send 'Authorization: Bearer <api key>'"),
    "GR_INVALID_API_KEY": ErrorCode(401, "The API key is invalid, expired, or has been revoked"),
    "GR_FORBIDDEN": ErrorCode(
        403, "The API key lacks the scope this operation needs, or would grant, rotate, revoke "
             "or subscribe to more than it holds; `field` names what asks for too much",
        "This API key may not do this"),
    "GR_IP_NOT_ALLOWED": ErrorCode(
        403, "The client address is not in the key's allowedIps",
        "Requests from this address are not allowed for this API key"),
    "GR_ORG_SCOPE_VIOLATION": ErrorCode(
        403, "An organization-scoped key reached for another organization's data, for a user "
             "who also belongs elsewhere, or for every organization at once",
        "This API key is scoped to a different organization"),
    "GR_NOT_FOUND": ErrorCode(
        404, "No such endpoint, or no such resource (memberships, roles, webhooks, deliveries)",
        "The requested resource was not found"),
    "GR_ORG_NOT_FOUND": ErrorCode(
        404, "No organization with this id", "The organization does not exist"),
    "GR_USER_NOT_FOUND": ErrorCode(404, "No user with this id", "The user does not exist"),
    "GR_KEY_NOT_FOUND": ErrorCode(
        404, "No active API key with this id", "The API key does not exist"),
    "GR_METHOD_NOT_ALLOWED": ErrorCode(
        405, "The endpoint does not answer this method (see the Allow header)",
        "This method is not allowed on this endpoint"),
    "GR_DUPLICATE_SLUG": ErrorCode(409, "An organization with this slug already exists"),
    "GR_DUPLICATE_EMAIL": ErrorCode(409, "A user with this email already exists"),
    "GR_DUPLICATE_MEMBERSHIP": ErrorCode(409, "The user is already a member of this organization"),
    "GR_DUPLICATE_ROLE": ErrorCode(409, "A role with this slug already exists"),
    "GR_DUPLICATE_PERMISSION": ErrorCode(409, "A permission with this slug already exists"),
    "GR_ROLE_IN_USE": ErrorCode(
        409, "The role is still held by memberships, or open invitations or `auto` join "
             "policies would give it; `details` says how many of each",
        "The role is still in use"),
    "GR_DUPLICATE_EXTERNAL_ID": ErrorCode(
        409, "Another record of this type already has this externalId"),
    "GR_DUPLICATE_DOMAIN": ErrorCode(
        409, "The organization has claimed this domain already, or another organization holds "
             "it verified"),
    "GR_INVITATION_NOT_PENDING": ErrorCode(
        409, "The invitation was revoked or accepted already: it can no longer be used or "
             "changed"),
    "GR_INVITATION_EXPIRED": ErrorCode(
        410, "The invitation has expired; it can be resent with a new token"),
    "GR_IDEMPOTENCY_KEY_REUSED": ErrorCode(
        409, "This Idempotency-Key was used with a different request (method, path or body) "
             "within the last 24 hours",
        "This Idempotency-Key was already used with a different request; use a new key for "
        "a new request"),
    "GR_EVENTS_CURSOR_EXPIRED": ErrorCode(
        410, "The events cursor is older than the events kept (`events.retention_days`): "
             "events after it were pruned; start again from an empty `after` and reconcile",
        "This cursor has expired: events after it are no longer kept"),
    "GR_DUPLICATE_GROUP": ErrorCode(
        409, "The organization has a SCIM group with this displayName already"),
    "GR_DUPLICATE_USER_NAME": ErrorCode(
        409, "Another SCIM user of the organization has this userName (compared without case)"),
    "GR_PRECONDITION_FAILED": ErrorCode(
        412, "The resource changed since the version the request's If-Match names (SCIM)",
        "The resource changed since the version in If-Match"),
    "GR_PAYLOAD_TOO_LARGE": ErrorCode(
        413, "The request body is larger than 1 MiB", "The request body is too large"),
    "GR_RATE_LIMITED": ErrorCode(
        429, "Too many requests; retry after Retry-After seconds", "Rate limit exceeded"),
    "GR_INVALID_SIGNATURE": ErrorCode(
        401, "A WorkOS webhook's WorkOS-Signature header is missing, malformed, wrong or more "
             "than 180 seconds from the server's clock",
        "The WorkOS-Signature header is invalid"),
    "GR_WORKOS_NOT_CONFIGURED": ErrorCode(
        400, "The WorkOS integration lacks workos.api_key or workos.webhook_secret",
        "The WorkOS integration is not configured"),
    "GR_SYNC_IN_PROGRESS": ErrorCode(409, "A WorkOS user sync is already running"),
    "GR_WORKOS_ERROR": ErrorCode(
        502, "WorkOS refused or failed the request, after retries; details carry WorkOS's "
             "status and code",
        "WorkOS refused or failed the request"),
    "GR_INTERNAL_ERROR": ErrorCode(
        500, "An unexpected server error occurred; retry, or report the requestId",
        "An unexpected server error occurred. Retry, or contact support with the requestId"),
    "GR_SERVICE_UNAVAILABLE": ErrorCode(
        503, "The database cannot serve for now: not ready (a migration pending or running, "
             "the write lock out of reach), or a storage fault (locked by another process, "
             "disk full, read-only, failing); nothing was changed: retry after Retry-After "
             "seconds",
        "The service is unavailable for now; nothing was changed. Retry after Retry-After "
        "seconds"),
}

# Falcon's rarer HTTP errors (those _falcon_error does not name) pass through as
# GR_HTTP_<status>: a family, published in the OpenAPI document as this pattern, whose
# status is in the name rather than in the table.
PASSTHROUGH_CODE = r"GR_HTTP_([0-9]{3})"


def error_code(code):
    """The table's row for `code`. A code in neither the table nor the pass-through family
    is a programming error, refused when the error is made rather than sent to a client."""
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    passthrough = re.fullmatch(PASSTHROUGH_CODE, code)
    if passthrough is None:
        raise LookupError(f"{code!r} is not in ERROR_CODES (restapi/errors.py)")
    return ErrorCode(int(passthrough[1]), "Falcon's own HTTP error", "Request failed")


class ApiError(Exception):
    """An error as the API reports it, raised by its code: the status and, unless the raiser
    says something more specific, the message come from ERROR_CODES."""

    def __init__(self, code, message=None, *, field=None, details=None, headers=None):
        row = error_code(code)
        if message is not None and not isinstance(message, str):
            raise TypeError(f"the message of {code} must be text, not {message!r}: the status "
                            "comes from ERROR_CODES")
        message = row.default_message if message is None else message
        super().__init__(message)
        self.code = code
        self.status = row.status
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers or {}

    def body(self):
        error = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        if self.details is not None:
            error["details"] = self.details
        return error

    # Factories only where a code carries more than the table holds: the challenge header.
    @classmethod
    def unauthorized(cls, message=None):
        return cls("GR_UNAUTHORIZED", message, headers={"WWW-Authenticate": "Bearer"})

    @classmethod
    def invalid_api_key(cls):
        return cls("GR_INVALID_API_KEY",
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


_NOT_FOUND_CODES = {
    "organization": "GR_ORG_NOT_FOUND",
    "user": "GR_USER_NOT_FOUND",
    "api_key": "GR_KEY_NOT_FOUND",
}
_CONFLICT_CODES = {"slug": "GR_DUPLICATE_SLUG", "email": "GR_DUPLICATE_EMAIL",
                   "externalId": "GR_DUPLICATE_EXTERNAL_ID", "domain": "GR_DUPLICATE_DOMAIN",
                   ("membership", "email"): "GR_DUPLICATE_MEMBERSHIP",
                   ("invitation", "id"): "GR_INVITATION_NOT_PENDING",
                   ("invitation", "token"): "GR_INVITATION_NOT_PENDING",
                   ("role", "slug"): "GR_DUPLICATE_ROLE",
                   ("permission", "slug"): "GR_DUPLICATE_PERMISSION",
                   ("role", None): "GR_ROLE_IN_USE",
                   ("group", "displayName"): "GR_DUPLICATE_GROUP",
                   ("scim_user", "userName"): "GR_DUPLICATE_USER_NAME"}
# Checked in order: the first class the error is an instance of names its code.
_REFUSAL_CODES = (
    (store.OutOfScope, "GR_ORG_SCOPE_VIOLATION"),
    (store.Forbidden, "GR_FORBIDDEN"),
    (store.Invalid, "GR_VALIDATION_ERROR"),
)
_NOUNS = {"api_key": "API key"}
# What a client told GR_SERVICE_UNAVAILABLE waits before retrying: a lock another process
# holds, or a disk an operator frees, takes a few seconds at least.
RETRY_AFTER_SECONDS = 5


def from_store_error(error):
    """The ApiError a store error means to an API caller: the store names what went wrong,
    the tables above name the code, and ERROR_CODES the status."""
    if isinstance(error, store.NotFound):
        noun = _NOUNS.get(error.resource, error.resource.capitalize())
        return ApiError(_NOT_FOUND_CODES.get(error.resource, "GR_NOT_FOUND"),
                        error.message or f"{noun} '{error.id}' does not exist", field=error.field)
    if isinstance(error, store.Unavailable):
        # readiness says what is wrong; a storage fault's cause is for the log only
        return ApiError("GR_SERVICE_UNAVAILABLE", error.message,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(error, store.Conflict):
        named = (error.resource, error.field) if error.resource else error.field
        return ApiError(_CONFLICT_CODES.get(named, "GR_DUPLICATE_MEMBERSHIP"),
                        error.message, field=error.field, details=error.details)
    if isinstance(error, store.Gone):
        return ApiError("GR_INVITATION_EXPIRED", error.message, field=error.field)
    for kind, code in _REFUSAL_CODES:
        if isinstance(error, kind):
            return ApiError(code, error.message, field=error.field,
                            details=getattr(error, "details", None))
    raise TypeError(f"unmapped store error {error!r}")


def _falcon_error(error):
    """Falcon's own HTTP errors (routing, methods, media) in our codes."""
    status = error.status_code
    if status == 404:
        return ApiError("GR_NOT_FOUND", "No such endpoint")
    if status == 405:
        return ApiError("GR_METHOD_NOT_ALLOWED", headers=error.headers)
    if status == 413:
        return ApiError("GR_PAYLOAD_TOO_LARGE")
    if status == 400:
        return ApiError("GR_VALIDATION_ERROR", error.description or error.title)
    return ApiError(f"GR_HTTP_{status}", error.title, headers=error.headers)


def render(req, resp, error):
    """`error` as the envelope, or in the format of the request's own protocol where one
    took the request over (`req.context.error_format`, set by SCIM's middleware: scim/)."""
    own_format = getattr(req.context, "error_format", None)
    if own_format is not None:
        own_format(req, resp, error)
        return
    resp.status = error.status
    for name, value in error.headers.items():
        resp.set_header(name, value)
    resp.media = {
        "success": False,
        "data": None,
        "errors": [error.body()],
        "requestId": req.context.request_id,
    }


def _handle_api_error(req, resp, error, params):
    render(req, resp, error)


def _handle_store_error(req, resp, error, params):
    if isinstance(error, store.Unavailable) and error.cause is not None:
        # the cause is for the operator: the client learns only that it may retry
        log.warning("storage unavailable requestId=%s %s %s: %s", req.context.request_id,
                    req.method, req.path, error.cause)
    render(req, resp, from_store_error(error))


def _handle_falcon_error(req, resp, error, params):
    render(req, resp, _falcon_error(error))


def _handle_unexpected(req, resp, error, params, storage_fault):
    """A storage fault (as the store's engine tells it) is a 503 the client may retry;
    anything else a 500 with the traceback in the log."""
    fault = storage_fault(error)
    if fault is not None:
        _handle_store_error(req, resp, fault, params)
        return
    log.exception("unhandled error requestId=%s %s %s", req.context.request_id,
                  req.method, req.path)
    render(req, resp, ApiError("GR_INTERNAL_ERROR"))


def install(app, storage_fault=lambda error: None):
    """Route every exception to the envelope; the most specific handler wins.
    `storage_fault(error)` is the store's: a store.Unavailable for an exception that
    means the database cannot serve for now, else None."""
    app.add_error_handler(Exception, functools.partial(_handle_unexpected,
                                                       storage_fault=storage_fault))
    app.add_error_handler(falcon.HTTPError, _handle_falcon_error)
    app.add_error_handler(store.StoreError, _handle_store_error)
    app.add_error_handler(ApiError, _handle_api_error)
