"""Column types that keep SQLite's storage readable and sortable."""
import functools
import json
from datetime import datetime, timezone

import peewee as pw

from .db import sealer

_STORED = "%Y-%m-%dT%H:%M:%S.%fZ"


@functools.lru_cache(maxsize=64)
def stamp(moment):
    """An aware datetime in the stored form, for statements written in SQL.

    Remembered for the last few moments: a write stamps the same `now` on its row, its
    event, its deliveries and its audit entries (a group of creates on all of theirs), and
    formatting it costs more than looking it up."""
    return moment.astimezone(timezone.utc).strftime(_STORED)


class UtcDateTimeField(pw.TextField):
    """Aware UTC datetimes stored as fixed-width ISO text with microseconds.

    Fixed width makes text order equal time order, which keyset pagination on
    (created_at, id) relies on.
    """

    def db_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return stamp(value)

    def python_value(self, value):
        # fromisoformat (C) reads the stored form, Z included, far faster than strptime
        return None if value is None else datetime.fromisoformat(value)


class JSONField(pw.TextField):
    """A JSON document in a TEXT column (objects and lists)."""

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class SealedField(pw.TextField):
    """A secret, sealed at rest under the database's secret key (store/vault.py) and
    plain in Python: no secret is stored in plain text."""

    def db_value(self, value):
        return None if value is None else sealer.seal(value)

    def python_value(self, value):
        return None if value is None else sealer.unseal(value)
