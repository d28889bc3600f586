"""Logging for the command line: every line to stderr, written in batches by one thread.

`log_to_stderr()` installs it unless the host (an application, pytest) set up logging
already; `serve` hands its `log_request` to the API as the access log.
"""
import atexit
import collections
import logging
import sys
import threading
import time


class BatchedStderrHandler(logging.Handler):
    """Log lines to stderr, written in batches by one thread every `interval` seconds.

    Request threads only append a record; formatting and the write happen on the writer
    thread, a few times a second. A write (or a thread wake-up) per request would hand
    the GIL around on every request and cost a tenth of the throughput.
    """

    def __init__(self, interval=0.1):
        super().__init__()
        self._records = collections.deque()
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="goldenrecord-log", daemon=True)
        self._thread.start()

    def emit(self, record):
        self._records.append(record)

    def log_request(self, method, path, status, elapsed_ms, request_id):
        """The access log's fast path: a tuple now, a formatted line on the writer thread."""
        self._records.append((time.time(), method, path, status, elapsed_ms, request_id))

    def _line(self, item):
        if isinstance(item, logging.LogRecord):
            return self.format(item)
        at, method, path, status, elapsed_ms, request_id = item
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) + f",{int(at % 1 * 1000):03d}"
        return (f"{stamp} INFO goldenrecord.access: {method} {path} {status} "
                f"{elapsed_ms:.1f}ms {request_id}")

    def flush(self):
        """Have the writer write what is buffered now rather than at its next turn."""
        self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            self.drain()

    def drain(self):
        lines = []
        while self._records:
            try:
                lines.append(self._line(self._records.popleft()) + "\n")
            except Exception:
                lines.append("(unformattable log record)\n")
        if lines:
            sys.stderr.write("".join(lines))  # whatever sys.stderr is now (tests swap it)
            sys.stderr.flush()

    def close(self):
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self.drain()
        super().close()


_logging_ready = False


def log_to_stderr():
    """Send logging to stderr in batches; returns the handler, or None when a host
    application (or pytest) configured logging already, which is then left alone."""
    global _logging_ready
    if _logging_ready or logging.getLogger().handlers:
        return None
    _logging_ready = True
    # The logging HOWTO's "Optimization" switches: our lines never show caller, thread or
    # process, and computing them (a stack walk per record) cost ~5% of throughput.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = BatchedStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    atexit.register(handler.close)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler
