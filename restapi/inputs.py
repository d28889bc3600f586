"""Request input: JSON bodies and query strings checked against declared fields.

Each endpoint declares its fields once (`Body(...)`, `Query(...)`); these declarations
are the single place input rules live. The field rules themselves are store/rules.py's,
re-exported here, because the WorkOS mapping applies them too; what is HTTP's alone —
query strings, reading and decoding the body — is below. Every violation is a 400 naming
the field, raised before anything is changed.
"""
import json
import re

from goldenrecord.store.rules import (  # noqa: F401  (re-exported: the endpoints' vocabulary)
    DOMAIN, EMAIL, OPAQUE_ID, SLUG, SPACE, URL, Body, Bool, Choice, DateTime, Domain, Email,
    Field, Fields, Integer, Metadata, OpaqueId, Slug, StringList, Text, Url, Uuid,
    has_lone_surrogate, invalid, snake)

from .errors import ApiError

MAX_BODY_BYTES = 1024 * 1024


class Query(Fields):
    where = "query"

    def parse(self, req):
        params = {}
        for name in req.params:
            self._unknown([name])
            value = req.params[name]
            if isinstance(value, list):
                raise invalid(name, f"{name} may be given only once")
            params[snake(name)] = self.fields[name].from_query(value, name)
        self._missing(req.params)
        for name, field in self.fields.items():
            if field.has_default and name not in req.params:
                params[snake(name)] = field.default  # the default the document states
        return params

    def parameters(self):
        """The fields as OpenAPI query parameters: the description and example beside the
        schema too, where tools (generated clients, schemathesis) look for them."""
        found = []
        for name, field in self.fields.items():
            schema = field.schema()
            parameter = {"name": name, "in": "query", "required": field.required,
                         "description": parameter_description(schema), "schema": schema}
            if field.has_example:
                parameter["example"] = field.example
            found.append(parameter)
        return found


def parameter_description(schema):
    """A parameter's description: what it is, then its rule in words."""
    return f"{schema.get('description', '')} ({schema['x-rule']})".strip()


def raw_body(req):
    """The request body's bytes, read once (at most MAX_BODY_BYTES; more is 413) and kept in
    `req.context.raw_body`, since idempotency fingerprints the body before it is parsed."""
    if req.context.raw_body is None:
        length = req.content_length
        if length is not None and length > MAX_BODY_BYTES:
            raise _too_large()
        raw = req.bounded_stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise _too_large()
        req.context.raw_body = raw
    return req.context.raw_body


def _too_large():
    return ApiError("GR_PAYLOAD_TOO_LARGE",
                    f"The request body must be at most {MAX_BODY_BYTES} bytes", field="body",
                    details={"maxBytes": MAX_BODY_BYTES})


def read_json(req, *, optional=False, media_types=("application/json",)):
    """The request's JSON body. `optional` allows an empty body (returns {}); `media_types`
    are the Content-Types taken (SCIM's clients send application/scim+json)."""
    raw = raw_body(req)
    if not raw.strip():
        if optional:
            return {}
        raise invalid("body", "A JSON request body is required")
    if req.content_type is None or req.content_type.split(";")[0].strip().lower() not in media_types:
        raise invalid("body", f"Content-Type must be {' or '.join(media_types)}")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise invalid("body", f"The request body is not valid JSON: {error}")
    except RecursionError:
        raise invalid("body", _TOO_DEEP)
    _refuse_unstorable(raw, data)
    return data


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


# Deep enough for any body we take (metadata's 5 levels inside the body's object), and
# shallow enough that the checks after the decoder may recurse through what it returns.
MAX_BODY_DEPTH = 32
_TOO_DEEP = f"The request body must be nested at most {MAX_BODY_DEPTH} levels deep"
# Raw UTF-8 cannot carry a surrogate (the decoder refuses it); only an escape can.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_unstorable(raw, data):
    """Refuse, with a 400, what the JSON decoder accepts but would fail later as a 500.

    A lone UTF-16 surrogate (`"\\ud800"` decodes to one) cannot be encoded as UTF-8, so
    neither SQLite nor the response can hold it: refused naming the top-level field it is
    in (`body` when it is in a field's name). Nesting beyond MAX_BODY_DEPTH is refused as
    `body`. The raw bytes rule both out for almost every body, which is then not walked.
    """
    deep = raw.count(b"{") + raw.count(b"[") > MAX_BODY_DEPTH
    if not deep and not _SURROGATE_ESCAPE.search(raw):
        return
    for field, value, depth in _parts(data):
        for item, level in _walk(value, depth):
            if level > MAX_BODY_DEPTH and isinstance(item, (dict, list)):
                raise invalid("body", _TOO_DEEP)
            if has_lone_surrogate(item):
                raise invalid(field, f"{field} must not contain unpaired UTF-16 surrogates")


def _parts(data):
    """(field to name, value, depth) for the body's top-level fields; the field names
    themselves are checked as part of `body`."""
    if not isinstance(data, dict):
        return [("body", data, 1)]
    return [("body", list(data), 2), *((name, value, 2) for name, value in data.items())]


def _walk(value, depth):
    """`value` and everything inside it, object keys included, each with its nesting depth:
    iterative, so no nesting exhausts the stack."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        yield item, level
        if isinstance(item, dict):
            stack.extend((part, level + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, level + 1) for part in item)
