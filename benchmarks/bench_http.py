"""HTTP throughput and latency of Golden Record against a bare-Falcon ceiling, in one run.

    python benchmarks/bench_http.py [--duration 10] [--connections 8] [--repeats 3]

Seeds 10,000 organizations, 10,000 users and 100,000 memberships (each user in 10
organizations), then with wrk (apt-get install wrk) measures, alternating so that machine
noise hits every subject alike:
  ceiling      a bare Falcon app on the same waitress settings, constant small JSON
  read         authenticated GET /api/v1/organizations/{random id}
  read-bare    the same with rate limiting and analytics turned off
  page-1       GET /api/v1/organizations?limit=20
  page-500     the 500th page of a cursor walk with limit=20
  check        POST /api/v1/authorization/check for a random one of the 100,000 memberships
               and one of three permissions (issue 19)
and reports each as a ratio of the ceiling (throughput) or of page 1 (latency), plus the
server's resident memory. Targets: read >= 50% of the ceiling; page-500 p50 <= 1.3x page-1;
limiter and analytics together cost <= 10% of read throughput; check >= 50% of the ceiling.
Before the measured runs every membership is checked once (`--warm-all`, the default), so
the check runs measure answers from memory, as a server that has been up a while gives them.
"""
import argparse
import sqlite3
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))
OFF = "[rate_limits]\nenabled = false\n[analytics]\nenabled = false\n"


MEMBERSHIPS_PER_USER = 10
PERMISSIONS = ("organizations:read", "users:read", "users:delete")


def seed_memberships(db):
    """Each user a Member of MEMBERSHIPS_PER_USER organizations (100,000 in all), written
    as the API writes them; returns the (user, organization) ids of each."""
    connection = sqlite3.connect(db)
    orgs = [row[0] for row in connection.execute("SELECT id FROM organization ORDER BY created_at")]
    users = [row[0] for row in connection.execute("SELECT id FROM user ORDER BY created_at")]
    stride = len(orgs) // MEMBERSHIPS_PER_USER
    pairs = [(user, orgs[(i + k * stride) % len(orgs)])
             for i, user in enumerate(users) for k in range(MEMBERSHIPS_PER_USER)]
    at = "2026-01-01T00:00:00.000000Z"
    with connection:
        connection.executemany(
            "INSERT INTO membership (id, organization_id, user_id, role_id, is_owner, created_at, "
            "updated_at) VALUES (?, ?, ?, 'role_member', 0, ?, ?)",
            ((f"mem_{n:032x}", org, user, at, at) for n, (user, org) in enumerate(pairs)))
    connection.close()
    return pairs


def check_script(directory, pairs):
    """A wrk Lua script POSTing a check for a random membership and permission; with the
    environment variable SEQUENTIAL set, the memberships in order instead (the warm-up).
    The memberships are read from a file beside it: 100,000 literals overflow LuaJIT's
    constant table."""
    path = Path(directory) / "check.lua"
    members = Path(directory) / "memberships.txt"
    members.write_text("".join(f"{user}|{org}\n" for user, org in pairs))
    permissions = ",".join(f'"{p}"' for p in PERMISSIONS)
    path.write_text(
        "local members = {}\n"
        f"for line in io.lines('{members}') do members[#members + 1] = line end\n"
        f"local permissions = {{{permissions}}}\n"
        "local next_pair = 0\n"
        "math.randomseed(42)\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        "  local pair\n"
        "  if os.getenv('SEQUENTIAL') then next_pair = next_pair % #members + 1; pair = members[next_pair]\n"
        "  else pair = members[math.random(#members)] end\n"
        '  local user, org = pair:match("([^|]+)|([^|]+)")\n'
        "  local body = string.format('{\"userId\": \"%s\", \"organizationId\": \"%s\", "
        "\"permission\": \"%s\"}', user, org, permissions[math.random(#permissions)])\n"
        '  return wrk.format(nil, "/api/v1/authorization/check", nil, body)\n'
        "end\n")
    return str(path)


def warm_every_membership(server, key, script, count):
    """Check each membership once, in order, so the measured runs answer from memory."""
    seconds = 5
    while True:
        result = common.wrk(server.url + "/", script=script, key=key, duration=seconds,
                            connections=8, env={"SEQUENTIAL": "1"})
        if result["requests"] >= count:
            return
        seconds = int(seconds * count / max(result["requests"], 1)) + 1


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
    parser.add_argument("--no-warm-all", dest="warm_all", action="store_false",
                        help="measure the check without first checking every membership once")
    args = parser.parse_args()

    work, db, key, script = common.seeded_for_reads()
    print("seeding 100,000 memberships ...", flush=True)
    pairs = seed_memberships(db)
    checks = check_script(work, pairs)
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
            "check": lambda: common.wrk_with_cpu(metered, metered.url + "/", script=checks,
                                                 key=key, **run),
        }
        warm = dict(run, duration=2)
        common.wrk(ceiling.url + "/x", **warm)
        common.wrk(metered.url + "/", script=script, key=key, **warm)
        common.wrk(bare.url + "/", script=script, key=key, **warm)
        if args.warm_all:
            print("checking each of the 100,000 memberships once ...", flush=True)
            warm_every_membership(metered, key, checks, len(pairs))
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
        f"--connections {args.connections} --repeats {args.repeats}"
        f"{'' if args.warm_all else ' --no-warm-all'}` "
        f"(wrk, 1 thread, {args.connections} connections; medians of {args.repeats} alternating runs)",
        "",
        "| subject | requests/s | p50 ms | p99 ms | vs ceiling |",
        "|---|---|---|---|---|",
    ]
    for name, label in [("ceiling", "bare Falcon ceiling, constant JSON"),
                        ("read", "GET /organizations/:id (authenticated)"),
                        ("read-bare", "same, rate limit + analytics off"),
                        ("page-1", "GET /organizations?limit=20, page 1"),
                        ("page-500", "same, page 500 (cursor)"),
                        ("check", "POST /authorization/check, 100,000 memberships")]:
        r = m[name]
        lines.append(f"| {label} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{100 * r['rps'] / ceiling:.0f}% |")
    overhead = 1 - m["read"]["rps"] / m["read-bare"]["rps"]
    cpu_overhead = m["read"]["cpu_us"] / m["read-bare"]["cpu_us"] - 1
    lines += [
        "",
        f"- single read at **{100 * m['read']['rps'] / ceiling:.0f}%** of the ceiling (target >= 50%)",
        f"- permission check at **{100 * m['check']['rps'] / ceiling:.0f}%** of the ceiling "
        f"(target >= 50%; {'after' if args.warm_all else 'without'} checking every membership "
        f"once first); server CPU per check {m['check']['cpu_us']:.0f} us",
        f"- page 500 p50 / page 1 p50 = **{m['page-500']['p50'] / m['page-1']['p50']:.2f}x** (target <= 1.3x)",
        f"- rate limiting + analytics cost **{100 * overhead:.1f}%** of read throughput (target <= 10%); "
        f"server CPU per read {m['read']['cpu_us']:.0f} vs {m['read-bare']['cpu_us']:.0f} us "
        f"(+{100 * cpu_overhead:.1f}%)",
        f"- server resident memory after the runs, 10,000 organizations + 10,000 users + "
        f"100,000 memberships: **{rss:.0f} MiB**",
    ]
    if any(m[name]["non2xx"] for name in m):
        lines.append(f"- WARNING: non-2xx responses: { {n: m[n]['non2xx'] for n in m} }")
    common.publish("http", "\n".join(lines))


if __name__ == "__main__":
    main()
