"""The store's own errors. The HTTP layer maps each to a status and code in one place."""


class StoreError(Exception):
    """Base class: every error the store raises on purpose."""


class NotFound(StoreError):
    """`resource` ("organization", "user", "membership", "role", "api_key") has no row `id`."""

    def __init__(self, resource, id, field=None, message=None):
        super().__init__(message or f"{resource} {id!r} does not exist")
        self.resource = resource
        self.id = id
        self.field = field
        self.message = message  # None: the HTTP layer says "<Resource> '<id>' does not exist"


class Conflict(StoreError):
    """A uniqueness rule would be broken, a row is still in use, or a row is past the state
    the change needs; `field` names the value at fault, `resource` the kind of row ("role",
    "permission", "membership", "invitation"; None: the one the field's name tells),
    `details` how many rows still use it, when that is the conflict."""

    def __init__(self, field, message, *, resource=None, details=None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.resource = resource
        self.details = details


class Gone(StoreError):
    """The row existed for this purpose but has lapsed for good (an expired invitation)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class Invalid(StoreError):
    """A value breaks a rule: an input rule (store/rules.py) or a domain rule (unknown
    scope, past expiry...). `details` says which limit, when there is one to say."""

    def __init__(self, field, message, details=None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.details = details


class OutOfScope(StoreError):
    """The row exists but lies outside the caller's organization scope, or the change would
    reach beyond it; `field` names the input at fault, when one is."""

    def __init__(self, message="This API key is scoped to a different organization", field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class Forbidden(StoreError):
    """The caller may not do this at all, whatever the row (e.g. grant more than it holds);
    `field` names the input that asks for too much, when one does."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class Unavailable(StoreError):
    """The database cannot take this work now, for a cause outside the request: a migration
    is pending or running, the write lock is out of reach (held by another process beyond
    the busy timeout), the disk is full, the file read-only or failing. Passing, unlike the
    errors above: nothing was changed (the transaction rolled back), and the same request
    may succeed once the cause is gone. No input is at fault, so `field` is always None.

    `message` is for the client (None: the error table's default); `cause`, set when the
    engine's storage-fault classification raised it, says what the driver reported and is
    for the log only.
    """

    field = None

    def __init__(self, message=None, *, cause=None):
        super().__init__(message or cause)
        self.message = message
        self.cause = cause


def at_position(error, position):
    """`error`, marked as refusing the record at index `position` of a batch (the bulk
    creates': an import names the line it came from)."""
    error.position = position
    return error
