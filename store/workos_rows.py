"""What every row kept in step with WorkOS shares: the WorkOS `updated_at` it was last
applied from orders late, out-of-order deliveries, and a WorkOS deletion deactivates."""


def is_stale(existing, incoming):
    """True if `incoming` is older than what `existing` was last applied from: WorkOS may
    deliver events out of order, and the resource's updated_at is the order to trust."""
    return (incoming.updated_at is not None and existing.workos_updated_at is not None
            and incoming.updated_at < existing.workos_updated_at)


def remember_version(model, row_id, existing, incoming):
    """Keep WorkOS's updated_at of what the row was last applied from; a sync that finds
    it already kept (every row of a second pass) writes nothing."""
    if incoming.updated_at is not None and incoming.updated_at != existing.workos_updated_at:
        model.update(workos_updated_at=incoming.updated_at).where(model.id == row_id).execute()


def deactivate(model, column, workos_id, incoming, update):
    """WorkOS deleted the object: the row linked to it by `column` is kept, marked
    inactive through `update(row id, changes)` (the store's, which emits our events)."""
    row = model.first_by(column, workos_id)
    if row is None or is_stale(row, incoming):
        return "unchanged"
    remember_version(model, row.id, row, incoming)
    if not row.is_active:
        return "unchanged"
    update(row.id, {"is_active": False})
    return "deactivated"
