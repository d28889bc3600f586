"""Reads on PostgreSQL against SQLite, and two replicas against one, in one run.

    python benchmarks/bench_postgresql.py --url postgresql://USER@/postgres?host=SOCKETDIR \
        [--duration 5] [--connections 8]

Seeds 10,000 organizations and 10,000 users into SQLite, copies them into a new
PostgreSQL database on the server `--url` names (`goldenrecord copy`), then with wrk
measures an authenticated GET /api/v1/organizations/{random id} ("read") and the first
list page GET /api/v1/organizations?limit=20 ("page") on: SQLite (one process),
PostgreSQL with one replica, PostgreSQL with two replicas (each its own process, wrk
driving both at once; their requests/s summed). Targets (issue 21): PostgreSQL one
replica >= 70% of SQLite for both; two replicas >= 1.6x one replica.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))


def pg_database(server_url, name):
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def pg_server(db, url):
    port = common.free_port()
    config = Path(db).with_suffix(f".{port}.toml")
    config.write_text(UNLIMITED + f'[database]\nurl = "{url}"\n'
                      f'secret_key_file = "{db}.key"\n')
    return common.Server([sys.executable, str(common.ROOT / "goldenrecord.py"), "serve",
                          "--port", str(port), "--config", str(config)], port)


def measure(servers, path_or_script, key, args):
    """Summed requests/s of wrk driving every server of `servers` at once."""
    def one(server):
        if path_or_script.endswith(".lua"):
            return common.wrk(server.url, duration=args.duration, connections=args.connections,
                              script=path_or_script, key=key)
        return common.wrk(server.url + path_or_script, duration=args.duration,
                          connections=args.connections, key=key)

    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        results = list(pool.map(one, servers))
    return sum(r["rps"] for r in results), sum(r["non2xx"] for r in results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a PostgreSQL server URL (any database)")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="rate_limits.enabled = false on every server (what the shared "
                             "limiter's statement per request costs)")
    args = parser.parse_args()
    global UNLIMITED
    if args.no_rate_limits:
        UNLIMITED = "[rate_limits]\nenabled = false\n"
    work, db, key, script = common.seeded_for_reads()
    url = pg_database(args.url, "goldenrecord_bench")
    subprocess.run([sys.executable, str(common.ROOT / "goldenrecord.py"), "copy", "--from",
                    f"sqlite:{db}", "--to", url, "--quiet"], check=True)
    page = "/api/v1/organizations?limit=20"
    label = " (rate limits off)" if args.no_rate_limits else ""
    rows = {}
    sqlite = common.goldenrecord_server(db, UNLIMITED)
    try:
        rows["SQLite, 1 process"] = [measure([sqlite], script, key, args),
                                     measure([sqlite], page, key, args)]
    finally:
        sqlite.stop()
    replicas = [pg_server(db, url), pg_server(db, url)]
    try:
        rows["PostgreSQL, 1 replica"] = [measure(replicas[:1], script, key, args),
                                         measure(replicas[:1], page, key, args)]
        rows["PostgreSQL, 2 replicas"] = [measure(replicas, script, key, args),
                                          measure(replicas, page, key, args)]
    finally:
        for server in replicas:
            server.stop()
    base, one, two = rows["SQLite, 1 process"], rows["PostgreSQL, 1 replica"], rows["PostgreSQL, 2 replicas"]
    lines = [f"PostgreSQL and replicas{label} ({os.cpu_count()} cores, wrk {args.connections} connections "
             f"per server, {args.duration} s each)", "",
             "| subject | read req/s | page req/s | non-2xx |", "|---|---|---|---|"]
    lines += [f"| {name} | {r[0][0]:.0f} | {r[1][0]:.0f} | {r[0][1] + r[1][1]} |"
              for name, r in rows.items()]
    lines += ["", f"PostgreSQL 1 replica / SQLite: read {one[0][0] / base[0][0]:.0%}, "
                  f"page {one[1][0] / base[1][0]:.0%} (target >= 70%)",
              f"2 replicas / 1 replica: read {two[0][0] / one[0][0]:.2f}x, "
              f"page {two[1][0] / one[1][0]:.2f}x (target >= 1.6x)"]
    common.publish("postgresql", "\n".join(lines))


if __name__ == "__main__":
    main()
