"""Time-ordered identifiers: UUID version 7 (RFC 9562, section 5.7).

Every row's id is kept in a B-tree index (a text primary key is a unique index in
SQLite and in PostgreSQL alike). A random id (version 4)
lands on a random leaf, so a bulk load of a million organizations touches every page of
every id index again and again and writes each many times over (issue 17: 50 GB written
for a 1M import). A version 7 id starts with the millisecond it was made, so new ids land
on the right-hand edge of the index, the way a counter's would: the same import wrote
15 GB and ran 28% faster (docs/performance.md, "Bulk import").

An id is an identifier, never a secret: tokens and keys are made by `secrets` elsewhere.
What stays random is 74 bits per id (a 12-bit sub-millisecond counter seeded at random and
62 random bits), so ids made in the same millisecond by different processes or replicas
do not collide in practice, and ids from one process are strictly increasing (monotonic
within a millisecond by the counter, and across a clock step backwards by holding the
last millisecond seen) — which keeps the right-hand-edge behaviour under bursts.
"""

import os
import threading
import time
import uuid

_COUNTER_MAX = 0xFFF


class TimeOrderedIds:
    """Makes version 7 UUIDs, each greater than the one before. One per process
    (`uuid7`); tests make their own, with their own clock (`now_ns`, nanoseconds since the
    epoch) and source of random bytes."""

    def __init__(self, now_ns=time.time_ns, randbytes=os.urandom):
        self._now_ns, self._randbytes = now_ns, randbytes
        self._lock = threading.Lock()
        self._last_ms = self._counter = 0

    def __call__(self):
        random = int.from_bytes(self._randbytes(10), "big")
        with self._lock:
            ms = self._now_ns() // 1_000_000
            if ms > self._last_ms:
                self._last_ms = ms
                self._counter = random >> 69  # 11 random bits: room for 2,048+ more ids
            else:
                # the same millisecond, or the clock stepped back: count on from the last id
                self._counter += 1
                if self._counter > _COUNTER_MAX:
                    self._last_ms += 1  # borrow the next millisecond rather than repeat an id
                    self._counter = 0
            ms, counter = self._last_ms, self._counter
        value = ((ms & 0xFFFF_FFFF_FFFF) << 80) | (0x7 << 76) | (counter << 64) \
            | (0b10 << 62) | (random & 0x3FFF_FFFF_FFFF_FFFF)
        return uuid.UUID(int=value)


uuid7 = TimeOrderedIds()
"""The process's id generator: a new version 7 UUID for each call."""
