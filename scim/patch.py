"""PATCH (RFC 7644 §3.5.2) applied to a resource's SCIM representation.

The operations change a copy of the resource as SCIM shows it; the caller then stores the
result as a PUT would, through the same rules. So every form an IdP sends ends in one
write path: Okta's and Entra ID's capitalised `"Replace"`, a path-less value object
(`{"op": "replace", "value": {"active": false}}`), dotted sub-attributes
(`name.givenName`), filtered multi-valued targets (`members[value eq "…"]`,
`emails[type eq "work"].value`), and Entra's string booleans (`"False"`).
"""
import copy
import re

from . import filters
from .errors import invalid

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MAX_OPERATIONS = 1000
_PATH = re.compile(r"^(?P<attr>[^\[\].]+(?:\.[^\[\].]+)*?)(?:\[(?P<filter>.*)\])?"
                   r"(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$",
                   re.DOTALL)
_URN = re.compile(r"^urn:[^\[]*:(?=[^:\[]+(?:[\[.]|$))", re.IGNORECASE)


def apply(resource, body):
    """The representation after `body`'s Operations; `resource` itself is not changed."""
    if not isinstance(body, dict) or PATCH_SCHEMA not in (body.get("schemas") or []):
        raise invalid("invalidSyntax", f"a PATCH body names the schema {PATCH_SCHEMA}",
                      "schemas")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise invalid("invalidSyntax", "Operations must be a non-empty list", "Operations")
    if len(operations) > MAX_OPERATIONS:
        raise invalid("tooMany", f"at most {MAX_OPERATIONS} Operations", "Operations")
    result = copy.deepcopy(resource)
    for position, operation in enumerate(operations):
        _apply_one(result, operation, f"Operations[{position}]")
    return result


def _apply_one(resource, operation, where):
    if not isinstance(operation, dict):
        raise invalid("invalidSyntax", f"{where} must be an object", where)
    op = operation.get("op")
    if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
        raise invalid("invalidSyntax", f"{where}.op must be add, replace or remove", f"{where}.op")
    op = op.lower()
    path = operation.get("path")
    value = operation.get("value")
    if path is None:
        if op == "remove":
            raise invalid("noTarget", f"{where}: remove needs a path", f"{where}.path")
        if not isinstance(value, dict):
            raise invalid("invalidValue", f"{where}.value must be an object when there is no "
                          "path", f"{where}.value")
        for name, inner in value.items():
            _at_path(resource, op, name, inner, where)
        return
    if not isinstance(path, str) or len(path) > filters.MAX_LENGTH:
        raise invalid("invalidPath", f"{where}.path must be an attribute path", f"{where}.path")
    _at_path(resource, op, path, value, where)


def _at_path(resource, op, path, value, where):
    match = _PATH.match(_URN.sub("", path.strip()))
    if match is None:
        raise invalid("invalidPath", f"{where}: '{path}' is not an attribute path", f"{where}.path")
    names = match["attr"].split(".")
    if match["filter"] is not None:
        if len(names) != 1:
            raise invalid("invalidPath", f"{where}: '{path}' is not an attribute path",
                          f"{where}.path")
        _filtered(resource, op, names[0], filters.parse(match["filter"]), match["sub"], value,
                  where)
        return
    if match["sub"] is not None:
        names.append(match["sub"])
    parent = resource
    for name in names[:-1]:
        key = _key(parent, name)
        if not isinstance(parent.get(key), dict):
            if op == "remove":
                return
            parent[key] = {}
        parent = parent[key]
    key = _key(parent, names[-1])
    if op == "remove" and isinstance(value, list) and isinstance(parent.get(key), list):
        # Okta removes members as {"op": "remove", "path": "members", "value": [{"value": id}]}
        gone = {_identity(item) for item in value}
        parent[key] = [item for item in parent[key] if _identity(item) not in gone]
    elif op == "remove":
        parent.pop(key, None)
    elif op == "add" and isinstance(parent.get(key), list):
        parent[key] = parent[key] + [item for item in _as_list(value) if item not in parent[key]]
    elif op == "add" and isinstance(parent.get(key), dict) and isinstance(value, dict):
        parent[key].update(value)
    else:
        parent[key] = value


def _filtered(resource, op, name, predicate, sub, value, where):
    """`name[filter]` (and `name[filter].sub`): the matching values of a multi-valued
    attribute are changed or removed. None matching is noTarget for add and replace (RFC
    7644 §3.5.2.3); a remove of what is already gone changes nothing, since IdPs re-send."""
    key = _key(resource, name)
    items = resource.get(key)
    items = items if isinstance(items, list) else []
    matched = [i for i, item in enumerate(items) if isinstance(item, dict) and predicate(item)]
    if not matched:
        if op == "remove":
            return  # already gone: removing it again is no error for an IdP re-sending it
        raise invalid("noTarget", f"{where}: no value of {name} matches the filter",
                      f"{where}.path")
    if op == "remove" and sub is None:
        resource[key] = [item for i, item in enumerate(items) if i not in matched]
        return
    for i in matched:
        if sub is None:
            items[i] = {**items[i], **value} if isinstance(value, dict) else value
        elif op == "remove":
            items[i].pop(_key(items[i], sub), None)
        else:
            items[i][_key(items[i], sub)] = value
    resource[key] = items


def _key(container, name):
    """The key of `container` that is `name` regardless of case (else `name` itself)."""
    for key in container:
        if key.lower() == name.lower():
            return key
    return name


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _identity(item):
    """What names a value of a multi-valued attribute: its `value`, or the item itself."""
    if isinstance(item, dict):
        return str(item.get(_key(item, "value")))
    return str(item)
