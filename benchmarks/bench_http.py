"""HTTP throughput and latency of Golden Record against a bare-Falcon ceiling, in one run.

    python benchmarks/bench_http.py [--duration 10] [--connections 8] [--repeats 3]

Seeds 10,000 organizations and 10,000 users, then with wrk (apt-get install wrk) measures,
alternating so that machine noise hits every subject alike:
  ceiling      a bare Falcon app on the same waitress settings, constant small JSON
  read         authenticated GET /api/v1/organizations/{random id}
  read-bare    the same with rate limiting and analytics turned off
  page-1       GET /api/v1/organizations?limit=20
  page-500     the 500th page of a cursor walk with limit=20
and reports each as a ratio of the ceiling (throughput) or of page 1 (latency), plus the
server's resident memory. Targets: read >= 50% of the ceiling; page-500 p50 <= 1.3x page-1;
limiter and analytics together cost <= 10% of read throughput.
"""
import argparse
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))
OFF = "[rate_limits]\nenabled = false\n[analytics]\nenabled = false\n"


def cursor_for_page(url, key, page, limit=20):
    cursor = None
    for _ in range(page - 1):
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        meta = requests.get(f"{url}/api/v1/organizations", params=params,
                            headers={"Authorization": f"Bearer {key}"}, timeout=10).json()["meta"]
        cursor = meta["nextCursor"]
    return cursor


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    work, db, key, script = common.seeded_for_reads()
    ceiling = common.ceiling_server()
    metered = common.goldenrecord_server(db, UNLIMITED)
    bare = common.goldenrecord_server(db, OFF)
    try:
        page_500 = cursor_for_page(metered.url, key, 500)
        run = dict(duration=args.duration, connections=args.connections)
        subjects = {
            "ceiling": lambda: common.wrk(ceiling.url + "/x", **run),
            "read": lambda: common.wrk_with_cpu(metered, metered.url + "/", script=script, key=key, **run),
            "read-bare": lambda: common.wrk_with_cpu(bare, bare.url + "/", script=script, key=key, **run),
            "page-1": lambda: common.wrk(metered.url + "/api/v1/organizations?limit=20", key=key, **run),
            "page-500": lambda: common.wrk(
                f"{metered.url}/api/v1/organizations?limit=20&cursor={page_500}", key=key, **run),
        }
        warm = dict(run, duration=2)
        common.wrk(ceiling.url + "/x", **warm)
        common.wrk(metered.url + "/", script=script, key=key, **warm)
        common.wrk(bare.url + "/", script=script, key=key, **warm)
        results = {name: [] for name in subjects}
        for round_number in range(args.repeats):
            for name, measure in subjects.items():
                results[name].append(measure())
                print(f"  round {round_number + 1} {name:10s} {results[name][-1]}", flush=True)
        medians = {name: common.median_run(runs) for name, runs in results.items()}
        rss = metered.rss_mib()
    finally:
        for server in (ceiling, metered, bare):
            server.stop()
    report(medians, rss, args)


def report(m, rss, args):
    ceiling = m["ceiling"]["rps"]
    lines = [
        f"Command: `python benchmarks/bench_http.py --duration {args.duration} "
        f"--connections {args.connections} --repeats {args.repeats}` "
        f"(wrk, 1 thread, {args.connections} connections; medians of {args.repeats} alternating runs)",
        "",
        "| subject | requests/s | p50 ms | p99 ms | vs ceiling |",
        "|---|---|---|---|---|",
    ]
    for name, label in [("ceiling", "bare Falcon ceiling, constant JSON"),
                        ("read", "GET /organizations/:id (authenticated)"),
                        ("read-bare", "same, rate limit + analytics off"),
                        ("page-1", "GET /organizations?limit=20, page 1"),
                        ("page-500", "same, page 500 (cursor)")]:
        r = m[name]
        lines.append(f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{100 * r['rps'] / ceiling:.0f}% |")
    overhead = 1 - m["read"]["rps"] / m["read-bare"]["rps"]
    cpu_overhead = m["read"]["cpu_us"] / m["read-bare"]["cpu_us"] - 1
    lines += [
        "",
        f"- single read at **{100 * m['read']['rps'] / ceiling:.0f}%** of the ceiling (target >= 50%)",
        f"- page 500 p50 / page 1 p50 = **{m['page-500']['p50'] / m['page-1']['p50']:.2f}x** (target <= 1.3x)",
        f"- rate limiting + analytics cost **{100 * overhead:.1f}%** of read throughput (target <= 10%); "
        f"server CPU per read {m['read']['cpu_us']:.0f} vs {m['read-bare']['cpu_us']:.0f} us "
        f"(+{100 * cpu_overhead:.1f}%)",
        f"- server resident memory after the runs, 10,000 organizations + 10,000 users: **{rss:.0f} MiB**",
    ]
    if any(m[name]["non2xx"] for name in m):
        lines.append(f"- WARNING: non-2xx responses: { {n: m[n]['non2xx'] for n in m} }")
    common.publish("http", "\n".join(lines))


if __name__ == "__main__":
    main()
