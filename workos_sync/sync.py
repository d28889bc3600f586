"""The bulk sync: every WorkOS user into the golden record, a page at a time.

Memory stays bounded by one page (100 users) however many users WorkOS holds, and each
page lands in one transaction: a sync cut short keeps the pages it finished, and running
it again completes it (finished users then count as unchanged).
"""
import contextlib
import logging
import threading
from collections import Counter

from .client import PAGE_SIZE
from .mapping import Unmappable, workos_user

log = logging.getLogger("goldenrecord.workos")

OUTCOMES = ("created", "updated", "linked", "unchanged", "failed", "total")


class SyncInProgress(Exception):
    """Another WorkOS sync is running in this process."""


_running = threading.Lock()


@contextlib.contextmanager
def one_at_a_time():
    """Hold the process's one WorkOS sync slot; SyncInProgress while another sync has it
    (two would race each other's pages and cursor)."""
    if not _running.acquire(blocking=False):
        raise SyncInProgress("A WorkOS sync is already running")
    try:
        yield
    finally:
        _running.release()


def sync_users(client, store, *, progress=None, page_size=PAGE_SIZE):
    """Counts {created, updated, linked, unchanged, failed, total} of one full pass.

    `progress`, if given, is called with the counts so far after every page. WorkOS
    errors (client.WorkOSError) propagate; what was synced before them stays.
    """
    with one_at_a_time():
        totals = Counter({outcome: 0 for outcome in OUTCOMES})
        user_pass(client, store, totals, progress, page_size)
        return {outcome: totals[outcome] for outcome in OUTCOMES}


def user_pass(client, store, totals, progress=None, page_size=PAGE_SIZE, seen=None):
    """Every WorkOS user applied, a page a transaction, counted into `totals`; each WorkOS
    id listed is added to `seen` (a store.workos_sweep.SeenIds), if given."""
    for page in client.user_pages(limit=page_size):
        users = []
        for data in page:
            if seen is not None and isinstance(data, dict):
                seen.add(data.get("id"))
            try:
                users.append(workos_user(data))
            except Unmappable as error:
                totals["failed"] += 1
                log.warning("WorkOS user not synced: %s", error.message)
        totals.update(store.workos.sync_page(users))
        totals["total"] += len(page)
        if progress is not None:
            progress(dict(totals))
