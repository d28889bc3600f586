"""Logging for the command line: every line to stderr, as text or JSON, written in batches
by one thread.

`log_to_stderr(log_format, level)` installs it unless the host (an application, pytest)
set up logging already; `serve` hands its `log_request` to the API as the access log.
"""
import atexit
import collections
import json
import logging
import sys
import threading
import time
from datetime import datetime, timezone

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors: time (UTC, ISO 8601), level, logger,
    message, the traceback as `exception` if any, and a record's `fields` (the access
    log's client, method, route, status, durationMs, requestId, keyId)."""

    def format(self, record):
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                     timespec="milliseconds").replace("+00:00", "Z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(log_format):
    """The formatter of `--log-format` ("text" or "json")."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT)


def _access_record(at, entry):
    """The log record of an access entry taken at `at` (seconds since the epoch), made
    on the writer thread, as the API's own access log would have made it."""
    from goldenrecord.restapi.middleware import access_record_args  # loaded by now: serving

    (line, values), extra = access_record_args(entry)
    record = logging.makeLogRecord({"name": "goldenrecord.access", "msg": line, "args": values,
                                    "levelno": logging.INFO, "levelname": "INFO", **extra})
    record.created, record.msecs = at, int(at % 1 * 1000)
    return record


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

    def log_request(self, entry):
        """The access log's fast path: the entry now, a record and a line on the writer
        thread."""
        self._records.append((time.time(), entry))

    def _line(self, item):
        if isinstance(item, logging.LogRecord):
            return self.format(item)
        return self.format(_access_record(*item))

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


def log_to_stderr(log_format="text", level="INFO"):
    """Send logging to stderr in batches, as `log_format` (text or json) from `level` up;
    returns the handler, or None when a host application (or pytest) configured logging
    already, which is then left alone."""
    global _logging_ready
    if _logging_ready or logging.getLogger().handlers:
        return None
    _logging_ready = True
    # The logging HOWTO's "Optimization" switches: our lines never show caller, thread or
    # process, and computing them (a stack walk per record) cost ~5% of throughput.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = BatchedStderrHandler()
    handler.setFormatter(formatter(log_format))
    atexit.register(handler.close)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler
