"""The WorkOS bulk sync at 10,000 users: time, users/s, transactions and peak memory;
and the incremental sync (issue 24): a full sync of 1,000 organizations, 10,000 users and
20,000 memberships (bound 60 s), then an incremental one of 1,000 events (bound 5 s).

    python benchmarks/bench_workos_sync.py [--users 10000] [--orgs 1000] [--memberships 20000]
        [--events 1000] [--only-incremental]

Runs the real client and sync in process against the tests' fake WorkOS on loopback
(100 users a page, as WorkOS's maximum `limit`). Three passes: the first creates every
user, the second finds all unchanged, the third after 10% changed in WorkOS. Peak
Python memory (tracemalloc) of a pass at N users is compared with a pass at N/10 to show
it is bounded by the page, not the total (tracemalloc slows Python several times, so the
timed passes run without it and the memory passes are separate); transactions are
counted at the store.
"""
import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import common  # noqa: E402
from fake_workos import (API_KEY, FakeWorkOS, workos_event, workos_membership,  # noqa: E402
                         workos_organization, workos_user)


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


def incremental(orgs, users, memberships, events):
    """(full counts, seconds, incremental counts, seconds) of `workos sync`'s two modes."""
    import goldenrecord
    from goldenrecord.workos_sync.client import WorkOSClient
    from goldenrecord.workos_sync.incremental import sync_all

    work = Path(common.temp_dir())
    workos_orgs = [workos_organization(n, domains=[(f"org{n}.example.com", "verified")])
                   for n in range(orgs)]
    workos_users = [workos_user(n) for n in range(users)]
    fake = FakeWorkOS(workos_users, workos_orgs, [
        # user n % users in organization (n + n // users) % orgs: every pair distinct
        workos_membership(n, workos_orgs[(n + n // users) % orgs], workos_users[n % users],
                          role="admin" if n % 10 == 0 else "member")
        for n in range(memberships)])
    config = goldenrecord.load_config(env={}, overrides={"database.path": str(work / "gr.db")})
    store = goldenrecord.open_store(config)
    client = WorkOSClient(API_KEY, base_url=fake.url)
    try:
        started = time.perf_counter()
        full = sync_all(client, store)
        full_seconds = time.perf_counter() - started
        later = "2099-01-01T00:00:00.000Z"
        kinds = ("organization.updated", "user.updated", "organization_membership.updated")
        for n in range(events):
            kind = kinds[n % 3]
            if kind == "organization.updated":
                data = workos_organization(n % orgs, name=f"Renamed {n}", updated_at=later)
            elif kind == "user.updated":
                data = workos_user(n % users, last_name=f"Renamed {n}", updated_at=later)
            else:
                data = {**fake.memberships[n % memberships], "updated_at": later,
                        "role": {"slug": "admin"}}
            fake.events.append(workos_event(n, kind, data, created_at=later))
        started = time.perf_counter()
        delta = sync_all(client, store)
        return full, full_seconds, delta, time.perf_counter() - started
    finally:
        client.close()
        store.close()
        fake.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--orgs", type=int, default=1_000)
    parser.add_argument("--memberships", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--only-incremental", action="store_true")
    args = parser.parse_args()
    full, full_seconds, delta, delta_seconds = incremental(
        args.orgs, args.users, args.memberships, args.events)
    report = [
        f"# WorkOS incremental sync (fake WorkOS on loopback, 100 per page)", "",
        "| run | counts | time | bound |", "|---|---|---|---|",
        f"| full: {args.orgs:,} organizations, {args.users:,} users, {args.memberships:,} "
        f"memberships | {json.dumps(full)} | {full_seconds:.1f} s | 60 s |",
        f"| incremental: {args.events:,} events | {json.dumps(delta)} | {delta_seconds:.2f} s "
        f"| 5 s |"]
    common.publish("workos_incremental", "\n".join(report))
    if args.only_incremental:
        return
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
