"""Shared by the benchmarks: a seeded database, servers in child processes, wrk runs."""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_path, organizations=10_000, users=10_000):
    """A database holding `organizations` verified organizations and `users` users, exactly
    as the API would have written them; returns (admin key, organization ids)."""
    import goldenrecord
    from goldenrecord.store.models import Organization, User
    from goldenrecord.store.users import email_key

    config = goldenrecord.load_config(env={}, overrides={"database.path": str(db_path)})
    store = goldenrecord.open_store(config)
    start = datetime.now(timezone.utc) - timedelta(days=1)
    org_rows, user_rows = [], []
    for i in range(organizations):
        at = start + timedelta(microseconds=i * 7)
        org_rows.append({"id": str(uuid.uuid4()), "name": f"Organization {i:05d}",
                         "slug": f"organization-{i:05d}", "domain": f"org{i}.example.com",
                         "is_verified": True, "metadata": {"tier": i % 3}, "created_at": at,
                         "updated_at": at})
    for i in range(users):
        at = start + timedelta(microseconds=i * 7)
        email = f"user{i:05d}@example.com"
        user_rows.append({"id": str(uuid.uuid4()), "email": email, "email_key": email_key(email),
                          "first_name": f"First{i}", "last_name": f"Last{i}", "metadata": {},
                          "created_at": at, "updated_at": at})
    with store.db.atomic():
        for chunk in range(0, organizations, 500):
            Organization.insert_many(org_rows[chunk:chunk + 500]).execute()
        for chunk in range(0, users, 500):
            User.insert_many(user_rows[chunk:chunk + 500]).execute()
    _, key = store.api_keys.create(name="bench", scopes=["*:*"], tier="enterprise")
    store.close()
    return key, [row["id"] for row in org_rows]


def seeded_for_reads():
    """A temporary folder with a seeded database (10,000 organizations and 10,000 users) and
    a wrk script reading random organizations: (folder, database, admin key, script)."""
    work = Path(temp_dir())
    db = work / "bench.db"
    print("seeding 10,000 organizations and 10,000 users ...", flush=True)
    key, org_ids = seed(db)
    return work, db, key, random_ids_script(work, org_ids, "/api/v1/organizations/%s")


class Server:
    """A server child process on a free port, stopped on exit."""

    def __init__(self, command, port, env=None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, **(env or {})}, cwd=str(ROOT))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"server {command} did not start")

    def rss_mib(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self):
        """User + system CPU the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def goldenrecord_server(db, config_text=""):
    port = free_port()
    config = Path(db).with_suffix(f".{port}.toml")
    config.write_text(config_text)
    return Server([sys.executable, str(ROOT / "goldenrecord.py"), "serve", "--db", str(db),
                   "--port", str(port), "--config", str(config)], port)


def ceiling_server(threads=8):
    port = free_port()
    return Server([sys.executable, str(ROOT / "benchmarks" / "ceiling_app.py"), str(port),
                   str(threads)], port)


def wrk(url, *, duration, connections, threads=1, script=None, key=None, env=None):
    """Run wrk (its Lua script sees `env`); returns requests/s and p50/p99 latency in ms."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                            env={**os.environ, **(env or {})}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": _latency(output, "50%"), "p99": _latency(output, "99%"),
            "non2xx": int(errors.group(1)) if errors else 0, "requests": total}


def wrk_with_cpu(server, url, **options):
    """wrk against `server`, adding the server's CPU microseconds per request (`cpu_us`):
    steadier than requests/s on a shared machine, since other tenants do not inflate it.
    Waits a little after the run so background work the run caused is counted too."""
    before = server.cpu_seconds()
    result = wrk(url, **options)
    time.sleep(1.5)
    result["cpu_us"] = (server.cpu_seconds() - before) / result["requests"] * 1e6
    return result


def _latency(output, label):
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def median_run(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def random_ids_script(directory, ids, path_template, name="random_ids.lua"):
    """A wrk Lua script (`directory`/`name`) requesting `path_template` with a random id of
    `ids` each time."""
    script = Path(directory) / name
    quoted = ",".join(f'"{i}"' for i in ids)
    script.write_text(
        f"local ids = {{{quoted}}}\n"
        "math.randomseed(42)\n"
        "request = function()\n"
        f'  return wrk.format("GET", string.format("{path_template}", ids[math.random(#ids)]))\n'
        "end\n")
    return str(script)


def publish(name, text):
    """Print a report and keep it as benchmarks/results/NAME.md (git-ignored)."""
    print("\n" + text)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.md").write_text(text + "\n")


def temp_dir():
    return tempfile.mkdtemp(prefix="gr-bench-")
