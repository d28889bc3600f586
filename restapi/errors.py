"""The one error path: every failure leaves as the spec's envelope.

Responders raise ApiError (or let a store error escape); Falcon's own errors (unknown
route, wrong method, bad media) and unexpected exceptions are turned into the same
envelope by the handlers installed here, and nowhere else.
"""
import logging

import falcon

from goldenrecord import store
log = logging.getLogger("goldenrecord")


class ApiError(Exception):
    """An error as the API reports it: a code from the spec's table, a status, a message."""

    def __init__(self, code, status, message, field=None, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.status = status
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

    # Factories, one per code the API uses.
    @classmethod
    def unauthorized(cls, message="Authentication required: send 'Authorization: Bearer <api key>'"):
        return cls("GR_UNAUTHORIZED", 401, message, headers={"WWW-Authenticate": "Bearer"})

    @classmethod
    def invalid_api_key(cls):
        return cls("GR_INVALID_API_KEY", 401, "The API key is invalid, expired, or has been revoked",
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @classmethod
    def ip_not_allowed(cls, address):
        return cls("GR_IP_NOT_ALLOWED", 403,
                   f"Requests from {address} are not allowed for this API key")

    @classmethod
    def forbidden(cls, message, field=None):
        return cls("GR_FORBIDDEN", 403, message, field=field)

    @classmethod
    def org_scope_violation(cls, message, field=None):
        return cls("GR_ORG_SCOPE_VIOLATION", 403, message, field=field)

    @classmethod
    def validation(cls, field, message, details=None):
        return cls("GR_VALIDATION_ERROR", 400, message, field=field, details=details)

    @classmethod
    def not_found(cls, message="The requested resource was not found", code="GR_NOT_FOUND",
                  field=None):
        return cls(code, 404, message, field=field)

    @classmethod
    def conflict(cls, code, field, message):
        return cls(code, 409, message, field=field)

    @classmethod
    def service_unavailable(cls, message):
        return cls("GR_SERVICE_UNAVAILABLE", 503, message)

    @classmethod
    def internal(cls):
        return cls("GR_INTERNAL_ERROR", 500,
                   "An unexpected server error occurred. Retry, or contact support with the requestId")


# Every code the API answers with, its status and meaning: the README's table and the
# OpenAPI document's are made from this one.
ERROR_CODES = {
    "GR_VALIDATION_ERROR": (400, "Request body or parameters failed validation; `field` names the culprit"),
    "GR_UNAUTHORIZED": (401, "No API key, or a malformed Authorization header"),
    "GR_INVALID_API_KEY": (401, "The API key is invalid, expired, or has been revoked"),
    "GR_FORBIDDEN": (403, "The API key lacks the scope this operation needs, or would grant, "
                          "rotate, revoke or subscribe to more than it holds; `field` names "
                          "what asks for too much"),
    "GR_IP_NOT_ALLOWED": (403, "The client address is not in the key's allowedIps"),
    "GR_ORG_SCOPE_VIOLATION": (403, "An organization-scoped key reached for another "
                                    "organization's data, for a user who also belongs "
                                    "elsewhere, or for every organization at once"),
    "GR_NOT_FOUND": (404, "No such endpoint, or no such resource (memberships, roles, webhooks, deliveries)"),
    "GR_ORG_NOT_FOUND": (404, "No organization with this id"),
    "GR_USER_NOT_FOUND": (404, "No user with this id"),
    "GR_KEY_NOT_FOUND": (404, "No active API key with this id"),
    "GR_METHOD_NOT_ALLOWED": (405, "The endpoint does not answer this method (see the Allow header)"),
    "GR_DUPLICATE_SLUG": (409, "An organization with this slug already exists"),
    "GR_DUPLICATE_EMAIL": (409, "A user with this email already exists"),
    "GR_DUPLICATE_MEMBERSHIP": (409, "The user is already a member of this organization"),
    "GR_IDEMPOTENCY_KEY_REUSED": (409, "This Idempotency-Key was used with a different request "
                                       "(method, path or body) within the last 24 hours"),
    "GR_PAYLOAD_TOO_LARGE": (413, "The request body is larger than 1 MiB"),
    "GR_RATE_LIMITED": (429, "Too many requests; retry after Retry-After seconds"),
    "GR_INVALID_SIGNATURE": (401, "A WorkOS webhook's WorkOS-Signature header is missing, malformed, "
                                  "wrong or more than 180 seconds from the server's clock"),
    "GR_WORKOS_NOT_CONFIGURED": (400, "The WorkOS integration lacks workos.api_key or "
                                      "workos.webhook_secret"),
    "GR_SYNC_IN_PROGRESS": (409, "A WorkOS user sync is already running"),
    "GR_WORKOS_ERROR": (502, "WorkOS refused or failed the request, after retries; details carry "
                             "WorkOS's status and code"),
    "GR_INTERNAL_ERROR": (500, "An unexpected server error occurred; retry, or report the requestId"),
    "GR_SERVICE_UNAVAILABLE": (503, "Not ready: a database migration is pending or running, or "
                                    "the database cannot be written now; retry later"),
}

_NOT_FOUND_CODES = {
    "organization": "GR_ORG_NOT_FOUND",
    "user": "GR_USER_NOT_FOUND",
    "api_key": "GR_KEY_NOT_FOUND",
}
_CONFLICT_CODES = {"slug": "GR_DUPLICATE_SLUG", "email": "GR_DUPLICATE_EMAIL"}
_NOUNS = {"api_key": "API key"}


def from_store_error(error):
    """The ApiError a store error means to an API caller."""
    if isinstance(error, store.NotFound):
        noun = _NOUNS.get(error.resource, error.resource.capitalize())
        return ApiError.not_found(f"{noun} '{error.id}' does not exist",
                                  _NOT_FOUND_CODES.get(error.resource, "GR_NOT_FOUND"),
                                  error.field)
    if isinstance(error, store.Conflict):
        code = _CONFLICT_CODES.get(error.field, "GR_DUPLICATE_MEMBERSHIP")
        return ApiError.conflict(code, error.field, error.message)
    if isinstance(error, store.OutOfScope):
        return ApiError.org_scope_violation(error.message, error.field)
    if isinstance(error, store.Forbidden):
        return ApiError.forbidden(error.message, error.field)
    if isinstance(error, store.Invalid):
        return ApiError.validation(error.field, error.message)
    if isinstance(error, store.Unavailable):
        return ApiError.service_unavailable(error.message)
    raise TypeError(f"unmapped store error {error!r}")


def _falcon_error(error):
    """Falcon's own HTTP errors (routing, methods, media) in our codes."""
    status = error.status_code
    if status == 404:
        return ApiError.not_found("No such endpoint")
    if status == 405:
        return ApiError("GR_METHOD_NOT_ALLOWED", 405, "This method is not allowed on this endpoint",
                        headers=error.headers)
    if status == 413:
        return ApiError("GR_PAYLOAD_TOO_LARGE", 413, "The request body is too large")
    if status == 400:
        return ApiError.validation(None, error.description or error.title)
    return ApiError(f"GR_HTTP_{status}", status, error.title or "Request failed",
                    headers=error.headers)


def render(req, resp, error):
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
    render(req, resp, from_store_error(error))


def _handle_falcon_error(req, resp, error, params):
    render(req, resp, _falcon_error(error))


def _handle_unexpected(req, resp, error, params):
    log.exception("unhandled error requestId=%s %s %s", req.context.request_id,
                  req.method, req.path)
    render(req, resp, ApiError.internal())


def install(app):
    """Route every exception to the envelope; the most specific handler wins."""
    app.add_error_handler(Exception, _handle_unexpected)
    app.add_error_handler(falcon.HTTPError, _handle_falcon_error)
    app.add_error_handler(store.StoreError, _handle_store_error)
    app.add_error_handler(ApiError, _handle_api_error)
