"""CPU time per search on a database `bench_search.py` built: old and new code compared
where wall-clock latency is too noisy (a shared machine).

    PYTHONPATH=/old/checkout python benchmarks/bench_search_cpu.py /tmp/gr-bench-…/search.db
    PYTHONPATH=$PWD python benchmarks/bench_search_cpu.py /tmp/copy-migrated.db

The queries are made from the database's own rows (its organizations in the order
written, a fixed seed), so two databases built from the same seed — or one and its
migrated copy — are asked the same queries, of every organization (staging ones too: an import's are).
Prints, per query class, the mean and p95 of the searching
thread's CPU time (`time.thread_time`: Python and SQLite, not the neighbours' load) in ms
and recall@5, as JSON. Alternate old and new runs and take medians.
"""
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_search  # noqa: E402


def organizations(db):
    """{id: name} in the order they were written (bench_search.build's, an import's)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return dict(connection.execute("SELECT id, name FROM organization ORDER BY rowid"))


def main():
    import goldenrecord

    db = sys.argv[1]
    made = bench_search.queries(organizations(db), random.Random(99), 300)
    store = goldenrecord.open_store(goldenrecord.load_config(env={}, overrides={
        "database.path": db}))
    found = {}
    try:
        for name, items in made.items():
            for text, _ in items[:50]:  # warm-up
                store.organizations.list(limit=5, search=text, include_staging=True)
            times, hits = [], 0
            for text, org_id in items:
                began = time.thread_time()
                page = store.organizations.list(limit=5, search=text, include_staging=True)
                times.append((time.thread_time() - began) * 1000)
                hits += org_id in [o.id for o in page.items]
            times.sort()
            found[name] = {"mean_ms": round(statistics.mean(times), 3),
                           "p95_ms": round(times[int(len(times) * 0.95)], 2),
                           "recall": round(100 * hits / len(items), 1)}
    finally:
        store.close()
    print(json.dumps(found))


if __name__ == "__main__":
    main()
