"""Write throughput with group commit, and reads while writes go on, against the ceiling.

    python benchmarks/bench_writes.py [--duration 10] [--connections 16] [--repeats 3]

Seeds 10,000 organizations and 10,000 users, then with wrk (apt-get install wrk),
alternating subjects so that machine noise hits each alike:
  ceiling      a bare Falcon app on the same waitress settings, constant small JSON
  create       POST /api/v1/organizations, every request a new slug (a wrk Lua script)
  read         GET /api/v1/organizations/{random id}, alone
  read+writes  the same read while a second wrk keeps creating organizations, as fast as
               the server takes them (saturated)
  read+paced   the same read while a second wrk creates at about --paced-rate per second
               (16 connections, each pausing between creates): a sustained write load
               below saturation; the rate the server actually took is shown beside it
Targets (issue 17): create >= 1,500/s with 16 connections, each 2xx durable (fsync done);
read throughput during writes >= 80% of read throughput alone. Creates per second are
shown beside the disk's measured write+fsync rate on one thread: the bound that one fsync
per request (synchronous=FULL) would put on them.
"""
import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))

CREATE_SCRIPT = """
local prefix = "w%s-"
local n = 0
local pause = %s
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local slug = prefix .. n
  return wrk.format(nil, "/api/v1/organizations",
    nil, '{"name": "Bench Writer ' .. slug .. '", "slug": "' .. slug .. '"}')
end
if pause > 0 then
  delay = function() return pause end
end
"""
PACED_CONNECTIONS = 16


def create_script(directory, run_number, pause_ms=0):
    """A wrk script whose slugs are unique within the run and across runs; each connection
    waits `pause_ms` before each request."""
    script = Path(directory) / f"create_{run_number}.lua"
    script.write_text(CREATE_SCRIPT % (f"{os.getpid()}-{run_number}", int(pause_ms)))
    return str(script)


def fsyncs_per_second(directory, seconds=2.0):
    """How many small write+fsync pairs this disk does in a second, on one thread: what
    one commit per request would be bound by."""
    path = Path(directory) / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    done, deadline = 0, time.perf_counter() + seconds
    try:
        while time.perf_counter() < deadline:
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            done += 1
    finally:
        os.close(fd)
        path.unlink()
    return done / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--read-connections", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="the server's waitress threads")
    parser.add_argument("--paced-rate", type=int, default=300,
                        help="creates/s aimed at for the reads under a sustained write load")
    args = parser.parse_args()

    work, db, key, reads = common.seeded_for_reads()
    ceiling = common.ceiling_server()
    server = common.goldenrecord_server(db, f"[server]\nthreads = {args.threads}\n" + UNLIMITED)
    scripts = iter(range(10**6))
    try:
        write = dict(duration=args.duration, connections=args.connections, key=key)
        read = dict(duration=args.duration, connections=args.read_connections, key=key,
                    script=reads)

        def create():
            return common.wrk_with_cpu(server, server.url + "/",
                                       script=create_script(work, next(scripts)), **write)

        def read_during_writes(pause_ms=0, connections=args.connections):
            """Reads while a second wrk creates; the reads' figures, with `writes_rps` the
            creates per second taken meanwhile."""
            writes = {}
            background = threading.Thread(target=lambda: writes.update(common.wrk(
                server.url + "/", script=create_script(work, next(scripts), pause_ms),
                **dict(write, duration=args.duration + 2, connections=connections))))
            background.start()
            time.sleep(1)
            try:
                result = common.wrk(server.url + "/", **read)
            finally:
                background.join()
            return {**result, "writes_rps": writes.get("rps", 0.0)}

        paced = dict(pause_ms=1000 * PACED_CONNECTIONS / args.paced_rate,
                     connections=PACED_CONNECTIONS)
        subjects = {
            "ceiling": lambda: common.wrk(ceiling.url + "/x", duration=args.duration,
                                          connections=args.connections),
            "create": create,
            "read": lambda: common.wrk(server.url + "/", **read),
            "read+writes": read_during_writes,
            "read+paced": lambda: read_during_writes(**paced),
        }
        common.wrk(server.url + "/", **dict(read, duration=2))
        results = {name: [] for name in subjects}
        for round_number in range(args.repeats):
            for name, measure in subjects.items():
                results[name].append(measure())
                print(f"  round {round_number + 1} {name:12s} {results[name][-1]}", flush=True)
        medians = {name: common.median_run(runs) for name, runs in results.items()}
        rss = server.rss_mib()
    finally:
        ceiling.stop()
        server.stop()
    report(medians, rss, fsyncs_per_second(work), args)


def report(m, rss, fsync_rate, args):
    ceiling = m["ceiling"]["rps"]
    lines = [
        f"Command: `python benchmarks/bench_writes.py --duration {args.duration} "
        f"--connections {args.connections} --repeats {args.repeats} --threads {args.threads} "
        f"--paced-rate {args.paced_rate}` "
        f"(wrk, 1 thread; server on {args.threads} threads; "
        f"medians of {args.repeats} alternating runs; reads with {args.read_connections} "
        "connections)",
        "",
        "| subject | requests/s | p50 ms | p99 ms | vs ceiling |",
        "|---|---|---|---|---|",
    ]
    for name, label in [("ceiling", "bare Falcon ceiling, constant JSON"),
                        ("create", f"POST /organizations, {args.connections} connections"),
                        ("read", "GET /organizations/:id alone"),
                        ("read+writes", "GET /organizations/:id during creates, saturated"),
                        ("read+paced", "GET /organizations/:id during creates, paced")]:
        r = m[name]
        lines.append(f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{100 * r['rps'] / ceiling:.0f}% |")
    lines += [
        "",
        f"- creates: **{m['create']['rps']:.0f}/s** (target >= 1,500/s); this disk does "
        f"{fsync_rate:.0f} write+fsync pairs/s on one thread, the bound of one fsync per request; "
        f"server CPU {m['create']['cpu_us']:.0f} µs per create",
        f"- reads during writes: **{100 * m['read+writes']['rps'] / m['read']['rps']:.0f}%** of "
        f"reads alone while creates run saturated ({m['read+writes']['writes_rps']:.0f} "
        f"creates/s meanwhile); **{100 * m['read+paced']['rps'] / m['read']['rps']:.0f}%** under "
        f"a paced load ({m['read+paced']['writes_rps']:.0f} creates/s meanwhile, aimed at "
        f"{args.paced_rate}/s) (target >= 80%)",
        f"- server resident memory after the runs: {rss:.0f} MiB",
    ]
    if any(m[name]["non2xx"] for name in m):
        lines.append(f"- WARNING: non-2xx responses: { {n: m[n]['non2xx'] for n in m} }")
    common.publish("writes", "\n".join(lines))


if __name__ == "__main__":
    main()
