"""Applications' declared actions: the JSON Schema an action's metadata must meet.

Checked with `jsonschema` (Draft 2020-12), the reference implementation for Python:
JSON Schema's rules ($ref, formats, combinators) are too many to write again correctly.
A schema is checked when it is declared, so an event is never refused for a broken schema.
It is imported on first use: its `rpds-py` dependency is compiled, so the zipapp (which
leaves compiled modules out) serves everything else and answers these two operations 503.
"""
import functools

from ..errors import Invalid, Unavailable


@functools.cache
def _jsonschema():
    try:
        import jsonschema
    except ImportError as error:
        raise Unavailable("Application audit actions need the jsonschema package, which this "
                          f"build of Golden Record lacks ({error})") from None
    return jsonschema


def check_schema(schema):
    """400 naming `schema` unless it is a valid JSON Schema."""
    jsonschema = _jsonschema()
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise Invalid("schema", f"schema is not a valid JSON Schema: {error.message}")
    return schema


def check_metadata(schema, metadata):
    """400 naming the first field of `metadata` that breaks `schema` (`metadata.amount`;
    `metadata` itself for what concerns the whole object, such as a missing property)."""
    jsonschema = _jsonschema()
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(metadata))
    if error is None:
        return metadata
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and not path:
        missing = next((name for name in error.validator_value if name not in metadata), None)
        path = [missing] if missing else []
    raise Invalid(".".join(["metadata", *path]), f"metadata does not meet the action's "
                  f"schema: {error.message}")
