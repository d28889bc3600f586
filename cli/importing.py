"""`goldenrecord import`: organizations, users or memberships from an NDJSON or CSV file.

Each record is what the API's create takes (camelCase fields), checked by the same rules
(the API's create bodies, store/rules.py) and written by the store's bulk creates, which
the API's creates are one-record calls of, so an import makes the same rows, search
entries and webhook events as the API would. Records
are written in batches, one write transaction each: a batch lands whole or not at all.
A batch with a bad line is not written; every bad line is reported by its line number and
field, and the import goes on with the next batch, so one run reports every problem of
its kind and a corrected file can be imported again (already-written records then fail
as duplicates, batch by batch).
"""
import csv
import json
from dataclasses import dataclass, field

from goldenrecord.restapi import memberships, organizations, users
from goldenrecord.store import StoreError

BATCH_SIZE = 500
FORMATS = ("ndjson", "csv")


@dataclass(frozen=True)
class Kind:
    """What one kind of record is checked with (`body`) and created by (`create_many` of
    the store's collaborator `noun`)."""

    body: object
    noun: str


KINDS = {
    "organizations": Kind(organizations.CREATE, "organizations"),
    "users": Kind(users.CREATE, "users"),
    "memberships": Kind(memberships.CREATE, "memberships"),
}


class LineError(Exception):
    """Line `line` cannot be imported: `field` (or None) and why."""

    def __init__(self, line, field, message):
        super().__init__(f"line {line}: {field + ': ' if field else ''}{message}")
        self.line, self.field, self.message = line, field, message


@dataclass
class Outcome:
    """What an import did: records written, batches refused, and every line error."""

    written: int = 0
    refused_batches: int = 0
    errors: list = field(default_factory=list)


def format_of(path, given=None):
    """The format named by `--format`, else by the file's suffix (.csv, else NDJSON)."""
    if given:
        return given
    return "csv" if str(path).lower().endswith(".csv") else "ndjson"


def records(lines, file_format):
    """(line number, record or LineError) for each record of an open text file."""
    if file_format == "csv":
        yield from _csv_records(lines)
        return
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except ValueError as error:
            yield number, LineError(number, None, f"not a JSON object: {error}")


def _csv_records(lines):
    """CSV with a header row of field names. An empty cell means the field is absent;
    `metadata` and flags (`isOwner`) hold JSON (`{"tier": 1}`, `true`)."""
    reader = csv.DictReader(lines)
    for row in reader:
        number = reader.line_num
        record = {}
        try:
            for name, cell in row.items():
                if name is None or cell in ("", None):
                    continue
                record[name] = _csv_cell(name, cell)
        except LineError as error:
            yield number, LineError(number, error.field, error.message)
            continue
        yield number, record


def _csv_cell(name, cell):
    if name in ("metadata", "isOwner"):
        try:
            return json.loads(cell)
        except ValueError:
            raise LineError(0, name, f"{name} must be JSON in a CSV cell")
    return cell


def import_records(store, kind, numbered, *, batch_size=BATCH_SIZE, progress=None):
    """Write `numbered` ((line, record) pairs) of `kind` in batches; returns an Outcome.

    `progress`, if given, is called with the Outcome after each batch.
    """
    outcome = Outcome()
    batch = []
    for item in numbered:
        batch.append(item)
        if len(batch) == batch_size:
            _import_batch(store, KINDS[kind], batch, outcome)
            batch = []
            if progress is not None:
                progress(outcome)
    if batch:
        _import_batch(store, KINDS[kind], batch, outcome)
        if progress is not None:
            progress(outcome)
    return outcome


def _import_batch(store, kind, batch, outcome):
    """Check every line of `batch`, then write it in one transaction, or not at all."""
    checked, errors = [], []
    for number, record in batch:
        try:
            checked.append((number, _checked(kind, number, record)))
        except LineError as error:
            errors.append(error)
    if not errors:
        try:
            _write(store, kind, checked)
        except LineError as error:
            errors.append(error)
    if errors:
        outcome.refused_batches += 1
        outcome.errors.extend(errors)
    else:
        outcome.written += len(checked)


def _checked(kind, number, record):
    if isinstance(record, LineError):
        raise record
    try:
        return kind.body.parse(record)
    except StoreError as error:
        raise LineError(number, getattr(error, "field", None), str(error))


def _write(store, kind, checked):
    """Create every record with the store's bulk create (`create_many`: one write
    transaction, one statement per table); the first it refuses (a duplicate, an unknown
    id) leaves the whole batch unwritten and is reported by its line."""
    try:
        getattr(store, kind.noun).create_many([values for _, values in checked])
    except StoreError as error:
        number = checked[error.position][0]
        raise LineError(number, getattr(error, "field", None), str(error))
