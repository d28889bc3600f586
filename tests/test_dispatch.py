"""cli/dispatch.py: a quarter of waitress's threads serve reads only, so reads go on while
writes hold every other thread."""
import threading
from types import SimpleNamespace

from goldenrecord.cli.dispatch import ReadsKeptMoving, reserved_for_reads
from support import wait_until


class Task:
    """A waitress channel as the dispatcher sees it: the request it will serve next."""

    def __init__(self, method, hold=None):
        self.requests = [SimpleNamespace(command=method)]
        self.hold = hold
        self.served = threading.Event()
        self.cancelled = False
        self.thread = None

    def service(self):
        self.thread = threading.current_thread().name
        self.served.set()
        if self.hold is not None:
            assert self.hold.wait(30)

    def cancel(self):
        self.cancelled = True


def test_a_quarter_of_the_threads_at_least_one_are_kept_for_reads():
    assert [reserved_for_reads(n) for n in (1, 2, 3, 4, 8, 24)] == [0, 1, 1, 1, 2, 6]


def test_a_read_is_served_while_writes_hold_every_other_thread():
    dispatcher = ReadsKeptMoving(reserved=1)
    dispatcher.set_thread_count(3)
    release = threading.Event()
    try:
        writes = [Task("POST", hold=release) for _ in range(3)]
        for write in writes:
            dispatcher.add_task(write)
        assert writes[0].served.wait(10) and writes[1].served.wait(10)
        assert not writes[2].served.wait(0.2)  # the reserved thread does not take it
        read = Task("GET")
        dispatcher.add_task(read)
        assert read.served.wait(10)
        assert read.thread == "waitress-0"
        release.set()
        assert writes[2].served.wait(10)
        assert {w.thread for w in writes} <= {"waitress-1", "waitress-2"}
    finally:
        release.set()
        dispatcher.shutdown()


def test_general_threads_serve_reads_too_oldest_first():
    dispatcher = ReadsKeptMoving(reserved=0)
    order = []
    try:
        tasks = [Task(method) for method in ("GET", "POST", "HEAD", "DELETE")]
        for task in tasks:
            task.service = (lambda t: lambda: order.append(t.requests[0].command))(task)
            dispatcher.add_task(task)
        dispatcher.set_thread_count(1)
        wait_until(lambda: len(order) == 4)
        assert order == ["GET", "POST", "HEAD", "DELETE"]
    finally:
        dispatcher.shutdown()


def test_shutdown_cancels_what_is_still_queued():
    dispatcher = ReadsKeptMoving(reserved=1)
    pending = [Task("GET"), Task("POST")]
    for task in pending:
        dispatcher.add_task(task)
    assert dispatcher.shutdown() is True
    assert all(task.cancelled for task in pending)
