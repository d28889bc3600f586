"""How stale a read from memory can be after another process's write.

A server answers `GET /organizations/:id` from memory while nothing has changed; commits
by other processes are looked for every 20 ms (store/changes.py). This commits a rename
from this process (the "other process"), then asks the server until it answers the new
name, and reports the delay — idle, and with wrk loading the same read meanwhile. The
delay includes one HTTP round trip, so it is an upper bound of the staleness itself.

    python benchmarks/bench_staleness.py --renames 100
"""
import argparse
import sqlite3
import statistics
import subprocess
import sys
import time

import requests

from common import goldenrecord_server, publish, seed, temp_dir

sys.path.pop(0)


def delays(server, key, org_id, db_path, renames):
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{server.url}/api/v1/organizations/{org_id}"
    session = requests.Session()
    other = sqlite3.connect(db_path, isolation_level=None)
    seen = []
    for number in range(renames):
        name = f"Renamed {number}"
        session.get(url, headers=headers, timeout=10)  # cached under the current token
        other.execute("UPDATE organization SET name = ? WHERE id = ?", (name, org_id))
        committed = time.perf_counter()
        while session.get(url, headers=headers, timeout=10).json()["data"]["name"] != name:
            if time.perf_counter() - committed > 5:
                raise SystemExit(f"rename {number} not seen within 5 s")
        seen.append((time.perf_counter() - committed) * 1000)
        time.sleep(0.013)  # land the next commit at another phase of the poll
    other.close()
    return seen


def summary(label, values):
    values = sorted(values)
    p95 = values[int(len(values) * 0.95) - 1]
    return (f"| {label} | {statistics.median(values):.1f} | {p95:.1f} | {values[-1]:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renames", type=int, default=100)
    parser.add_argument("--organizations", type=int, default=10_000)
    args = parser.parse_args()
    folder = temp_dir()
    db_path = f"{folder}/bench.db"
    key, org_ids = seed(db_path, organizations=args.organizations, users=10)
    server = goldenrecord_server(db_path, "[analytics]\nenabled = false\n[rate_limits]\nenabled = false\n")
    try:
        idle = delays(server, key, org_ids[0], db_path, args.renames)
        load = subprocess.Popen(
            ["wrk", "-t1", "-c16", "-d600s", "-H", f"Authorization: Bearer {key}",
             f"{server.url}/api/v1/organizations/{org_ids[0]}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            loaded = delays(server, key, org_ids[0], db_path, args.renames)
        finally:
            load.terminate()
            load.wait()
    finally:
        server.stop()
    publish("staleness", "\n".join([
        f"Commit by another process -> first fresh answer, ms ({args.renames} renames each; "
        "includes one HTTP round trip)",
        "",
        "| server | p50 | p95 | max |",
        "|---|---|---|---|",
        summary("idle", idle),
        summary("under wrk load (16 connections on the same read)", loaded),
    ]))


if __name__ == "__main__":
    main()
