"""The Python cost of one create, in process: CPU time of the calling thread, fsync off.

    python benchmarks/bench_create_cost.py [--creates 2000] [--profile]
    python benchmarks/bench_create_cost.py --instructions [--creates 200] [--baseline PATH]

Seeds 10,000 organizations and 10,000 users, then times `POST /api/v1/organizations`
through falcon.testing (no HTTP server; falcon.testing's own WSGI checks included), the
store's `organizations.create` alone, and `users.create` alone. The clock is
`time.thread_time()`, this thread's CPU, so a machine shared with other jobs does not
count against it; the WAL fsync is replaced by a no-op (bench_writes.py measures the
disk). `--profile` prints cProfile's top functions of each subject.

`--instructions` counts instead of timing: each subject runs in a child process under
valgrind's callgrind (`apt-get install valgrind`), once with WARM_UP creates and once with
WARM_UP + --creates, and the difference is divided by --creates: the instructions of one
create in steady state, start-up and warm-up excluded, split by the library that ran
them (the Python interpreter, SQLite, libc, ...). An instruction count does not move with
the machine's load (a CPU second on two shared cores moves by half from run to run, see
docs/performance.md), so a change to the write path can be judged on one run;
`--baseline PATH` counts another checkout (a `git worktree` of main, say) on a copy of
the same database. Two counts of the same code still differ by up to ~4% (the
interpreter's garbage collector and memory addresses move with the environment), so a
difference under ~5% is not a finding. It leaves out what the kernel does (the WAL's write
calls, the fsync) and the HTTP server; bench_writes.py measures those.
"""
import argparse
import collections
import cProfile
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402

WARM_UP = 20  # creates before the counted ones: the statement caches filled
UNLIMITED = {f"rate_limits.{tier}": 10**9 for tier in ("free", "basic", "pro", "enterprise")}
SUBJECTS = ("POST /organizations (falcon.testing)", "store organizations.create",
            "store users.create")


def subjects(service, key):
    """{name: create(i)} — each makes one new row numbered i."""
    import falcon.testing

    client = falcon.testing.TestClient(service.app)
    headers = {"Authorization": f"Bearer {key}"}

    def http(i):
        result = client.simulate_post("/api/v1/organizations", headers=headers,
                                      json={"name": f"Cost Org {i}", "slug": f"cost-{i}"})
        assert result.status_code == 201, result.text

    return dict(zip(SUBJECTS, (
        http,
        lambda i: service.store.organizations.create(name=f"Store Org {i}", slug=f"store-{i}"),
        lambda i: service.store.users.create(email=f"cost{i}@example.com", first_name="Ann",
                                             last_name=f"Lee{i}"),
    ), strict=True))


def timed(args):
    sys.path.insert(0, str(common.ROOT / "tests"))
    import apps

    db = Path(common.temp_dir()) / "cost.db"
    key, _ = common.seed(db)
    with apps.service(apps.config_for(db, **UNLIMITED)) as service:
        service.store.engine.durable.fsync = lambda descriptor: None
        print("| subject | CPU ms per create | creates per CPU second |\n|---|---|---|")
        for offset, (name, create) in enumerate(subjects(service, key).items()):
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
                first = base + 1000 + args.creates  # after the timed ones
                profile.runcall(lambda make, start: [make(start + i)
                                                     for i in range(args.creates // 2)],
                                create, first)
                pstats.Stats(profile).sort_stats("tottime").print_stats(15)


def child(args):
    """Run under callgrind: `args.count` creates of subject `args.child` on a copy of the
    seeded database, with the checkout at `args.root` imported."""
    sys.path[:0] = [args.root, str(Path(args.root) / "tests")]
    import apps

    work = Path(tempfile.mkdtemp(prefix="gr-bench-"))
    db = work / "cost.db"
    for suffix in ("", ".key"):  # the database and the key that opens its secrets
        shutil.copy(args.db + suffix, str(db) + suffix)
    try:
        with apps.service(apps.config_for(db, **UNLIMITED)) as service:
            service.store.engine.durable.fsync = lambda descriptor: None
            create = subjects(service, args.key)[args.child]
            for i in range(args.count):
                create(i)
    finally:
        shutil.rmtree(work)


def by_library(root, db, key, subject, count):
    """{library: instructions} of `count` creates of `subject` under callgrind (start-up
    included)."""
    out = Path(tempfile.mkdtemp(prefix="gr-bench-")) / "callgrind.out"
    try:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, __file__, "--child", subject, "--root", root,
                        "--db", db, "--key", key, "--count", str(count)],
                       check=True, capture_output=True)
        table = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no",
                                str(out)], check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(out.parent)
    libraries = collections.Counter()
    for line in table.splitlines():
        row = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if row is None or "PROGRAM TOTALS" in row.group(2):
            continue
        where = re.search(r"\[([^\]]*)\]\s*$", row.group(2))
        name = Path(where.group(1)).name if where else "other"
        libraries[_library(name)] += int(row.group(1).replace(",", ""))
    return libraries


def _library(file_name):
    """A short name for the object file an instruction ran in."""
    for prefix, short in (("libpython", "Python interpreter"), ("libsqlite3", "SQLite"),
                          ("libc.", "libc (malloc, memcpy, ...)"), ("_json", "json"),
                          ("_sqlite3", "Python's sqlite3 module")):
        if file_name.startswith(prefix):
            return short
    return "other"


def per_create(root, db, key, subject, creates):
    low = by_library(root, db, key, subject, WARM_UP)
    high = by_library(root, db, key, subject, WARM_UP + creates)
    return {name: (high[name] - low.get(name, 0)) / creates for name in high}


def instructions(args):
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    work = Path(common.temp_dir())
    db = work / "seed.db"
    key, _ = common.seed(db)
    trees = {"this checkout": str(common.ROOT)}
    if args.baseline:
        trees = {"baseline": str(Path(args.baseline).resolve()), **trees}
    results = {}
    for subject in SUBJECTS:
        for label, root in trees.items():
            results[subject, label] = per_create(root, str(db), key, subject, args.creates)
            print(f"  {subject} / {label}: {sum(results[subject, label].values()):,.0f}",
                  flush=True)
    shutil.rmtree(work)
    common.publish("create_instructions", report(results, trees, args))


def report(results, trees, args):
    libraries = sorted({name for split in results.values() for name in split},
                       key=lambda name: -sum(split.get(name, 0) for split in results.values()))
    command = ("python benchmarks/bench_create_cost.py --instructions --creates "
               f"{args.creates}{' --baseline ' + args.baseline if args.baseline else ''}")
    heading = (f"Command: `{command}` (instructions of one create, callgrind; {WARM_UP} "
               "creates of warm-up subtracted; fsync off; 10,000 organizations and 10,000 "
               "users seeded)")
    lines = [heading, "",
             "| subject | checkout | instructions per create | "
             + " | ".join(libraries) + " |",
             "|---|---|---|" + "---|" * len(libraries)]
    for (subject, label), split in results.items():
        lines.append(f"| {subject} | {label} | {sum(split.values()):,.0f} | "
                     + " | ".join(f"{split.get(name, 0):,.0f}" for name in libraries) + " |")
    if len(trees) == 2:
        for subject in dict.fromkeys(subject for subject, _ in results):
            before = sum(results[subject, "baseline"].values())
            after = sum(results[subject, "this checkout"].values())
            lines.append(f"\n- {subject}: {100 * (after - before) / before:+.1f}% "
                         "instructions per create against the baseline")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=None,
                        help="creates counted per subject (2000 timed, 200 counted)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing")
    parser.add_argument("--baseline", help="another checkout to count beside this one")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    elif args.instructions:
        args.creates = args.creates or 200
        instructions(args)
    else:
        args.creates = args.creates or 2000
        timed(args)


if __name__ == "__main__":
    main()
