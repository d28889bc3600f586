"""The one place where state changes are noted for the audit log, whoever makes them.

Two sources feed it, both below every endpoint, so a new mutation is recorded without code
of its own:
- the outbox (store/events.py): every event written is a change, named by its event type
  (`organization.updated`), with its target and organizations;
- the models (store/models.py BaseModel): every row created, saved or deleted through a
  model, with the before and after values of the fields that changed — which also covers
  tables that send no events (API keys, webhooks, roles, and those added later).
A row change and the event about the same row are one entry (the event's name, the row's
before/after). Notes are kept per thread for the current write transaction and written,
hash-chained, just before it commits (store/db.py), so an entry exists exactly when its
change does; a rolled-back transaction leaves none.
"""
import functools
import threading
from datetime import datetime

from ..records import timestamp

# Tables whose rows are bookkeeping rather than state: the outbox, deliveries, the usage
# log, per-database secrets, WorkOS's replay memory.
NOT_AUDITED = frozenset({"event", "delivery", "request_log", "setting", "workos_event"})
# Never recorded, whatever table or event they are in: secrets (an invitation's token, its
# hash, and the accept link that carries it), and fields that move on every use.
SECRET = frozenset({"key_hash", "secret", "token", "token_hash", "acceptUrl", "password", "key"})
NOISE = frozenset({"updated_at", "last_used_at", "email_key"})
# Updates that have a name of their own: (table, field, changed to a value) -> action.
NAMED_UPDATES = (
    ("api_key", "revoked_at", "api_key.revoked"),
    ("membership", "role_id", "membership.role_changed"),
    ("webhook", "is_active", "webhook.enabled_changed"),
)


class Note:
    """One change: its action, target and organization, and the changed fields
    (camelCase name -> {"before": ..., "after": ...})."""

    __slots__ = ("action", "target_type", "target_id", "organization_id", "changes", "metadata",
                 "context")

    def __init__(self, action, target_type, target_id, organization_id, changes, metadata=None):
        self.action = action
        self.target_type = target_type
        self.target_id = target_id
        self.organization_id = organization_id
        self.changes = changes
        self.metadata = metadata or {}
        self.context = None  # who made it, when not the current context (`attribute`)


class _Open(threading.local):
    depth = 0
    notes = None  # the open transaction's notes, in order
    rows = None  # (table, id) -> the Note of that row, to merge an event into


_open = _Open()


def begin():
    """A write transaction starts (nested ones too); returns the mark to roll back to."""
    if _open.depth == 0:
        _open.notes, _open.rows = [], {}
    _open.depth += 1
    return len(_open.notes)


def end(mark, committed):
    """A write transaction ends; returns the notes to write when it is the outermost one
    and it is about to commit (else [])."""
    _open.depth -= 1
    if not committed:
        del _open.notes[mark:]
    if _open.depth:
        return []
    notes, _open.notes, _open.rows = _open.notes, None, None
    return notes


def recording():
    return _open.depth > 0


@functools.cache
def camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def plain(value):
    """A value as the audit log stores it (JSON)."""
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return value
    return str(value)


@functools.cache
def _fields(model):
    """(field name, its name in entries) of the fields of `model` an entry may show."""
    return tuple((f.name, camel(f.column_name)) for f in model._meta.sorted_fields
                 if f.name not in SECRET and f.column_name not in SECRET and f.name not in NOISE
                 and type(f).__name__ != "SealedField" and f.column_name != "id")


def _table(instance):
    return instance._meta.table_name


def row_changed(instance, before, kind):
    """Note a row created (`before` None), updated (`before`: the stored row) or deleted."""
    table = _table(instance)
    if not recording() or table in NOT_AUDITED:
        return
    changes = {}
    now, then = instance.__data__, None if before is None else before.__data__
    deleted = kind == "deleted"
    for name, shown in _fields(type(instance)):
        new = None if deleted else now.get(name)
        old = None if then is None else then.get(name)
        if old == new and (kind == "updated" or new is None):
            continue
        changes[shown] = {"before": plain(old), "after": plain(new)}
    if kind == "updated" and not changes:
        return
    row_id = key_text(instance._pk)
    action = f"{table}.{kind}"
    if kind == "updated":
        for named_table, field, named in NAMED_UPDATES:
            if table == named_table and camel(field) in changes:
                action = named
    organization = instance.__data__.get("organization")
    key = (table, row_id)
    note = _open.rows.get(key)
    if note is not None:  # a second change of the same row in one transaction: one entry
        for name, change in changes.items():
            note.changes[name] = {"before": note.changes.get(name, change)["before"],
                                  "after": change["after"]}
        return
    note = Note(action, table, row_id, organization, changes)
    _open.rows[key] = note
    _open.notes.append(note)


def key_text(key):
    """A row's id as entries show it: a key of two or more columns (a group's member, a
    role's permission) as its parts joined by "/" (`grp_1/usr_2`), so `targetId` can be
    matched and split without knowing Python's tuple text."""
    if isinstance(key, tuple):
        return "/".join(str(part) for part in key)
    return str(key)


# Events about rows of a table named otherwise than the event: (table, row id) from the data.
_TARGETS = {
    "group": lambda data: ("scim_group", data["id"]),
    "group.member_added": lambda data: ("scim_group_member",
                                        key_text((data["group"]["id"], data["user"]["id"]))),
}
_TARGETS["group.member_removed"] = _TARGETS["group.member_added"]


def _target(event_type, data):
    """(table, row id) an event is about: its kind and `id`, unless _TARGETS says."""
    named = _TARGETS.get(event_type) or _TARGETS.get(event_type.split(".")[0])
    if named is not None:
        return named(data)
    return event_type.split(".")[0], data.get("id") if isinstance(data, dict) else None


def event_emitted(event_type, data, organization_ids):
    """Note an outbox event; the row note of the same target, if any, becomes this one."""
    if not recording():
        return
    target_type, target_id = _target(event_type, data)
    organization = (data.get("organizationId") if target_type == "membership" else
                    target_id if target_type == "organization" else
                    organization_ids[0] if len(organization_ids) == 1 else None)
    note = _open.rows.get((target_type, target_id))
    if note is not None:
        note.action = _named(note.action, event_type)
        note.organization_id = note.organization_id or organization
        return
    if event_type.endswith(".deleted"):
        changes = {name: {"before": value, "after": None} for name, value in data.items()
                   if name != "id" and name not in SECRET}
    elif event_type.endswith(".created"):
        changes = {name: {"before": None, "after": value} for name, value in data.items()
                   if name != "id" and value is not None and name not in SECRET}
    else:
        changes = {}
    note = Note(event_type, target_type, target_id, organization, changes)
    _open.rows[(target_type, target_id)] = note
    _open.notes.append(note)


def _named(row_action, event_type):
    """The row's own name when it is more specific than the event's (a role change)."""
    return row_action if row_action.rsplit(".", 1)[1] not in ("created", "updated", "deleted") \
        else event_type


def attribute(target_type, contexts):
    """Mark the open transaction's notes about `target_type` rows whose ids `contexts`
    maps (id -> store.audit.context.Context) as made in those contexts: a group commit
    (store/grouped.py) writes several requests' changes in one transaction, each one its
    own actor's."""
    if not recording():
        return
    for note in _open.notes:
        if note.target_type == target_type and note.target_id in contexts:
            note.context = contexts[note.target_id]


def record(note):
    """Note an entry that no row or event makes (an application's own event, a refused key)."""
    if recording():
        _open.notes.append(note)
        return True
    return False
