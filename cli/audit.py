"""`goldenrecord audit verify|prune`: the audit log's tamper evidence, from the host.

`verify` walks the hash chain (store/audit/chain.py) and names the first entry that was
altered or removed; `prune` removes what is past `audit.retention_days` and the events
past `events.retention_days` now, rather than at the service's next hourly turn.
"""
import logging

from .database import opened
from .errors import CommandError
from .parser import configuration

log = logging.getLogger("goldenrecord")


def run_verify(args, log_handler):
    """`audit verify`: status 0 and the count when every link holds, else 1 naming the
    first broken entry."""
    with opened(configuration(args)) as (store, where):
        broken, checked = store.audit.verify()
    if broken is None:
        print(f"audit log intact: {checked} entries verified in {where}")
        return None
    seq, entry_id, what = broken
    print(f"audit log TAMPERED in {where}: entry {seq}"
          f"{f' ({entry_id})' if entry_id else ''}: {what}")
    return 1


def run_prune(args, log_handler):
    """`audit prune`: the audit entries and events past their retention, now."""
    with opened(configuration(args)) as (store, where):
        now = store.now()
        entries, events = store.audit.prune(now), store.feed.prune(now)
    log.info("pruned %d audit entries and %d events from %s", entries, events, where)


__all__ = ["CommandError", "run_prune", "run_verify"]
