"""The Python cost of one create, in process: CPU time of the calling thread, fsync off.

    python benchmarks/bench_create_cost.py [--creates 2000] [--profile]

Seeds 10,000 organizations and 10,000 users, then times `POST /api/v1/organizations`
through falcon.testing (no HTTP server; falcon.testing's own WSGI checks included), the
store's `organizations.create` alone, and `users.create` alone. The clock is
`time.thread_time()`, this thread's CPU, so a machine shared with other jobs does not
count against it; the WAL fsync is replaced by a no-op (bench_writes.py measures the
disk). `--profile` prints cProfile's top functions of each subject.
"""
import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import common  # noqa: E402


def main():
    import falcon.testing

    import apps

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    db = Path(common.temp_dir()) / "cost.db"
    key, _ = common.seed(db)
    unlimited = {f"rate_limits.{tier}": 10**9 for tier in ("free", "basic", "pro", "enterprise")}
    with apps.service(apps.config_for(db, **unlimited)) as service:
        service.store.engine.durable.fsync = lambda descriptor: None
        client = falcon.testing.TestClient(service.app)
        headers = {"Authorization": f"Bearer {key}"}

        def http(i):
            result = client.simulate_post("/api/v1/organizations", headers=headers,
                                          json={"name": f"Cost Org {i}", "slug": f"cost-{i}"})
            assert result.status_code == 201, result.text

        subjects = {
            "POST /organizations (falcon.testing)": http,
            "store organizations.create": lambda i: service.store.organizations.create(
                name=f"Store Org {i}", slug=f"store-{i}"),
            "store users.create": lambda i: service.store.users.create(
                email=f"cost{i}@example.com", first_name="Ann", last_name=f"Lee{i}"),
        }
        print("| subject | CPU ms per create | creates per CPU second |\n|---|---|---|")
        for offset, (name, create) in enumerate(subjects.items()):
            base = offset * 10 * args.creates
            for i in range(200):  # warm the statement caches
                create(base + i)
            started = time.thread_time()
            for i in range(args.creates):
                create(base + 1000 + i)
            spent = time.thread_time() - started
            print(f"| {name} | {1000 * spent / args.creates:.3f} | {args.creates / spent:,.0f} |")
            if args.profile:
                profile = cProfile.Profile(time.thread_time)
                profile.runcall(lambda: [create(base + 5 * args.creates + i)
                                         for i in range(args.creates // 2)])
                pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
