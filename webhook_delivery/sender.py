"""The background sender: a dispatcher thread and a pool of `workers` send threads.

The dispatcher picks due deliveries from the database, hands each to a worker, and
writes the outcomes back in batches (one transaction per batch, not per delivery).
A delivery stays `pending` in the database until its outcome is written, so a stop or
a crash at any point leaves it to be sent again: delivery is at least once, and
receivers dedupe on `X-Webhook-Id`. Sends never run on a request thread, so a slow or
dead receiver cannot slow the API.

`deliver_due()` does one round of that work on the calling thread instead, so tests (and
tools) can step delivery with an injected clock rather than wait for the threads.
"""
import functools
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from .signing import signature_headers
from .targets import UnsafeTarget, check_target

log = logging.getLogger("goldenrecord.webhooks")

USER_AGENT = "GoldenRecord-Webhooks/1"
IDLE_POLL_SECONDS = 1.0
# Outcomes are written in batches: each write is a durable (fsync'd) commit, so one per
# delivery would cap throughput near the disk's commit rate.
BATCH_SIZE = 64
BATCH_WAIT_SECONDS = 0.02


class WebhookSender:
    def __init__(self, events, settings, *, clock, jitter=0.1, on_outcome=None):
        """`settings` is the configuration's webhooks section; `on_outcome(status)`, when
        given, hears each attempt's outcome once it is written (the delivery's new status:
        succeeded, pending or failed)."""
        self._events = events
        self._on_outcome = on_outcome
        self._clock = clock
        self._workers = settings.workers
        self._max_attempts = settings.max_attempts
        self._backoff_base = settings.backoff_base_seconds
        self._timeout = settings.timeout_seconds
        # How long a delivery claimed here is left to this process by other replicas
        # (store.Events.due): the longest send twice over, and time to write its outcome.
        self._lease = timedelta(seconds=2 * settings.timeout_seconds + 5)
        self._allow_private = settings.allow_private_targets
        self._jitter = jitter
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = set()
        self._outcomes = []
        self._sessions = threading.local()
        self._pool = None
        self._dispatcher = None
        events.on_commit(self._wake.set)

    # ------------------------------------------------------------ lifecycle

    def start(self):
        if self._dispatcher is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="goldenrecord-webhook")
            self._dispatcher = threading.Thread(target=self._run, name="goldenrecord-dispatch",
                                                daemon=True)
            self._dispatcher.start()

    def stop(self, grace_seconds=3.0):
        """Stop taking work, give sends in flight `grace_seconds`, record what finished.

        Deliveries still in flight after that stay pending and are sent after a restart.
        """
        if self._dispatcher is None:
            return
        self._stopping.set()
        self._wake.set()
        self._dispatcher.join()
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace_seconds
        while self._in_flight_unfinished() and time.monotonic() < deadline:
            time.sleep(0.02)
        self._write_outcomes()
        self._dispatcher = None

    def deliver_due(self):
        """Send every delivery due by the clock now, on this thread, and write the outcomes.

        Returns the outcomes written, one dict per attempt (`id`, `event` type, `webhook`,
        `status`, `attempts`, `response_code`, `error`, `next_attempt_at`, ...), in the order
        sent. Each delivery is attempted at most once per call, so a call always ends; one
        the background threads are sending is left to them. This is how tests
        advance delivery deterministically: move the FakeClock, step, assert on what came
        back — a sender that cannot send fails that assertion instead of passing by silence.
        """
        done = []
        while True:
            batch = self._claim_due(skip={outcome["id"] for outcome in done})
            if not batch:
                return done
            outcomes = [self._attempt_safely(delivery) for delivery in batch]
            try:
                self._record(outcomes)
            finally:
                with self._lock:
                    self._in_flight -= {delivery.id for delivery in batch}
            done.extend(outcomes)

    def _claim_due(self, skip):
        """Due deliveries not in flight and not in `skip`, marked in flight under the lock."""
        with self._lock:
            busy = self._in_flight | skip
        batch = self._events.due(self._clock(), self._window(), skip=busy, lease=self._lease)
        with self._lock:
            batch = [delivery for delivery in batch if delivery.id not in self._in_flight]
            self._in_flight.update(delivery.id for delivery in batch)
        return batch

    def _in_flight_unfinished(self):
        with self._lock:
            finished = {outcome["id"] for outcome in self._outcomes}
            return bool(self._in_flight - finished)

    # ------------------------------------------------------------ dispatching

    def _run(self):
        while not self._stopping.is_set():
            try:
                self._dispatch()
                self._wake.wait(self._sleep_seconds())
                self._wake.clear()
                self._gather()
                self._write_outcomes()
            except Exception:
                log.exception("webhook dispatcher failed; retrying")
                time.sleep(IDLE_POLL_SECONDS)

    def _gather(self):
        """Give a small batch of outcomes a moment to grow before it is written."""
        with self._lock:
            waiting = len(self._outcomes)
        if 0 < waiting < BATCH_SIZE and not self._stopping.is_set():
            time.sleep(BATCH_WAIT_SECONDS)

    def _window(self):
        """Deliveries handed to the pool at once: enough that no worker waits for work."""
        return 8 * self._workers

    def _dispatch(self):
        with self._lock:
            # sends whose outcome waits to be written no longer take room, but they stay
            # skipped: their rows read `pending` until the outcome is written
            sending = len(self._in_flight) - len(self._outcomes)
            room = self._window() - sending
            busy = set(self._in_flight)
        if room <= 0:
            return
        for delivery in self._events.due(self._clock(), room, skip=busy, lease=self._lease):
            with self._lock:
                self._in_flight.add(delivery.id)
            future = self._pool.submit(self._send, delivery)
            future.add_done_callback(functools.partial(self._forget_if_cancelled, delivery.id))

    def _forget_if_cancelled(self, delivery_id, future):
        """A send stop() cancelled before it started never reports an outcome: stop waiting
        for it (the delivery stays pending in the database and is sent after a restart)."""
        if future.cancelled():
            with self._lock:
                self._in_flight.discard(delivery_id)

    def _sleep_seconds(self):
        with self._lock:
            if self._outcomes:
                return 0.0
            saturated = len(self._in_flight) - len(self._outcomes) >= self._window()
        if saturated:
            return IDLE_POLL_SECONDS
        due = self._events.next_due_at()
        if due is None:
            return IDLE_POLL_SECONDS
        wait = (due - self._clock()).total_seconds()
        # due already but not dispatched means it is in flight: its outcome will wake us
        return IDLE_POLL_SECONDS if wait <= 0 else min(IDLE_POLL_SECONDS, wait)

    def _write_outcomes(self):
        with self._lock:
            outcomes, self._outcomes = self._outcomes, []
        if not outcomes:
            return
        try:
            self._record(outcomes)
        finally:
            with self._lock:
                self._in_flight -= {outcome["id"] for outcome in outcomes}

    def _record(self, outcomes):
        """Write a batch of outcomes, then tell `on_outcome` of each: only what was written
        counts, since an outcome lost before its write is attempted again."""
        self._events.record_outcomes(outcomes)
        if self._on_outcome is not None:
            for outcome in outcomes:
                self._on_outcome(outcome["status"])

    # ------------------------------------------------------------ sending

    def _session(self):
        # requests is imported at the first delivery, not at start-up: it is a quarter
        # of the imports of `serve`, and many instances (sandboxes, tests) never send.
        import requests

        session = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.trust_env = False  # never route deliveries through an environment proxy
        return session

    def _send(self, delivery):
        """A worker's job: attempt, then queue the outcome for the dispatcher to write."""
        outcome = self._attempt_safely(delivery)
        with self._lock:
            self._outcomes.append(outcome)
        self._wake.set()

    def _attempt_safely(self, delivery):
        """The outcome of one attempt; a bug in the attempt must not strand the delivery in
        flight, so it becomes a failed attempt (retried like any other)."""
        try:
            return self._attempt(delivery)
        except Exception as error:
            log.exception("webhook attempt crashed for delivery %s", delivery.id)
            return self._failed(delivery, None, f"internal error: {type(error).__name__}", 0.0)

    def _attempt(self, delivery):
        import requests

        webhook, event = delivery.webhook, delivery.event
        body = event.payload.encode()
        # Signed with the wall clock, whatever clock schedules: receivers compare the
        # timestamp with their own clock to refuse replays.
        secret, previous = webhook.signing_secrets(self._clock())
        headers = signature_headers(secret, event_id=event.id, event_type=event.type,
                                    timestamp=int(time.time()), body=body, previous=previous)
        headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            check_target(webhook.url, allow_private=self._allow_private)
            response = self._session().post(webhook.url, data=body, headers=headers,
                                            timeout=self._timeout, allow_redirects=False,
                                            stream=True)
            response.close()
        except UnsafeTarget as error:
            return self._failed(delivery, None, f"refused target: {error}", 0.0)
        except requests.RequestException as error:
            elapsed = (time.perf_counter() - started) * 1000
            return self._failed(delivery, None, f"{type(error).__name__}: {error}"[:500], elapsed)
        elapsed = (time.perf_counter() - started) * 1000
        if 200 <= response.status_code < 300:
            return self._outcome(delivery, "succeeded", response.status_code, None, elapsed,
                                 delivered_at=self._clock())
        if response.status_code == 410:
            outcome = self._outcome(delivery, "failed", 410,
                                    "410 Gone: the subscription was disabled", elapsed)
            outcome["disable_webhook"] = webhook.id
            return outcome
        return self._failed(delivery, response.status_code, f"HTTP {response.status_code}", elapsed)

    def _failed(self, delivery, code, error, elapsed):
        attempts = delivery.attempts + 1
        if attempts >= self._max_attempts:
            return self._outcome(delivery, "failed", code, error, elapsed)
        outcome = self._outcome(delivery, "pending", code, error, elapsed)
        outcome["next_attempt_at"] = self._clock() + self.backoff(attempts)
        return outcome

    def backoff(self, failed_attempts):
        """base * 2**(n-1) after the n-th failed attempt, stretched by up to `jitter`."""
        seconds = self._backoff_base * 2 ** (failed_attempts - 1)
        return timedelta(seconds=seconds * (1 + random.uniform(0, self._jitter)))

    def _outcome(self, delivery, status, code, error, elapsed, delivered_at=None):
        # `event` and `webhook` say what went where; only deliver_due()'s callers read them
        return {"id": delivery.id, "event": delivery.event.type, "webhook": delivery.webhook_id,
                "status": status, "attempts": delivery.attempts + 1,
                "response_code": code, "error": error, "duration_ms": round(elapsed, 1),
                "delivered_at": delivered_at, "next_attempt_at": None,
                "updated_at": self._clock()}
