"""The WorkOS bulk sync at 10,000 users: time, users/s, transactions and peak memory.

    python benchmarks/bench_workos_sync.py [--users 10000]

Runs the real client and sync in process against the tests' fake WorkOS on loopback
(100 users a page, as WorkOS's maximum `limit`). Three passes: the first creates every
user, the second finds all unchanged, the third after 10% changed in WorkOS. Peak
Python memory (tracemalloc) of a pass at N users is compared with a pass at N/10 to show
it is bounded by the page, not the total (tracemalloc slows Python several times, so the
timed passes run without it and the memory passes are separate); transactions are
counted at the store.
"""
import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import common  # noqa: E402
from fake_workos import API_KEY, FakeWorkOS, workos_user  # noqa: E402


def one_pass(store, fake, traced=False):
    from goldenrecord.store import db as store_db
    from goldenrecord.workos_sync.client import WorkOSClient
    from goldenrecord.workos_sync.sync import sync_users

    transactions = 0
    original = store_db.write_transaction

    def counted():
        nonlocal transactions
        transactions += 1
        return original()

    from goldenrecord.store import workos as store_workos
    store_workos.write_transaction = counted
    client = WorkOSClient(API_KEY, base_url=fake.url)
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    counts = sync_users(client, store)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    tracemalloc.stop()
    store_workos.write_transaction = original
    client.close()
    return counts, elapsed, peak, transactions


def run(users, traced=False):
    import goldenrecord

    work = Path(common.temp_dir())
    fake = FakeWorkOS([workos_user(n, email=f"person{n}@example.com") for n in range(users)])
    config = goldenrecord.load_config(env={}, overrides={"database.path": str(work / "gr.db")})
    store = goldenrecord.open_store(config)
    try:
        passes = [one_pass(store, fake, traced)]
        if traced:
            return passes
        passes.append(one_pass(store, fake))
        for user in fake.users[::10]:
            user["last_name"] += " Changed"
            user["updated_at"] = "2026-06-01T00:00:00.000Z"
        passes.append(one_pass(store, fake))
        return passes
    finally:
        store.close()
        fake.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    big = run(args.users)
    small_peak = run(args.users // 10, traced=True)[0][2]
    big_peak = run(args.users, traced=True)[0][2]
    lines = [f"# WorkOS bulk sync, {args.users:,} users (fake WorkOS on loopback, 100 per page)", "",
             "| pass | counts | time | users/s | transactions |",
             "|---|---|---|---|---|"]
    for name, (counts, elapsed, _, transactions) in zip(
            ("first (create)", "second (nothing changed)", "third (10% changed)"), big):
        shown = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        lines.append(f"| {name} | {shown} | {elapsed:.2f} s | {counts['total'] / elapsed:,.0f} | "
                     f"{transactions} |")
    lines += ["", f"Peak Python memory (tracemalloc) of a first pass at {args.users // 10:,} users: "
                  f"{small_peak / 2**20:.1f} MiB; at {args.users:,}: {big_peak / 2**20:.1f} MiB."]
    common.publish("workos_sync", "\n".join(lines))


if __name__ == "__main__":
    main()
