"""Each responder's declaration: the scope it needs, what it takes and what it answers.

`@operation(...)` is read twice: by the hook it installs, which checks the scope, the path
ids, the query string and the body before the responder runs (leaving the checked values
in `req.context.input`), and by openapi.py, which publishes the same declaration. So the
document cannot promise one rule while the code enforces another, and adding an endpoint
to the document is one declaration on its responder.
"""
from dataclasses import dataclass, field

import falcon

from .access import require_global, require_scope
from .inputs import Body, Query, read_json


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Operation:
    summary: str
    scope: str | None  # None: any valid key (or no key at all on a public resource)
    name: str  # the operationId, camelCase (`listOrganizations`): a generated client's method
    response: object  # a component name (str) or an inline JSON Schema (dict)
    status: int = 200
    path: dict = field(default_factory=dict)  # route parameter -> Field
    query: Query | None = None
    body: Body | None = None
    partial: bool = False  # PUT: every body field optional
    body_optional: bool = False  # an empty body is allowed
    page: bool = False  # the answer is a list page with pagination meta
    meta: dict | None = None  # the schema of `meta`, for answers that are not pages
    errors: tuple = ()  # codes this operation may answer beyond those every operation may
    description: str = ""
    media_type: str = "application/json"
    other_media_types: tuple = ()  # what else the answer may be, by a query choice (export)
    envelope: bool = True  # False: the answer is the bare document, not the envelope
    redirect: str = ""  # when the answer may also be a 303 See Other: to whom, and where
    every_organization: bool = False  # acts on all organizations: global keys only
    # What the responder reads and checks itself, where the hook cannot (the WorkOS webhook
    # reads its body only once the signature over the raw bytes holds): published as is.
    reads_body: dict | None = None  # media type -> JSON Schema of the body
    reads_headers: tuple = ()  # OpenAPI header parameters
    # Errors in a protocol's own format rather than the envelope (SCIM's, scim/errors.py):
    # media type -> JSON Schema, as published; None: the envelope.
    errors_as: dict | None = None

    def __post_init__(self):
        # (parameter, rule, name in errors), worked out once rather than per request
        object.__setattr__(self, "_path_rules", tuple(
            (name, rule, camel(name)) for name, rule in self.path.items()))

    def check(self, req, resp, resource, params):
        """The Falcon `before` hook: refuse what the declaration does not allow."""
        if self.scope is not None:
            require_scope(req.context.caller, self.scope)
        if self.every_organization:
            require_global(req.context.caller)
        for name, rule, shown in self._path_rules:
            params[name] = rule.clean(params[name], shown)
        values = (self.query or _NO_QUERY).parse(req)
        if self.body is not None:
            data = read_json(req, optional=self.body_optional)
            values.update(self.body.parse(data, partial=self.partial))
        req.context.input = values


_NO_QUERY = Query()


def operation(summary, *, name, scope, response, **details):
    """Declare a responder's operation; see Operation for the details it takes."""
    declared = Operation(summary, scope, name, response, **details)

    def decorate(responder):
        wrapped = falcon.before(declared.check)(responder)
        wrapped.operation = declared
        return wrapped

    return decorate


def declared_operations(resource, suffix=None):
    """(HTTP method, Operation) for each declared responder of `resource` (one route)."""
    tail = f"_{suffix}" if suffix else ""
    found = []
    for method in ("get", "post", "put", "patch", "delete"):
        responder = getattr(resource, f"on_{method}{tail}", None)
        if responder is not None:
            found.append((method, getattr(responder, "operation", None)))
    return found


def route_operations(routes):
    """(template, method, resource, Operation) for every responder of `routes`, a list of
    (path template, resource, suffix). A responder without a declaration is a TypeError:
    what it would check and what the document and scope table say could not agree."""
    for template, resource, suffix in routes:
        for method, declared in declared_operations(resource, suffix):
            if declared is None:
                raise TypeError(f"{method.upper()} {template} has no @operation declaration")
            yield template, method, resource, declared
