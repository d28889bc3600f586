"""Ids are time-ordered version 7 UUIDs (store/ids.py): new rows land at the right-hand
edge of every id index, which is what keeps a bulk import's writes down (issue 17)."""
import uuid

from goldenrecord.store.ids import TimeOrderedIds


class Clock:
    def __init__(self, ms):
        self.ms = ms

    def __call__(self):
        return self.ms * 1_000_000


def test_a_version_7_uuid_led_by_the_millisecond():
    made = TimeOrderedIds(now_ns=Clock(1_796_000_000_123))()
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert made.int >> 80 == 1_796_000_000_123


def test_strictly_increasing_within_a_millisecond_and_across_a_clock_step_back():
    clock = Clock(1_796_000_001_000)
    uuid7 = TimeOrderedIds(now_ns=clock)
    ids = [uuid7() for _ in range(5000)]  # more than the 12-bit counter holds
    clock.ms -= 10  # the clock steps back: ids keep increasing
    ids += [uuid7() for _ in range(10)]
    texts = [str(made) for made in ids]
    assert texts == sorted(texts) and len(set(texts)) == len(texts)
    assert all(made.version == 7 for made in ids)


def test_the_service_makes_version_7_ids_by_default(make):
    assert uuid.UUID(make.org()["id"]).version == 7
    assert uuid.UUID(make.user()["id"]).version == 7
