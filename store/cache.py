"""Answers kept in memory for as long as the data they came from has not changed.

Used by the store for hot reads: organizations as presented, autocomplete answers, and
the API key behind every request. An entry is served again only while the generation it
was computed at — a change counter of its table (store/changes.py) — is current.
"""
import threading
from collections import OrderedDict


class GenerationCache:
    """A bounded LRU map of key -> (generation, value); thread-safe.

    A generation of None vouches for nothing: nothing is served or kept under it.
    """

    def __init__(self, max_entries=4096):
        self._entries = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key, generation):
        if generation is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != generation:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, generation, value):
        if generation is None:
            return
        with self._lock:
            self._entries[key] = (generation, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def get_or_make(self, key, generation, make):
        """The value kept for `key` at `generation`, else `make()`, kept unless it is None.

        Take `generation` before `make()` reads anything: a change that lands in between
        then leaves the entry under a number already out of date, never a stale one current.
        """
        value = self.get(key, generation)
        if value is None:
            value = make()
            if value is not None:
                self.put(key, generation, value)
        return value
