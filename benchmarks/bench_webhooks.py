"""Webhook delivery throughput, lag and isolation from slow receivers.

    python benchmarks/bench_webhooks.py [--events 10000] [--lag-events 1000] [--duration 10]

1. Drain: 10,000 changes are made through the store while no server runs (each queues a
   delivery), then the server starts and the time until the local receiver has them all
   gives deliveries/s (workers = 4).
2. Lag: events created at a steady pace; the time from each change's 2xx to its receipt.
3. A hanging receiver: GET /api/v1/organizations/:id throughput (wrk) with every sender
   thread stuck on a receiver that never answers, against the same server idle.
Targets: >= 300 deliveries/s, zero loss, zero duplicates; >= 90% read throughput.
"""
import argparse
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

CONFIG = """[webhooks]
workers = 4
allow_private_targets = true
timeout_seconds = 10.0
backoff_base_seconds = 1.0
[rate_limits]
enabled = false
"""


class Receiver:
    def __init__(self, work, name, hang=False):
        self.port = common.free_port()
        self.out = Path(work) / f"{name}.jsonl"
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).parent / "receiver.py"),
                                      str(self.port), str(self.out), *(["--hang"] if hang else [])])
        time.sleep(0.5)

    def count(self):
        return int(requests.get(f"http://127.0.0.1:{self.port}/", timeout=5).text)

    def wait_for(self, count, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline and self.count() < count:
            time.sleep(0.2)

    def records(self):
        self.proc.terminate()
        self.proc.wait(10)
        return [json.loads(line) for line in self.out.read_text().splitlines()]


def api(server, key):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    return lambda method, path, **kw: session.request(method, server.url + path, timeout=30, **kw)


def create_orgs(call, count, prefix, pace=None, threads=4):
    """Create `count` organizations; returns {org id: time its 2xx arrived}."""
    done, lock = {}, threading.Lock()

    def one(i):
        if pace:
            time.sleep(max(0.0, start + i / pace - time.time()))
        response = call("POST", "/api/v1/organizations", json={"name": f"{prefix} {i}", "slug": f"{prefix}-{i}"})
        arrived = time.time()
        response.raise_for_status()
        with lock:
            done[response.json()["data"]["id"]] = arrived

    start = time.time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--lag-events", type=int, default=1_000)
    parser.add_argument("--lag-rate", type=float, default=100.0, help="changes per second")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    args = parser.parse_args()
    work = Path(common.temp_dir())
    db = work / "hooks.db"
    key, org_ids = common.seed(db, organizations=2_000, users=10)
    receiver = Receiver(work, "drain")
    print(f"queueing {args.events} events ...", flush=True)
    hook_id, created = queue_while_stopped(db, receiver.url, args.events)
    resumed = time.time()
    server = common.goldenrecord_server(db, CONFIG)
    call = api(server, key)
    lines = [f"Command: `python benchmarks/bench_webhooks.py --events {args.events} "
             f"--lag-events {args.lag_events} --lag-rate {args.lag_rate:g} --duration {args.duration}`", ""]
    try:
        # 1. drain
        receiver.wait_for(args.events)
        records = receiver.records()
        arrivals = sorted(r["at"] for r in records)
        ids = [r["id"] for r in records]
        drain_seconds = arrivals[-1] - resumed
        lost = len(set(created) - {r["dataId"] for r in records})
        lines += [
            "| measure | value |", "|---|---|",
            f"| events queued, then delivered | {args.events} → {len(set(ids))} unique |",
            f"| drain rate (workers = 4) | **{len(records) / drain_seconds:.0f} deliveries/s** |",
            f"| lost / duplicated | {lost} / {len(ids) - len(set(ids))} |",
        ]
        call("DELETE", f"/api/v1/webhooks/{hook_id}")

        # 2. lag
        receiver = Receiver(work, "lag")
        hook = call("POST", "/api/v1/webhooks", json={"name": "lag", "url": receiver.url,
                                                      "events": ["organization.created"]}).json()["data"]
        created = create_orgs(call, args.lag_events, "lag", pace=args.lag_rate, threads=8)
        receiver.wait_for(args.lag_events, timeout=60)
        records = receiver.records()
        lags = sorted((r["at"] - created[r["dataId"]]) * 1000 for r in records if r["dataId"] in created)
        lines += [
            f"| lag, change 2xx → receipt, at {args.lag_rate:g} changes/s | p50 {_pct(lags, 50):.1f} ms, "
            f"p99 {_pct(lags, 99):.1f} ms ({len(lags)} of {args.lag_events} received) |",
        ]
        call("DELETE", f"/api/v1/webhooks/{hook['id']}")

        # 3. hanging receiver
        script = common.random_ids_script(work, org_ids, "/api/v1/organizations/%s")
        run = dict(duration=args.duration, connections=8, script=script, key=key)
        common.wrk(server.url + "/", **dict(run, duration=2))  # warm-up
        idle = [common.wrk(server.url + "/", **run) for _ in range(2)]
        hanging = Receiver(work, "hang", hang=True)
        call("POST", "/api/v1/webhooks", json={"name": "hang", "url": hanging.url, "events": ["*"]})
        create_orgs(call, 50, "hang")
        time.sleep(1)
        stuck = [common.wrk(server.url + "/", **run) for _ in range(2)]
        idle_rps = sum(r["rps"] for r in idle) / len(idle)
        stuck_rps = sum(r["rps"] for r in stuck) / len(stuck)
        ratio = stuck_rps / idle_rps
        lines += [
            f"| read throughput, all senders stuck on a hanging receiver vs idle (2 runs each) | "
            f"{stuck_rps:.0f} vs {idle_rps:.0f} requests/s = **{100 * ratio:.0f}%** |",
        ]
        hanging.proc.kill()
    finally:
        server.stop()
    common.publish("webhooks", "\n".join(lines))


def queue_while_stopped(db, url, count):
    """Subscribe `url` and make `count` organizations through the store, with no sender
    running: each change leaves a pending delivery. Returns (webhook id, created ids)."""
    import goldenrecord

    store = goldenrecord.open_store(goldenrecord.load_config(env={}, overrides={"database.path": str(db)}))
    hook = store.webhooks.create(name="drain", url=url, events=["organization.created"])
    created = {store.organizations.create(name=f"Drain {i}", slug=f"drain-{i}").id: None
               for i in range(count)}
    store.close()
    return hook.id, created


def _pct(values, q):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * q / 100))]


if __name__ == "__main__":
    main()
