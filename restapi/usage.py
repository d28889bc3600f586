"""Usage recording off the request path.

A request only appends to an in-memory buffer; one background thread writes buffered
rows (and coalesced last-used times) in batches, prunes rows past the retention
period, and flushes whatever is left when the service stops.
"""
import logging
import threading
import time
from datetime import timedelta

log = logging.getLogger("goldenrecord")

LAST_USED_EVERY = timedelta(minutes=1)
PRUNE_EVERY = timedelta(hours=1)


class UsageRecorder:
    def __init__(self, analytics, settings, *, clock, max_buffered=200_000):
        """`settings` is the configuration's analytics section."""
        self._analytics = analytics
        self._clock = clock
        self._retention = timedelta(days=settings.retention_days)
        self._flush_seconds = settings.flush_seconds
        self._max_buffered = max_buffered
        self._lock = threading.Lock()
        self._rows = []
        self._last_used = {}  # key id -> time to write
        self._last_written = {}  # key id -> last_used_at already written (or queued)
        self._dropped = 0
        self._pruned_at = None
        self._stop = threading.Event()
        self._thread = None

    def record(self, key, method, endpoint, status, duration_ms):
        """Buffer one request by `key`; mark the key used, at most one write a minute."""
        now = self._clock()
        row = (now, key.id, key.organization_id, method, endpoint, status, duration_ms)
        with self._lock:
            if len(self._rows) < self._max_buffered:
                self._rows.append(row)
            else:
                self._dropped += 1
            written = self._last_written.get(key.id, key.last_used_at)
            if written is None or now - written >= LAST_USED_EVERY:
                self._last_used[key.id] = now
                self._last_written[key.id] = now

    def flush(self):
        """Write everything buffered so far; safe to call from any thread."""
        with self._lock:
            rows, self._rows = self._rows, []
            last_used, self._last_used = self._last_used, {}
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.warning("analytics buffer was full: %d request rows not recorded", dropped)
        if rows or last_used:
            try:
                self._analytics.record(rows, last_used)
            except Exception:
                self._requeue(rows, last_used)
                raise
        self._prune_if_due()

    def _requeue(self, rows, last_used):
        with self._lock:
            self._rows[:0] = rows[:max(0, self._max_buffered - len(self._rows))]
            for key_id, moment in last_used.items():
                self._last_used.setdefault(key_id, moment)

    def _prune_if_due(self):
        now = self._clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            self._analytics.prune(now - self._retention, every=PRUNE_EVERY)

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="goldenrecord-usage", daemon=True)
            self._thread.start()

    def _run(self):
        while not self._stop.wait(self._flush_seconds):
            try:
                self.flush()
            except Exception:
                # a failed batch must not kill the recorder; the next one is tried afresh
                log.exception("writing analytics failed")
                time.sleep(self._flush_seconds)

    def stop(self):
        """Stop the background thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()


class Usage:
    """Middleware: records every authenticated request once its response is known."""

    def __init__(self, recorder):
        self._recorder = recorder

    def process_response(self, req, resp, resource, req_succeeded):
        caller = req.context.caller
        if caller is None:
            return
        elapsed_ms = (time.perf_counter() - req.context.started) * 1000
        self._recorder.record(caller.key, req.method, req.uri_template or req.path,
                              resp.status_code, round(elapsed_ms, 2))
