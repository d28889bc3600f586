"""External ids: another system's id for an organization or a user, unique per type.

A record may have none (NULL); two records of one type never share one. Checked in the
writing transaction, and held by the columns' UNIQUE indexes (migration 21).
"""
from . import prepared
from .errors import Conflict, NotFound, at_position

MAX_LENGTH = 128


def check_free(model, wanted, *, keep=None):
    """Raise Conflict (field `externalId`) for the first of `wanted` that `refusals` finds,
    marked with its position in the batch."""
    refused = refusals(model, wanted, keep=keep)
    if refused:
        position, conflict = refused[0]
        raise at_position(conflict, position)


def refusals(model, wanted, *, keep=None):
    """(index, Conflict naming `externalId`) for each of `wanted` — external ids, one per
    record of a batch, None for none — that another row of `model` holds or an earlier one
    of the batch asks for; `keep` is the id the row being changed holds already. All of
    them, for a bulk create's preview."""
    taken = prepared.taken(model, "external_id", [v for v in wanted if v is not None and v != keep])
    found = []
    for position, value in enumerate(wanted):
        if value is None or value == keep:
            continue
        if value in taken:
            found.append((position, Conflict("externalId",
                                             f"The external id '{value}' is taken")))
        taken.add(value)
    return found


def find(model, resource, external_id):
    """The row of `model` with `external_id`, or NotFound."""
    row = model.first_by("external_id", external_id)
    if row is None:
        raise NotFound(resource, external_id, message=f"No {resource} has the external id "
                                                      f"'{external_id}'")
    return row
