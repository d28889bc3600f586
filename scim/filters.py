"""SCIM filters (RFC 7644 §3.4.2.2), parsed into a predicate over a resource's JSON.

A filter comes from outside, so the parser is bounded: at most MAX_LENGTH characters and
MAX_DEPTH levels of parentheses, brackets and `not`, a recursive descent that never goes
deeper than that, and every mistake an `invalidFilter` 400 (never a 500). Beside the RFC's
grammar it takes the form IdPs send for a sub-attribute of a filtered multi-valued
attribute: `emails[type eq "work"].value eq "x"`.

Attribute names are case-insensitive and may carry their schema's URN; string
comparisons ignore case except on the case-exact attributes (`id`, `externalId`).
"""
import re

from .errors import invalid

MAX_LENGTH = 1000
MAX_DEPTH = 8
CASE_EXACT = {"id", "externalid"}
_COMPARE = {"eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"}
_TOKEN = re.compile(r'''\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<punct>[()\[\]])
  | (?P<word>[A-Za-z0-9_:.$\-+]+)
)''', re.VERBOSE)
_URN = re.compile(r"^urn:[^ ]*:", re.IGNORECASE)
_KEYWORDS = {"true": True, "false": False, "null": None}


def parse(text):
    """The predicate `text` means: a function of a resource (a dict) to bool."""
    if len(text) > MAX_LENGTH:
        raise invalid("invalidFilter", f"filter must be at most {MAX_LENGTH} characters",
                      "filter")
    parser = _Parser(_tokens(text))
    node = parser.expression(0)
    if parser.peek() is not None:
        raise _bad(f"unexpected '{parser.peek()[1]}'")
    return node


def _bad(message):
    return invalid("invalidFilter", f"filter: {message}", "filter")


def _tokens(text):
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise _bad(f"cannot read it from position {position}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self._tokens = tokens
        self._at = 0

    def peek(self):
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise _bad("it ends too soon")
        self._at += 1
        return token

    def word_is(self, *words):
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() in words

    def expect(self, punct):
        token = self.take()
        if token != ("punct", punct):
            raise _bad(f"expected '{punct}', found '{token[1]}'")

    def expression(self, depth):
        """or-terms of and-terms of factors; `and` binds tighter than `or`."""
        if depth > MAX_DEPTH:
            raise _bad(f"nested more than {MAX_DEPTH} levels deep")
        node = self.conjunction(depth)
        while self.word_is("or"):
            self.take()
            node = _either(node, self.conjunction(depth))
        return node

    def conjunction(self, depth):
        node = self.factor(depth)
        while self.word_is("and"):
            self.take()
            node = _both(node, self.factor(depth))
        return node

    def factor(self, depth):
        if self.word_is("not"):
            self.take()
            self.expect("(")
            inner = self.expression(depth + 1)
            self.expect(")")
            return _negated(inner)
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.expression(depth + 1)
            self.expect(")")
            return inner
        kind, name = self.take()
        if kind != "word":
            raise _bad(f"expected an attribute, found '{name}'")
        path = _path(name)
        if self.peek() == ("punct", "["):
            self.take()
            inner = self.expression(depth + 1)
            self.expect("]")
            sub = None
            after = self.peek()
            if after is not None and after[0] == "word" and after[1].startswith("."):
                sub = _path(self.take()[1][1:])
            if sub is None:
                return _any_value(path, inner)
            return _any_value(path, _both(inner, self.comparison(sub)))
        return self.comparison(path)

    def comparison(self, path):
        kind, op = self.take()
        op = op.lower()
        if kind != "word" or op not in _COMPARE | {"pr"}:
            raise _bad(f"'{op}' is not a comparison operator")
        if op == "pr":
            return _present(path)
        return _compare(path, op, self.value())

    def value(self):
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if kind == "word" and text.lower() in _KEYWORDS:
            return _KEYWORDS[text.lower()]
        if kind == "word" and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
            return float(text) if "." in text else int(text)
        raise _bad(f"'{text}' is not a value (strings are quoted)")


def _path(name):
    """An attribute path as lower-case names: `name.givenName` -> ("name", "givenname")."""
    name = _URN.sub("", name) if name.lower().startswith("urn:") else name
    parts = tuple(part.lower() for part in name.split("."))
    if not all(re.fullmatch(r"[a-z$][a-z0-9_$\-]*", part) for part in parts):
        raise _bad(f"'{name}' is not an attribute path")
    return parts


def _values(resource, path):
    """Every value at `path` in `resource`, through multi-valued attributes."""
    found = [resource]
    for part in path:
        step = []
        for item in found:
            if isinstance(item, list):
                item_values = item
            else:
                item_values = [item]
            for value in item_values:
                if isinstance(value, dict):
                    for key, inner in value.items():
                        if key.lower() == part:
                            step.extend(inner if isinstance(inner, list) else [inner])
        found = step
    return [value for value in found if value is not None]


def _compare(path, op, wanted):
    exact = path[-1] in CASE_EXACT

    def fold(value):
        return value if exact or not isinstance(value, str) else value.casefold()

    target = fold(wanted)

    def test(value):
        value = fold(value)
        if op == "eq":
            return value == target
        if op == "ne":
            return value != target
        if isinstance(value, bool) or isinstance(target, bool) or target is None:
            return False
        if type(value) is not type(target) and not (
                isinstance(value, (int, float)) and isinstance(target, (int, float))):
            return False
        if op in ("co", "sw", "ew"):
            if not isinstance(value, str):
                return False
            return {"co": target in value, "sw": value.startswith(target),
                    "ew": value.endswith(target)}[op]
        return {"gt": value > target, "lt": value < target, "ge": value >= target,
                "le": value <= target}[op]

    def predicate(resource):
        values = _values(resource, path)
        if op == "ne":
            return all(test(value) for value in values)
        return any(test(value) for value in values)

    if op == "eq" and isinstance(wanted, str):
        predicate.plan = ("eq", path, wanted)
    return predicate


def _present(path):
    return lambda resource: any(value not in ("", [], {}) for value in _values(resource, path))


def _any_value(path, inner):
    """`path[filter]`: some value of the multi-valued attribute matches `inner`."""
    def predicate(resource):
        return any(isinstance(value, dict) and inner(value) for value in _values(resource, path))
    predicate.plan = ("within", path, _plan(inner))
    return predicate


def _both(left, right):
    predicate = lambda resource: left(resource) and right(resource)  # noqa: E731
    predicate.plan = ("and", _plan(left), _plan(right))
    return predicate


def _either(left, right):
    predicate = lambda resource: left(resource) or right(resource)  # noqa: E731
    predicate.plan = ("or", _plan(left), _plan(right))
    return predicate


def _negated(inner):
    return lambda resource: not inner(resource)


def _plan(predicate):
    """What a predicate says about where its matches can be looked up: ("eq", path, text),
    ("within", path, inner plan), ("and"|"or", left, right), or None (no lookup helps)."""
    return getattr(predicate, "plan", None)


def index_keys(predicate, indexed):
    """The (dotted path, value) lookups that find every resource `predicate` holds for, each
    path one of `indexed` (e.g. "username", "emails.value"), or None when some match could
    be found only by testing every resource. `a and b` needs one side's lookups, `a or b`
    both sides'; the caller still tests the predicate on what the lookups find."""
    return _keys(_plan(predicate), (), indexed)


def _keys(plan, prefix, indexed):
    if plan is None:
        return None
    kind = plan[0]
    if kind == "eq":
        path = ".".join(prefix + plan[1])
        return [(path, plan[2])] if path in indexed else None
    if kind == "within":
        return _keys(plan[2], prefix + plan[1], indexed)
    left, right = _keys(plan[1], prefix, indexed), _keys(plan[2], prefix, indexed)
    if kind == "and":
        return left if left is not None else right
    return None if left is None or right is None else left + right
