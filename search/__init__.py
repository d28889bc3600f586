"""Text search over the golden record.

For now a plain case-insensitive substring match; the FTS5 typo-tolerant index takes
its place behind the same function.
"""
import functools
import operator


def text_match(fields, text):
    """A peewee expression true where any of `fields` contains `text` (ASCII case-folded).

    LIKE wildcards in `text` are escaped by peewee, so `%` and `_` match themselves.
    """
    return functools.reduce(operator.or_, (field.contains(text) for field in fields))
