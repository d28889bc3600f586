"""Applications' declared actions: the JSON Schema an action's metadata must meet.

Checked with `jsonschema` (Draft 2020-12), the reference implementation for Python:
JSON Schema's rules ($ref, formats, combinators) are too many to write again correctly.
A schema is checked when it is declared, so an event is never refused for a broken schema.
"""
import jsonschema

from ..errors import Invalid

VALIDATOR = jsonschema.Draft202012Validator


def check_schema(schema):
    """400 naming `schema` unless it is a valid JSON Schema."""
    try:
        VALIDATOR.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise Invalid("schema", f"schema is not a valid JSON Schema: {error.message}")
    return schema


def check_metadata(schema, metadata):
    """400 naming the first field of `metadata` that breaks `schema` (`metadata.amount`;
    `metadata` itself for what concerns the whole object, such as a missing property)."""
    error = jsonschema.exceptions.best_match(VALIDATOR(schema).iter_errors(metadata))
    if error is None:
        return metadata
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and not path:
        missing = next((name for name in error.validator_value if name not in metadata), None)
        path = [missing] if missing else []
    raise Invalid(".".join(["metadata", *path]), f"metadata does not meet the action's "
                  f"schema: {error.message}")
