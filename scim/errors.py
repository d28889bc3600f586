"""SCIM's error format (RFC 7644 §3.12) over the API's one error table.

Errors are raised as everywhere else (ApiError by its code, store errors, Falcon's): the
status still comes from restapi/errors.py's ERROR_CODES. Under /scim/v2/ they are only
written differently: a SCIM Error message whose `scimType` tells the IdP what kind of
mistake it made, where RFC 7644 has a word for it.
"""
from goldenrecord.restapi.errors import ApiError

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"

# The scimType an error code means when the raiser did not say a more precise one.
_SCIM_TYPES = {
    "GR_VALIDATION_ERROR": "invalidValue",
    "GR_DUPLICATE_EMAIL": "uniqueness",
    "GR_DUPLICATE_MEMBERSHIP": "uniqueness",
    "GR_DUPLICATE_EXTERNAL_ID": "uniqueness",
    "GR_DUPLICATE_GROUP": "uniqueness",
    "GR_DUPLICATE_USER_NAME": "uniqueness",
    "GR_ORG_SCOPE_VIOLATION": "mutability",
}


# The error message as the OpenAPI document publishes it, for every SCIM operation.
ERROR_DOCUMENT = {
    "type": "object", "required": ["schemas", "status", "detail"],
    "description": "A SCIM Error message (RFC 7644 §3.12)",
    "properties": {
        "schemas": {"type": "array", "items": {"const": ERROR_SCHEMA},
                    "description": "The Error message's schema"},
        "status": {"type": "string", "description": "The HTTP status, as a string"},
        "scimType": {"type": "string", "description": "The kind of error, where RFC 7644 "
                     "names one: invalidFilter, invalidPath, invalidValue, invalidSyntax, "
                     "noTarget, uniqueness, mutability, tooMany"},
        "detail": {"type": "string", "description": "What went wrong"}}}
ERRORS_AS = {MEDIA_TYPE: ERROR_DOCUMENT}


class ScimError(ApiError):
    """An ApiError that names its SCIM `scimType` itself (invalidFilter, invalidPath,
    noTarget, invalidSyntax, mutability, ...); the code still sets the status."""

    def __init__(self, code, scim_type, message, *, field=None, headers=None):
        super().__init__(code, message, field=field, headers=headers)
        self.scim_type = scim_type


def invalid(scim_type, message, field=None):
    """A 400 of kind `scim_type`."""
    return ScimError("GR_VALIDATION_ERROR", scim_type, message, field=field)


def render(req, resp, error):
    """`error` (an ApiError) as a SCIM Error message; the headers it carries (Retry-After,
    WWW-Authenticate, Allow) still go out."""
    resp.status = error.status
    for name, value in error.headers.items():
        resp.set_header(name, value)
    body = {"schemas": [ERROR_SCHEMA], "status": str(error.status), "detail": error.message}
    scim_type = getattr(error, "scim_type", None) or _SCIM_TYPES.get(error.code)
    if scim_type is not None:
        body["scimType"] = scim_type
    resp.content_type = MEDIA_TYPE
    resp.media = body


class ErrorFormat:
    """Middleware: a request under `prefix` has its errors written by `render`, whatever
    raised them (authentication refusals come before any SCIM resource runs)."""

    def __init__(self, prefix):
        self._prefix = prefix

    def process_request(self, req, resp):
        if req.path == self._prefix or req.path.startswith(self._prefix + "/"):
            req.context.error_format = render
