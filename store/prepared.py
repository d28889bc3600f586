"""Prepared SQL for the hot writes: each statement's text built once, values converted by
the model's own fields.

peewee builds a statement's SQL text afresh on every call, walking its expression tree:
for an INSERT of a dozen columns that is more Python than SQLite takes to run it, and a
create made four such statements (the row, its uniqueness check, the event, the active
subscriptions) — most of a create's cost. The text here is built once per model and
column set and cached; Python's sqlite3 then finds its compiled statement in its own
cache (keyed by the text), so a statement costs the conversion of its values and a step.
Rows are still model instances built by the model (`Organization(...)` fills defaults
as `Organization.create` does) and inserted with the same column values, so what lands
in the table is what peewee would have written.
"""
import functools
import itertools

from .db import database
from .models import IN_LIST


def insert(row):
    """Insert the model instance `row` as `Model.create` would (the fields it holds, each
    converted by its field's db_value); returns `row`."""
    insert_all([row])
    return row


def insert_all(rows):
    """Insert model instances in order, one executemany for each run of rows of the same
    model holding the same fields (a batch of creates is one run)."""
    connection = database.connection()
    for (model, names), run in itertools.groupby(rows, _shape):
        fields = [model._meta.fields[name] for name in names]
        run = list(run)
        connection.executemany(_insert_sql(model, names),
                               [[f.db_value(row.__data__[f.name]) for f in fields] for row in run])
        for row in run:
            row._dirty.clear()  # saved, as after Model.save


def taken(model, column, values):
    """Those of `values` that some row of `model` holds in `column` (an indexed column):
    a batch's uniqueness check in one statement per IN_LIST values."""
    field = model._meta.fields[column]
    stored = {field.db_value(value): value for value in values}
    keys = list(stored)
    found = set()
    for start in range(0, len(keys), IN_LIST):
        chunk = keys[start:start + IN_LIST]
        found.update(row[0] for row in database.connection().execute(
            _in_sql(model, column, len(chunk)), chunk))
    return {stored[key] for key in found}


def _shape(row):
    return type(row), tuple(row.__data__)


@functools.cache
def _insert_sql(model, names):
    columns = ", ".join(f'"{model._meta.fields[name].column_name}"' for name in names)
    marks = ", ".join("?" * len(names))
    return f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'


@functools.cache
def _in_sql(model, column, count):
    name = model._meta.fields[column].column_name
    return (f'SELECT "{name}" FROM "{model._meta.table_name}" '
            f'WHERE "{name}" IN ({", ".join("?" * count)})')
