"""Input rules: what each value must be before the store takes it.

A field is declared once (`Text(max_length=100)`, `Body(...)`) and the declaration both
checks values and states the same rule as JSON Schema. They live below the HTTP layer
because more than one caller applies them: the API to request bodies and query strings
(restapi/inputs.py re-exports them), and the WorkOS mapping (workos_sync/mapping.py) to
users that arrive from WorkOS, which are held to exactly the standard of one created over
the API. A broken rule raises `Invalid` naming the field, before anything is changed.
"""
import json
import re
from datetime import datetime, time, timezone

from .errors import Invalid

# The characters str.strip() removes (those of str.isspace()), spelled out: `\s` means
# different sets in Python and in the ECMA regexes of JSON Schema, and the published pattern
# must accept exactly what Text.check accepts.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Patterns of the trimmed value; Text wraps them to allow the surrounding space it trims.
SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"
EMAIL = rf"[^@{SPACE}\x00-\x1f]+@[^@{SPACE}\x00-\x1f]+\.[^@{SPACE}\x00-\x1f]+"
URL = rf"[Hh][Tt][Tt][Pp][Ss]?://[^{SPACE}\x00/$.?#][^{SPACE}\x00]*"
DOMAIN = r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}"
OPAQUE_ID = r"[A-Za-z0-9_-]{1,100}"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name):
    return _CAMEL.sub("_", name).lower()


def invalid(field, message, **details):
    """The error of a value that breaks its rule; the HTTP layer answers it with a 400
    naming `field` (GR_VALIDATION_ERROR), the WorkOS mapping turns it into Unmappable."""
    return Invalid(field, message, details or None)


_UNSET = object()


class Field:
    """A value's rules. `nullable` lets a client clear an optional value with null.

    `schema()` states the same rules as JSON Schema for the OpenAPI document, so what is
    published and what is enforced come from one declaration. Beside the machine rules
    (`pattern`, `maxLength`, ...) it carries `x-rule`, the same rule in words for a person
    (the /docs page shows it instead of a regular expression), `description` (what the
    value is), `default` (what an absent value means) and `examples`.
    """

    type_name = "value"

    def __init__(self, *, required=False, nullable=False, description=None, default=_UNSET,
                 example=_UNSET):
        self.required = required
        self.nullable = nullable
        self.description = description
        self.default = default
        self.example = example

    @property
    def has_default(self):
        return self.default is not _UNSET

    @property
    def has_example(self):
        return self.example is not _UNSET

    def schema(self):
        schema = self.own_schema()
        if self.nullable:
            schema["type"] = [schema["type"], "null"]
        rule = self.readable_rule()
        if self.nullable:
            rule += "; or `null`"
        schema["x-rule"] = rule
        if self.description:
            schema["description"] = self.description
        if self.has_default:
            schema["default"] = self.default
        if self.has_example:
            schema["examples"] = [self.example]
        return schema

    def own_schema(self):
        return {"type": self.type_name}

    def readable_rule(self):
        """The rule in words, for a person reading the reference."""
        return self.type_name

    def clean(self, value, name):
        if value is None:
            if self.nullable:
                return None
            raise invalid(name, f"{name} must not be null")
        return self.check(value, name)

    def from_query(self, text, name):
        return self.clean(text, name)

    def check(self, value, name):
        return value


class Text(Field):
    """A string, trimmed of surrounding space. `min_length` is 0 (may be empty) or 1 (must
    hold more than space); `max_length` counts the string as sent; `pattern` is matched by
    the trimmed value. The same rules, as one regex, are what the document publishes."""

    type_name = "string"

    def __init__(self, *, max_length=200, min_length=1, pattern=None, pattern_hint=None,
                 readable=None, **kw):
        super().__init__(**kw)
        self.max_length = max_length
        self.min_length = min_length
        self.pattern_hint = pattern_hint  # sent back in a refusal's details
        self.readable = readable or pattern_hint  # what the pattern allows, in words
        self.pattern = pattern
        if pattern:
            self.rule = rf"^[{SPACE}]*(?:{pattern})[{SPACE}]*$"
        elif min_length:
            self.rule = rf"^[^\x00]*[^{SPACE}\x00][^\x00]*$"
        else:
            self.rule = r"^[^\x00]*$"
        self.regex = re.compile(self.rule)

    def check(self, value, name):
        if not isinstance(value, str):
            raise invalid(name, f"{name} must be a string")
        if len(value) > self.max_length:
            raise invalid(name, f"{name} must be at most {self.max_length} characters",
                          maxLength=self.max_length)
        if "\x00" in value:
            raise invalid(name, f"{name} must not contain NUL characters")
        trimmed = value.strip()
        if len(trimmed) < self.min_length:
            raise invalid(name, f"{name} must not be empty")
        if not self.regex.fullmatch(value):
            raise invalid(name, f"{name} is not valid", pattern=self.pattern_hint)
        return trimmed

    def own_schema(self):
        return {"type": "string", "minLength": self.min_length, "maxLength": self.max_length,
                "pattern": self.rule}

    def readable_rule(self):
        length = (f"{self.min_length}–{self.max_length} characters" if self.min_length
                  else f"at most {self.max_length} characters")
        if self.pattern:
            return f"{length}: {self.readable}; surrounding space is trimmed"
        if self.min_length:
            return f"{length}, not only space; surrounding space is trimmed"
        return f"{length}; surrounding space is trimmed"


class Slug(Text):
    def __init__(self, **kw):
        super().__init__(max_length=100, pattern=SLUG, pattern_hint=(
            "Slug must contain only lowercase letters, numbers, and hyphens"),
            readable="lowercase letters, digits and single hyphens between them (`acme-corp`)",
            **kw)


class Email(Text):
    def __init__(self, **kw):
        super().__init__(max_length=254, pattern=EMAIL,
                         pattern_hint="An email address such as jane@example.com",
                         readable="an email address such as `jane@example.com`", **kw)


class Url(Text):
    def __init__(self, **kw):
        super().__init__(max_length=2048, pattern=URL,
                         pattern_hint="An absolute http(s) URL",
                         readable="an absolute `http://` or `https://` URL", **kw)


class Domain(Text):
    def __init__(self, **kw):
        super().__init__(max_length=253, pattern=DOMAIN,
            pattern_hint="A domain name such as acme.com",
            readable="a domain name such as `acme.com`", **kw)


class Bool(Field):
    type_name = "boolean"
    _WORDS = {"true": True, "1": True, "false": False, "0": False}

    def check(self, value, name):
        if not isinstance(value, bool):
            raise invalid(name, f"{name} must be true or false")
        return value

    def from_query(self, text, name):
        if text.lower() not in self._WORDS:
            raise invalid(name, f"{name} must be true or false")
        return self._WORDS[text.lower()]

    def readable_rule(self):
        return "`true` or `false` (in a query string also `1` or `0`)"


class Choice(Text):
    """One of a fixed set of words (a tier, a grouping, an action)."""

    def __init__(self, *choices, **kw):
        super().__init__(max_length=max(map(len, choices)), **kw)
        self.choices = choices

    def check(self, value, name):
        if not isinstance(value, str) or value not in self.choices:
            raise invalid(name, f"{name} must be one of: {', '.join(self.choices)}",
                          allowed=list(self.choices))
        return value

    def own_schema(self):
        return {"type": "string", "enum": list(self.choices)}

    def readable_rule(self):
        return "one of " + ", ".join(f"`{choice}`" for choice in self.choices)


class Uuid(Field):
    """A UUID in its canonical 36-character form, returned in lower case."""

    type_name = "uuid"
    FORM = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

    def check(self, value, name):
        if isinstance(value, str) and self.FORM.fullmatch(value):
            return value.lower()
        raise invalid(name, f"{name} must be a UUID")

    def own_schema(self):
        return {"type": "string", "format": "uuid", "pattern": self.FORM.pattern}

    def readable_rule(self):
        return "a UUID (36 characters, such as `0b7e2b4e-3c1a-4c53-9d0e-6f1d2a3b4c5d`)"


class OpaqueId(Text):
    def __init__(self, **kw):
        super().__init__(max_length=100, pattern=OPAQUE_ID, pattern_hint="An id such as role_admin",
                         readable="letters, digits, `_` and `-`, such as `role_admin`", **kw)


class Integer(Field):
    type_name = "integer"

    def __init__(self, *, minimum, maximum, **kw):
        super().__init__(**kw)
        self.minimum = minimum
        self.maximum = maximum

    def check(self, value, name):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema's integer: 7.0 is one, as JSON numbers go
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"{name} must be an integer")
        if not self.minimum <= value <= self.maximum:
            raise invalid(name, f"{name} must be between {self.minimum} and {self.maximum}",
                          minimum=self.minimum, maximum=self.maximum)
        return value

    def from_query(self, text, name):
        sign = "-?" if self.minimum < 0 else ""
        if not re.fullmatch(sign + r"[0-9]{1,6}", text):
            raise invalid(name, f"{name} must be an integer between {self.minimum} and {self.maximum}")
        return self.check(int(text), name)

    def own_schema(self):
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}

    def readable_rule(self):
        return f"a whole number from {self.minimum} to {self.maximum}"


class Metadata(Field):
    """A JSON object of custom data, bounded so one client cannot bloat every read."""

    type_name = "object"
    MAX_BYTES = 16 * 1024
    MAX_DEPTH = 5

    def check(self, value, name):
        if not isinstance(value, dict):
            raise invalid(name, f"{name} must be a JSON object")
        if _depth(value) > self.MAX_DEPTH:
            raise invalid(name, f"{name} must be nested at most {self.MAX_DEPTH} levels deep")
        if len(json.dumps(value, ensure_ascii=False).encode()) > self.MAX_BYTES:
            raise invalid(name, f"{name} must be at most {self.MAX_BYTES} bytes as JSON",
                          maxBytes=self.MAX_BYTES)
        return value

    def own_schema(self):
        return {"type": "object", "x-max-bytes": self.MAX_BYTES, "x-max-depth": self.MAX_DEPTH,
                "description": "Custom data, stored and returned as given"}

    def readable_rule(self):
        return (f"a JSON object of at most {self.MAX_BYTES} bytes (as UTF-8 JSON), nested at "
                f"most {self.MAX_DEPTH} levels")


def _depth(value):
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


class StringList(Field):
    type_name = "array"

    def __init__(self, item, *, max_items=50, min_items=0, **kw):
        super().__init__(**kw)
        self.item = item
        self.max_items = max_items
        self.min_items = min_items

    def check(self, value, name):
        if not isinstance(value, list):
            raise invalid(name, f"{name} must be an array")
        if not self.min_items <= len(value) <= self.max_items:
            raise invalid(name, f"{name} must have {self.min_items} to {self.max_items} items",
                          minItems=self.min_items, maxItems=self.max_items)
        return [self.item.clean(v, name) for v in value]

    def own_schema(self):
        return {"type": "array", "items": self.item.schema(), "minItems": self.min_items,
                "maxItems": self.max_items}

    def readable_rule(self):
        count = (f"{self.min_items}–{self.max_items} items" if self.min_items
                 else f"at most {self.max_items} items")
        return f"{count}, each {self.item.readable_rule()}"


class DateTime(Field):
    """An ISO 8601 date-time; no offset means UTC.

    `whole_day=True` is for the end of an inclusive range: a date alone (`2026-11-30`) then
    means the last instant of that day in UTC, so a range ending on a date covers that day
    and a range from a date to the same date is that one day (the reference's ranges are
    inclusive at both ends)."""

    type_name = "date-time"

    def __init__(self, *, whole_day=False, **kw):
        super().__init__(**kw)
        self.whole_day = whole_day

    def check(self, value, name):
        if not isinstance(value, str) or len(value) > 40:
            raise invalid(name, f"{name} must be an ISO 8601 date-time")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise invalid(name, f"{name} must be an ISO 8601 date-time")
        if self.whole_day and _DATE_ONLY.fullmatch(value):
            moment = datetime.combine(moment.date(), time.max)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        try:
            return moment.astimezone(timezone.utc)
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00: before year 1 in UTC
            raise invalid(name, f"{name} is out of range once converted to UTC")

    def own_schema(self):
        return {"type": "string", "format": "date-time", "maxLength": 40}

    def readable_rule(self):
        rule = "an ISO 8601 date-time such as `2026-01-31T09:00:00Z` (no offset: UTC)"
        return rule + ("; a date alone covers that whole day (UTC)" if self.whole_day else "")


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}", re.ASCII)


class Fields:
    """Named fields; parsing yields snake_case keys ready for the store. `where` names
    what holds them in the messages ("Unknown body field ...")."""

    where = "body"

    def __init__(self, **fields):
        self.fields = fields

    def _unknown(self, names):
        for name in names:
            if name not in self.fields:
                raise invalid(name, f"Unknown {self.where} field '{name}'",
                              allowed=sorted(self.fields))

    def _missing(self, present):
        for name, field in self.fields.items():
            if field.required and name not in present:
                raise invalid(name, f"{name} is required")


class Body(Fields):
    def parse(self, data, *, partial=False):
        """Checked values of `data`; with `partial` (PUT), required fields may be absent."""
        if not isinstance(data, dict):
            raise invalid("body", "The request body must be a JSON object")
        self._unknown(data)
        if not partial:
            self._missing(data)
        return {snake(k): self.fields[k].clean(v, k) for k, v in data.items()}

    def schema(self, *, partial=False):
        """The JSON Schema of this body; with `partial` (PUT), nothing is required."""
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {name: field.schema() for name, field in self.fields.items()}}
        required = [name for name, field in self.fields.items() if field.required]
        if required and not partial:
            schema["required"] = required
        example = {name: field.example for name, field in self.fields.items()
                   if field.has_example}
        if example and all(name in example for name in required):
            schema["examples"] = [example]
        return schema


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(value):
    """True for a string holding a UTF-16 surrogate that is not half of a pair. (The JSON
    decoder joins a well-formed pair into one character, so any surrogate left is lone.)
    SQLite stores text as UTF-8, which cannot hold one: a write would fail half-way."""
    return isinstance(value, str) and _LONE_SURROGATE.search(value) is not None


# The user's fields as the users API creates a user and as a WorkOS user is mapped onto
# one: one declaration, so both are held to the same standard.
USER_PROFILE = dict(
    firstName=Text(max_length=100, nullable=True, description="Given name", example="Jane"),
    lastName=Text(max_length=100, nullable=True, description="Family name", example="Doe"),
    avatarUrl=Url(nullable=True, description="Where the user's picture is", example=None),
    metadata=Metadata(example={}),
)
NEW_USER = Body(email=Email(required=True, description="The user's email address, unique",
                            example="jane@acme.com"), **USER_PROFILE)
