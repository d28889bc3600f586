"""After a full WorkOS sync: what WorkOS no longer has goes here too.

A full sync lists every organization, user and membership WorkOS holds. A row linked to a
WorkOS object that the listing did not return was deleted in WorkOS while no event said so
to us — most often while the incremental cursor was older than WorkOS's event retention,
which is exactly when a full sync runs. Such a row is treated as its WorkOS deletion event
would treat it: an organization or user is kept and deactivated, a membership removed, each
through the stores (our own events and audit entries follow).

Only rows WorkOS last changed before the full sync began are swept: one created or changed
in WorkOS meanwhile may be missing from a listing that had already passed it, and the
events read after the sweep (from when the sync began) apply it. A sync cut short never
sweeps: its listing is incomplete.

The WorkOS ids seen are kept as 64-bit hashes in one sorted array (8 bytes an id: 8 MB for
a million users), not as strings in a set (about 100 bytes each). A collision can only
make the sweep keep a row it should have deactivated; at a million ids its chance is about
one in 10^7.
"""
import bisect
import hashlib
from array import array

from .db import write_transaction
from .models import Membership, Organization, User

_CHUNK = 500  # rows read, and changed in one transaction, at a time


class SeenIds:
    """WorkOS ids a listing returned: `add` while listing, then `in`."""

    def __init__(self):
        self._hashes = array("q")
        self._sorted = True

    def add(self, workos_id):
        if isinstance(workos_id, str):
            self._hashes.append(_hash(workos_id))
            self._sorted = False

    def __contains__(self, workos_id):
        if not self._sorted:
            self._hashes = array("q", sorted(self._hashes))
            self._sorted = True
        key = _hash(workos_id)
        at = bisect.bisect_left(self._hashes, key)
        return at < len(self._hashes) and self._hashes[at] == key

    def __len__(self):
        return len(self._hashes)


def _hash(workos_id):
    return int.from_bytes(hashlib.blake2b(workos_id.encode(), digest_size=8).digest(),
                          "big", signed=True)


# (model, its WorkOS id column, whether only active rows are candidates, the outcome counted)
_SWEPT = {
    "organizations": (Organization, "workos_org_id", True, "deactivated"),
    "users": (User, "workos_user_id", True, "deactivated"),
    "memberships": (Membership, "workos_membership_id", False, "removed"),
}


def sweep(store, seen, before):
    """Deactivate the organizations and users, and remove the memberships, linked to WorkOS
    objects not in `seen` ({"organizations"|"users"|"memberships": SeenIds}) that WorkOS
    last changed before `before`; {kind: {outcome: count}} of what changed. Memberships go
    first: removing a membership of an organization about to be deactivated is still news."""
    counts = {}
    for kind in ("memberships", "organizations", "users"):
        model, column, active_only, outcome = _SWEPT[kind]
        gone = 0
        for ids in _gone(model, column, active_only, seen[kind], before):
            with write_transaction():
                for row_id in ids:
                    gone += _remove(store, kind, row_id)
        if gone:
            counts[kind] = {outcome: gone}
    return counts


def _gone(model, column, active_only, seen, before):
    """Chunks of ids of rows linked to WorkOS ids not in `seen`, last changed in WorkOS
    before `before` (or never said when), read in id order a chunk at a time."""
    workos_id = getattr(model, column)
    after = ""
    while True:
        query = (model.select(model.id, workos_id)
                 .where(workos_id.is_null(False), model.id > after,
                        model.workos_updated_at.is_null() | (model.workos_updated_at < before))
                 .order_by(model.id).limit(_CHUNK))
        if active_only:
            query = query.where(model.is_active == True)  # noqa: E712 (peewee expression)
        rows = list(query.tuples())
        if not rows:
            return
        after = rows[-1][0]
        ids = [row_id for row_id, linked_to in rows if linked_to not in seen]
        if ids:
            yield ids


def _remove(store, kind, row_id):
    """1 if the row was deactivated or removed, 0 if it changed meanwhile (gone already)."""
    if kind == "memberships":
        if Membership.get_or_none(Membership.id == row_id) is None:
            return 0
        store.memberships.delete(row_id)
        return 1
    model, _, _, _ = _SWEPT[kind]
    row = model.get_or_none(model.id == row_id)
    if row is None or not row.is_active:
        return 0
    (store.organizations if kind == "organizations" else store.users).update(
        row_id, {"is_active": False})
    return 1
