"""The bulk sync: every WorkOS user into the golden record, a page at a time.

Memory stays bounded by one page (100 users) however many users WorkOS holds, and each
page lands in one transaction: a sync cut short keeps the pages it finished, and running
it again completes it (finished users then count as unchanged).
"""
import logging
import threading
from collections import Counter

from .client import PAGE_SIZE
from .mapping import Unmappable, workos_user

log = logging.getLogger("goldenrecord.workos")

OUTCOMES = ("created", "updated", "linked", "unchanged", "failed", "total")


class SyncInProgress(Exception):
    """Another bulk sync is running in this process."""


_running = threading.Lock()


def sync_users(client, store, *, progress=None, page_size=PAGE_SIZE):
    """Counts {created, updated, linked, unchanged, failed, total} of one full pass.

    `progress`, if given, is called with the counts so far after every page. WorkOS
    errors (client.WorkOSError) propagate; what was synced before them stays.
    """
    if not _running.acquire(blocking=False):
        raise SyncInProgress("A WorkOS user sync is already running")
    try:
        totals = Counter({outcome: 0 for outcome in OUTCOMES})
        for page in client.user_pages(limit=page_size):
            users = []
            for data in page:
                try:
                    users.append(workos_user(data))
                except Unmappable as error:
                    totals["failed"] += 1
                    log.warning("WorkOS user not synced: %s", error.message)
            totals.update(store.workos.sync_page(users))
            totals["total"] += len(page)
            if progress is not None:
                progress(dict(totals))
        return {outcome: totals[outcome] for outcome in OUTCOMES}
    finally:
        _running.release()
