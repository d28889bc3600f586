"""Start-up to a passing /healthz on a fresh database: the CLI, the zipapp, the embedding API.

    python benchmarks/bench_startup.py [--repeats 7]

Every subject runs in a new host process (a new test session), `--repeats` times, and
the median is reported. Targets: <= 1 s for `goldenrecord serve` and for the first
`running()` of a session; <= 300 ms for a later instance in the same session.

- `goldenrecord serve`: from spawning `python goldenrecord.py serve --port 0` on a new
  database to the first 200 from /healthz.
- zipapp: the same with `python3 -I -S goldenrecord.pyz serve` (built first).
- `running()`, first of a session: `goldenrecord` already imported in the host, from
  the call to its return (which health-checks); without and with the template database
  in the temporary folder (a new TMPDIR stands for a machine's first session ever).
- `running()`, later in the session: one second after the previous instance started
  (the warm spare is ready, as in a test suite), and back to back (it is not yet).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from goldenrecord.embedding.process import ServerProcess, clean_env, new_key  # noqa: E402

SESSION = """
import json, sys, time
import goldenrecord
from goldenrecord.embedding import start
pause = float(sys.argv[1])
times, instances = [], []
for _ in range(4):
    began = time.perf_counter()
    instances.append(start())
    times.append(time.perf_counter() - began)
    time.sleep(pause)
for instance in instances:
    instance.stop()
print(json.dumps(times))
"""


def serve_once(command, folder):
    began = time.perf_counter()
    database = str(Path(folder) / f"{began}.db")
    server = ServerProcess([*command, "serve", "--port", "0", "--db", database],
                           env=clean_env(GOLDENRECORD_BOOTSTRAP_KEY=new_key()), cwd=folder)
    server.ready()
    elapsed = time.perf_counter() - began
    server.stop()
    return elapsed


def session(pause, tmpdir):
    env = {**clean_env(), "TMPDIR": tmpdir, "PYTHONPATH": str(common.ROOT)}
    output = subprocess.run([sys.executable, "-c", SESSION, str(pause)], env=env, check=True,
                            capture_output=True, text=True, timeout=120).stdout
    return json.loads(output)


def ms(values):
    return f"{statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    folder = common.temp_dir()
    pyz = str(Path(folder) / "goldenrecord.pyz")
    subprocess.run([sys.executable, str(common.ROOT / "goldenrecord.py"), "zipapp", "--output", pyz],
                   check=True, env=clean_env(), capture_output=True)
    rows = {"`goldenrecord serve`": [], "zipapp `serve` (`-I -S`, bare Python)": [],
            "`running()`, first of a session, no template yet": [],
            "`running()`, first of a session, template cached": [],
            "`running()`, later instances, 1 s apart (spare warm)": [],
            "`running()`, later instances, back to back": []}
    names = list(rows)
    cached = tempfile.mkdtemp(dir=folder)
    session(1.0, cached)  # builds the template in `cached`
    for _ in range(args.repeats):
        rows[names[0]].append(serve_once([sys.executable, str(common.ROOT / "goldenrecord.py")], folder))
        rows[names[1]].append(serve_once([sys.executable, "-I", "-S", pyz], folder))
        first_ever = session(1.0, tempfile.mkdtemp(dir=folder))
        rows[names[2]].append(first_ever[0])
        warm = session(1.0, cached)
        rows[names[3]].append(warm[0])
        rows[names[4]].extend(warm[1:])
        rows[names[5]].extend(session(0.0, cached)[1:])
    lines = ["| start-up to a passing /healthz | median |", "|---|---|"]
    lines += [f"| {name} | {ms(values)} |" for name, values in rows.items()]
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    common.publish("startup", f"Start-up, {args.repeats} sessions each ({load})\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
