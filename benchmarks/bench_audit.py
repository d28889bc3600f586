"""What the audit log and the events feed cost, and the export's memory.

    python benchmarks/bench_audit.py [--duration 10] [--connections 16] [--repeats 3]
                                     [--feed-events 50000] [--export-entries 1000000]

1. Writes with and without recording (issue 20: recording adds <= 10%): two servers on
   copies of one seeded database (10,000 organizations, 10,000 users), one as shipped and
   one with recording switched off (benchmarks/serve_unaudited.py); wrk alternates
   between them, and the bare-Falcon ceiling, for creates (POST /organizations, a new slug
   each) and updates (PUT /organizations/{random id}, which also reads the row's before).
   `cpu` does the same in process: CPU time of the calling thread per create and update
   through falcon.testing with the fsync off, recording switched on and off in turns in
   one process, so neither the disk nor the other jobs of a shared machine count.
2. The feed to one consumer walking it (target >= 5,000 events/s): `--feed-events`
   organizations created through the store (one event each), then GET /api/v1/events
   pages of 1,000 over one keep-alive connection, end to end, JSON decoded.
3. The export of `--export-entries` entries (target: constant memory): the entries written
   straight into a database, hash-chained as the service writes them; the server's RSS
   sampled while one client streams `format=ndjson`, and again for a tenth as many.
"""
import argparse
import json
import shutil
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ROOT = common.ROOT
UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))

CREATE = """
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local slug = "%s-" .. n
  return wrk.format(nil, "/api/v1/organizations", nil,
    '{"name": "Audited ' .. slug .. '", "slug": "' .. slug .. '"}')
end
"""
UPDATE = """
local ids = {%s}
local n = 0
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/organizations/" .. ids[math.random(#ids)], nil,
    '{"name": "Renamed %s ' .. n .. '"}')
end
"""


def server(db, unaudited=False):
    port = common.free_port()
    config = Path(db).with_suffix(f".{port}.toml")
    config.write_text(UNLIMITED)
    program = ROOT / ("benchmarks/serve_unaudited.py" if unaudited else "goldenrecord.py")
    return common.Server([sys.executable, str(program), "serve", "--db", str(db), "--port",
                          str(port), "--config", str(config)], port)


def writes(args, work, db, key, org_ids):
    unaudited_db = work / "unaudited.db"
    shutil.copy(db, unaudited_db)
    shutil.copy(str(db) + ".key", str(unaudited_db) + ".key")
    ids = ", ".join(f'"{i}"' for i in org_ids[:2000])
    servers = {"with": server(db), "without": server(unaudited_db, unaudited=True)}
    ceiling = common.ceiling_server()
    counter = iter(range(10**6))

    def script(template, *fill):
        path = work / f"s{next(counter)}.lua"
        path.write_text(template % fill)
        return str(path)

    options = dict(duration=args.duration, connections=args.connections, key=key)
    try:
        subjects = {"ceiling": lambda: common.wrk(ceiling.url + "/x", duration=args.duration,
                                                  connections=args.connections)}
        for label, srv in servers.items():
            subjects[f"create {label}"] = (lambda s=srv, tag=label: common.wrk(
                s.url + "/", script=script(CREATE, f"{tag}{next(counter)}"), **options))
            subjects[f"update {label}"] = (lambda s=srv, tag=label: common.wrk(
                s.url + "/", script=script(UPDATE, ids, tag), **options))
        results = {name: [] for name in subjects}
        names = list(subjects)
        for round_number in range(args.repeats):
            # with and without swap places every other round: neither always runs first
            order = names if round_number % 2 == 0 else [names[0], *names[3:], *names[1:3]]
            for name in order:
                measure = subjects[name]
                results[name].append(measure())
                print(f"  round {round_number + 1} {name:15s} {results[name][-1]}", flush=True)
        recorded = {label: requests.get(
            srv.url + "/api/v1/audit-logs", params={"action": "organization.updated"},
            headers={"Authorization": f"Bearer {key}"}, timeout=30).json()["data"]
            for label, srv in servers.items()}
        assert recorded["with"] and not recorded["without"], "recording was not switched"
    finally:
        ceiling.stop()
        for srv in servers.values():
            srv.stop()
    return {name: common.median_run(runs) for name, runs in results.items()}, results


def cpu(args):
    """CPU ms per create and per update, with and without recording, in process."""
    import random

    import falcon.testing

    sys.path.insert(0, str(ROOT / "tests"))
    import apps
    from goldenrecord.store.audit import journal

    db = Path(common.temp_dir()) / "cpu.db"
    key, org_ids = common.seed(db)
    unlimited = {f"rate_limits.{tier}": 10**9 for tier in ("free", "basic", "pro", "enterprise")}
    modes = {"with": journal.recording, "without": lambda: False}
    results = {}
    with apps.service(apps.config_for(db, **unlimited)) as service:
        service.store.engine.durable.fsync = lambda descriptor: None
        client = falcon.testing.TestClient(service.app)
        headers = {"Authorization": f"Bearer {key}"}
        counter = iter(range(10**7))

        def create():
            n = next(counter)
            assert client.simulate_post("/api/v1/organizations", headers=headers, json={
                "name": f"Cpu {n}", "slug": f"cpu-{n}"}).status_code == 201

        def update():
            assert client.simulate_put(f"/api/v1/organizations/{random.choice(org_ids)}",
                                       headers=headers, json={"name": f"Cpu {next(counter)}"}
                                       ).status_code == 200

        try:
            for round_number in range(2 * args.repeats):
                mode = ("with", "without")[round_number % 2]
                journal.recording = modes[mode]
                for kind, operation in (("create", create), ("update", update)):
                    for _ in range(100):
                        operation()
                    started = time.thread_time()
                    for _ in range(args.cpu_operations):
                        operation()
                    spent = (time.thread_time() - started) / args.cpu_operations
                    results.setdefault((kind, mode), []).append(1000 * spent)
        finally:
            journal.recording = modes["with"]
    return {name: sorted(runs)[len(runs) // 2] for name, runs in results.items()}


def feed(args, work):
    import goldenrecord

    db = work / "feed.db"
    store = goldenrecord.open_store(goldenrecord.load_config(env={}, overrides={
        "database.path": str(db)}))
    for start in range(0, args.feed_events, 1000):
        end = min(start + 1000, args.feed_events)
        store.organizations.create_many([{"name": f"Feed {i}", "slug": f"feed-{i}"}
                                         for i in range(start, end)])
    _, key = store.api_keys.create(name="feed", scopes=["*:*"], tier="enterprise")
    store.close()
    srv = server(db)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        runs = []
        for _ in range(args.repeats):
            seen, after, started = 0, None, time.perf_counter()
            while True:
                params = {"limit": 1000, **({"after": after} if after else {})}
                body = session.get(srv.url + "/api/v1/events", params=params, timeout=60).json()
                seen += len(body["data"])
                after = body["meta"]["nextCursor"]
                if not body["meta"]["hasMore"]:
                    break
            runs.append(seen / (time.perf_counter() - started))
            assert seen == args.feed_events, seen
    finally:
        srv.stop()
    return sorted(runs)[len(runs) // 2]


def export_db(work, count):
    """A database holding `count` chained audit entries, written as AuditLog.write does."""
    import goldenrecord
    from goldenrecord.store.audit import chain, log

    db = work / f"export{count}.db"
    store = goldenrecord.open_store(goldenrecord.load_config(env={}, overrides={
        "database.path": str(db)}))
    _, key = store.api_keys.create(name="export", scopes=["*:*"], tier="enterprise")
    connection = store.db.connection()
    seq, prev = connection.execute(
        "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    created = "2026-01-15T10:30:00.000000Z"
    with store.db.atomic():
        batch = []
        for n in range(count):
            seq += 1
            row = {"seq": seq, "id": f"audit_{seq:032x}", "created_at": created,
                   "action": "organization.updated", "actor_type": "api_key",
                   "actor_id": "key_bench", "actor_name": "bench", "target_type": "organization",
                   "target_id": f"org-{n % 5000}", "organization_id": f"org-{n % 5000}",
                   "changes": json.dumps({"name": {"before": f"Old {n}", "after": f"New {n}"}}),
                   "metadata": "{}", "client_address": "127.0.0.1",
                   "request_id": f"req_{n:024x}"}
            row["prev_hash"] = prev
            row["hash"] = prev = chain.entry_hash(prev, row)
            batch.append([row[name] for name in log.COLUMNS])
            if len(batch) == 10_000:
                connection.executemany(log._INSERT, batch)
                batch = []
        connection.executemany(log._INSERT, batch)
    store.close()
    return db, key


def export(work, count):
    """(entries streamed, bytes, seconds, RSS before MiB, peak RSS during MiB)."""
    db, key = export_db(work, count)
    srv = server(db)
    try:
        requests.get(srv.url + "/api/v1/audit-logs", headers={"Authorization": f"Bearer {key}"},
                     timeout=30)
        before = srv.rss_mib()
        peak, done = [before], threading.Event()

        def sample():
            while not done.wait(0.05):
                peak.append(srv.rss_mib())

        sampler = threading.Thread(target=sample)
        sampler.start()
        lines = size = 0
        started = time.perf_counter()
        with requests.get(srv.url + "/api/v1/audit-logs/export", params={"format": "ndjson"},
                          headers={"Authorization": f"Bearer {key}"}, stream=True,
                          timeout=600) as answer:
            for chunk in answer.iter_content(1 << 16):
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    finally:
        srv.stop()
    return lines, size, seconds, before, max(peak)


def _shown(measured):
    count, size, seconds, before, peak = measured
    return count, size / 2**20, seconds, before, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--feed-events", type=int, default=50_000)
    parser.add_argument("--export-entries", type=int, default=1_000_000)
    parser.add_argument("--cpu-operations", type=int, default=1000)
    parser.add_argument("--parts", default="cpu,writes,feed,export",
                        help="which measurements, comma-separated (default all three)")
    args = parser.parse_args()

    work, db, key, _reads = common.seeded_for_reads()
    org_ids = [row[0] for row in __import__("sqlite3").connect(db).execute(
        "SELECT id FROM organization LIMIT 2000")]
    lines = [f"Command: `python benchmarks/bench_audit.py --duration {args.duration} "
             f"--connections {args.connections} --repeats {args.repeats} --feed-events "
             f"{args.feed_events} --export-entries {args.export_entries} --parts {args.parts}` "
             "(wrk, 1 thread; "
             f"medians of {args.repeats} alternating runs)", ""]
    parts = args.parts.split(",")
    if "cpu" in parts:
        c = cpu(args)
        for kind in ("create", "update"):
            added = c[(kind, "with")] / c[(kind, "without")] - 1
            lines.append(f"- {kind} in process (CPU of the thread, fsync off, medians of "
                         f"{args.repeats} turns of {args.cpu_operations}): "
                         f"{c[(kind, 'with')]:.3f} ms with recording, "
                         f"{c[(kind, 'without')]:.3f} ms without: **{100 * added:+.1f}%**")
    if "writes" in parts:
        m, runs = writes(args, work, db, key, org_ids)
        ceiling = m["ceiling"]["rps"]
        lines += ["| subject | requests/s | p50 ms | p99 ms | vs ceiling |",
                  "|---|---|---|---|---|"]
        for name in m:
            r = m[name]
            lines.append(f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{100 * r['rps'] / ceiling:.0f}% |")
        for kind in ("create", "update"):
            cost = m[f"{kind} without"]["rps"] / m[f"{kind} with"]["rps"] - 1
            lines.append(f"- {kind}: recording adds **{100 * cost:.1f}%** to the cost of a write "
                         "(time per request, medians with vs without; target <= 10%); "
                         "per round, without/with: " + ", ".join(
                             f"{b['rps'] / a['rps']:.2f}" for a, b in
                             zip(runs[f"{kind} with"], runs[f"{kind} without"])))
    if "feed" in parts:
        rate = feed(args, work)
        lines.append(f"- feed: **{rate:,.0f} events/s** to one consumer walking "
                     f"{args.feed_events:,} events in pages of 1,000 (target >= 5,000/s)")
    if "export" in parts:
        for count in (args.export_entries // 10, args.export_entries):
            lines.append("- export of {:,} entries (ndjson, {:,.0f} MiB in {:.1f} s): server RSS "
                         "{:.0f} MiB before, peak {:.0f} MiB while streaming".format(
                             *_shown(export(work, count))))
    common.publish("audit", "\n".join(lines))


if __name__ == "__main__":
    main()
