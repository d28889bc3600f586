"""In-process rate limiting: fixed one-minute windows, exact under concurrency.

Fixed windows aligned to the clock make "N requests per minute" exact and the reset
time the same for everyone (the start of the next minute). Counters live in memory,
bounded: at each new window every old counter is dropped, and at most `max_buckets`
are tracked within a window.
"""
import functools
import ipaddress
import logging
import threading
from typing import NamedTuple

from .errors import ApiError

log = logging.getLogger("goldenrecord")

WINDOW_SECONDS = 60


class Decision(NamedTuple):  # a tuple: made on every request, so cheap to make
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix seconds when the window ends
    now: float  # Unix seconds when it was decided

    @property
    def retry_after(self):
        """Whole seconds until the window ends, at least 1."""
        return max(1, int(self.reset - self.now + 0.999))

    def headers(self):
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class FixedWindowLimiter:
    def __init__(self, clock, *, max_buckets=100_000, on_refusal=None):
        """`on_refusal()`, when given, is called for every request refused (for metrics)."""
        self._clock = clock
        self._max_buckets = max_buckets
        self._on_refusal = on_refusal
        self._lock = threading.Lock()
        self._window = None
        self._counts = {}
        self._full_warned = False

    def _position(self):
        """(now, window, reset): Unix seconds, the window's number, when it ends."""
        now = self._clock().timestamp()
        window = int(now // WINDOW_SECONDS)
        return now, window, (window + 1) * WINDOW_SECONDS

    def _roll(self, window):
        if window != self._window:
            self._window = window
            self._counts = {}
            self._full_warned = False

    def hit(self, bucket, limit):
        """Count one request against `bucket`; allowed while the count stays within `limit`."""
        now, window, reset = self._position()
        with self._lock:
            self._roll(window)
            count = self._counts.get(bucket, 0)
            if count < limit:
                self._count(bucket, count)
        if count >= limit:
            if self._on_refusal is not None:
                self._on_refusal()
            return Decision(False, limit, 0, reset, now)
        return Decision(True, limit, limit - count - 1, reset, now)

    def peek(self, bucket, limit):
        """Where `bucket` stands within `limit` this window, counting nothing: for an answer
        that shows a key's budget without spending it."""
        now, window, reset = self._position()
        with self._lock:
            self._roll(window)
            count = self._counts.get(bucket, 0)
        return Decision(count < limit, limit, max(0, limit - count), reset, now)

    def _count(self, bucket, count):
        """Store `bucket`'s new count (under the lock), unless it would be a bucket past
        `max_buckets`."""
        if bucket in self._counts or len(self._counts) < self._max_buckets:
            self._counts[bucket] = count + 1
        elif not self._full_warned:
            self._full_warned = True
            log.warning("rate limiter tracks %d buckets this minute; new ones pass uncounted",
                        self._max_buckets)


# A replica takes a key's tokens from the shared window in leases of 1% of its limit (at
# most MAX_LEASE): one statement per lease instead of one per request. Below 200 a minute
# the lease is 1 token, a statement per request, exact.
LEASE_SHARE = 100
MAX_LEASE = 1000


def lease_size(limit):
    """How many tokens a replica takes from the shared window at a time for `limit`."""
    return max(1, min(MAX_LEASE, limit // LEASE_SHARE))


class _Lease:
    """A bucket's tokens this replica holds in the current window: `left` unspent,
    `count` the shared window's count when it last took some; `lock` keeps one lease in
    flight per bucket, so a replica never holds more than one lease's worth."""
    __slots__ = ("lock", "left", "count")

    def __init__(self):
        self.lock = threading.Lock()
        self.left = 0
        self.count = 0


class SharedWindowLimiter(FixedWindowLimiter):
    """The same fixed windows, counted in the database that every replica shares
    (store/ratelimits.py) instead of in this process's memory.

    Each replica takes a key's tokens in leases of `lease_size(limit)` and spends them in
    memory, so the tokens granted across all replicas never exceed the limit: a key is
    never allowed more than its limit in a window, whatever the number of replicas. The
    other side of the bound: a replica refuses once the shared window is spent while the
    other replicas may still hold up to `lease_size(limit) - 1` unspent tokens each, so
    with R replicas a key gets at least `limit - (R - 1) * (lease_size(limit) - 1)` in a
    window where it asks for more (within 1% per extra replica; exact below 200 a minute).
    `X-RateLimit-Remaining` is this replica's view: what the window had left at its last
    lease plus the tokens it holds."""

    def __init__(self, clock, windows, *, on_refusal=None):
        super().__init__(clock, on_refusal=on_refusal)
        self._windows = windows
        self._leases = {}

    def _roll(self, window):
        if window != self._window:
            self._window = window
            self._leases = {}  # unspent tokens of a past window are void

    def _lease(self, bucket, window):
        with self._lock:
            self._roll(window)
            lease = self._leases.get(bucket)
            if lease is None:
                lease = self._leases[bucket] = _Lease()
            return lease

    def hit(self, bucket, limit):
        now, window, reset = self._position()
        lease = self._lease(bucket, window)
        with lease.lock:
            if lease.left == 0:
                lease.left, lease.count = self._windows.lease(bucket, window, limit,
                                                              lease_size(limit))
            if lease.left == 0:
                refused = True
            else:
                refused = False
                lease.left -= 1
                remaining = max(0, limit - lease.count) + lease.left
        if refused:
            if self._on_refusal is not None:
                self._on_refusal()
            return Decision(False, limit, 0, reset, now)
        return Decision(True, limit, remaining, reset, now)

    def peek(self, bucket, limit):
        now, window, reset = self._position()
        lease = self._lease(bucket, window)
        count = self._windows.count(bucket, window)
        with lease.lock:
            remaining = max(0, limit - count) + lease.left
        return Decision(remaining > 0, limit, remaining, reset, now)


def rate_limited(decision, headers=True):
    seconds = decision.retry_after
    error = ApiError("GR_RATE_LIMITED", f"Rate limit exceeded. Try again in {seconds} seconds.")
    error.headers["Retry-After"] = str(seconds)
    if headers:
        error.headers.update(decision.headers())
    return error


@functools.lru_cache(maxsize=4096)
def address_bucket(address):
    """The bucket for a client address: IPv6 clients by /64, since one host holds a whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimit:
    """Middleware: counts each authenticated request against its key's tier."""

    def __init__(self, limiter, limits):
        self._limiter = limiter
        self._limits = limits  # tier name -> requests per minute

    def budget(self, key):
        """The rate-limit headers of `key`'s budget as it stands, for a refusal that comes
        before the count (403 `GR_IP_NOT_ALLOWED`): the reference has every answer to an
        identified key carry them, and a request from an address the key does not allow
        must not spend its owner's budget."""
        return self._limiter.peek(key.id, self._limits[key.tier]).headers()

    def process_resource(self, req, resp, resource, params):
        caller = req.context.caller
        if caller is None:
            return
        decision = self._limiter.hit(caller.key.id, self._limits[caller.key.tier])
        resp.set_headers(decision.headers())
        if not decision.allowed:
            raise rate_limited(decision)
