"""`attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes an answer
shows. `id` and `schemas` are always shown (RFC 7643: returned "always")."""
import re

from .errors import invalid

ALWAYS = {"id", "schemas"}
MAX_NAMES = 50
_NAME = re.compile(r"^(?:urn:[^ ]*:)?([A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?)$")


def names(text, field):
    """The comma-separated attribute paths of `text`, lower case, as (attr, sub or None)."""
    if text is None:
        return None
    found = []
    for part in text.split(","):
        match = _NAME.match(part.strip())
        if match is None:
            raise invalid("invalidPath", f"{field}: '{part.strip()}' is not an attribute path",
                          field)
        attr, _, sub = match[1].lower().partition(".")
        found.append((attr, sub or None))
    if len(found) > MAX_NAMES:
        raise invalid("invalidValue", f"{field}: at most {MAX_NAMES} attributes", field)
    return found


def project(document, attributes=None, excluded=None):
    """`document` with only the `attributes` asked for, or without the `excluded` ones."""
    if attributes:
        kept = {}
        for key, value in document.items():
            wanted = [sub for attr, sub in attributes if attr == key.lower()]
            if key.lower() in ALWAYS or None in wanted:
                kept[key] = value
            elif wanted:
                kept[key] = _only(value, set(wanted))
        return kept
    if excluded:
        shown = {}
        for key, value in document.items():
            dropped = [sub for attr, sub in excluded if attr == key.lower()]
            if key.lower() in ALWAYS or not dropped:
                shown[key] = value
            elif None not in dropped:
                shown[key] = _without(value, set(dropped))
        return shown
    return document


def _only(value, subs):
    if isinstance(value, list):
        return [_only(item, subs) for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() in subs}
    return value


def _without(value, subs):
    if isinstance(value, list):
        return [_without(item, subs) for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() not in subs}
    return value
