"""waitress's request threads, a quarter of them kept for reads.

Every request waits in waitress's one queue for a free thread. Under a write load, the
threads fill with writers — each holding its thread while it waits for the write lock,
its group's commit and its fsync — and a read, which needs neither and takes a fraction
of a millisecond, waits behind them. Here the first quarter of the threads (at least one,
when there are two or more) serve only reads (GET, HEAD, OPTIONS); the others serve any
request, the oldest first, as waitress's own dispatcher does. Writes are never refused or
reordered among themselves; they only cannot take the reserved threads.
"""
import itertools
import threading
import time
from collections import deque

from waitress.task import ThreadedTaskDispatcher

READS = frozenset({"GET", "HEAD", "OPTIONS"})


def reserved_for_reads(threads):
    """How many of `threads` serve only reads: a quarter, at least one of two or more."""
    return 0 if threads < 2 else max(1, threads // 4)


def _is_read(task):
    """Whether the request a channel (waitress's task) is about to serve is a read."""
    requests = getattr(task, "requests", None)
    return bool(requests) and getattr(requests[0], "command", None) in READS


class ReadsKeptMoving(ThreadedTaskDispatcher):
    """waitress's dispatcher, whose threads numbered below `reserved` take reads only.

    Reads wait in a queue of their own; a thread of either kind takes from it, and a
    general thread takes the older of the two queues' heads.
    """

    def __init__(self, reserved):
        super().__init__()
        self.reserved = reserved
        self.reads = deque()
        self.reads_cv = threading.Condition(self.lock)
        self.idle_readers = 0
        self._order = itertools.count()

    def add_task(self, task):
        if not _is_read(task):
            with self.lock:
                self.queue.append((next(self._order), task))
                self.queue_cv.notify()
            return
        with self.lock:
            self.reads.append((next(self._order), task))
            if self.idle_readers:
                self.reads_cv.notify()
            else:
                self.queue_cv.notify()

    def handler_thread(self, thread_no):
        reader = thread_no < self.reserved
        while True:
            with self.lock:
                task = self._next(reader, thread_no)
                if task is None:
                    break
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)

    def _next(self, reader, thread_no):
        """The task this thread serves next, waiting for one; None when it is to stop.
        Called holding the lock."""
        while self.stop_count == 0 and not (self.reads or (not reader and self.queue)):
            self.active_count -= 1
            if reader:
                self.idle_readers += 1
                self.reads_cv.wait()
                self.idle_readers -= 1
            else:
                self.queue_cv.wait()
            self.active_count += 1
        if self.stop_count > 0:
            self.active_count -= 1
            self.stop_count -= 1
            self.threads.discard(thread_no)
            self.thread_exit_cv.notify()
            return None
        if reader or not self.queue or (self.reads and self.reads[0][0] < self.queue[0][0]):
            return self.reads.popleft()[1]
        return self.queue.popleft()[1]

    def set_thread_count(self, count):
        super().set_thread_count(count)
        with self.lock:
            self.reads_cv.notify_all()  # stopping threads may be waiting for reads

    def shutdown(self, cancel_pending=True, timeout=5):
        """waitress's shutdown, over both queues: stop the threads, then cancel what is
        still queued."""
        self.set_thread_count(0)
        expiration = time.monotonic() + timeout
        with self.lock:
            while self.threads:
                if time.monotonic() >= expiration:
                    self.logger.warning("%d thread(s) still running", len(self.threads))
                    break
                self.thread_exit_cv.wait(0.1)
            if not cancel_pending:
                return False
            pending = sorted([*self.queue, *self.reads], key=lambda entry: entry[0])
            if pending:
                self.logger.warning("Canceling %d pending task(s)", len(pending))
            self.queue.clear()
            self.reads.clear()
            for _, task in pending:
                task.cancel()
            self.queue_cv.notify_all()
            return True
