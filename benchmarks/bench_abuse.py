"""Hostile search and indexing input at 10,000 organizations: what one request costs.

    python benchmarks/bench_abuse.py [--organizations 10000] [--repeats 3]

Builds a database of organizations and users named from the search benchmark's word
lists (seeded), then sends hostile inputs through the whole WSGI app in process
(falcon.testing): searches, autocomplete and user searches with text that normalization
expands (U+3300-U+3357: one character, 3-6 letters), random mixes, the longest words
that still get typo tolerance, one-letter tokens; creates and updates of organizations
and users named with such text, directly and through a signed WorkOS webhook. Reports
per request its server time, the resident memory that stays after it (VmRSS after a
garbage collection, minus before), its peak above the start, and for writes the growth
of the database file (measured after a WAL checkpoint) and the variant rows it added.

Bounds (issue 14): any request <= 250 ms and <= 20 MB of memory that stays; a create
or update grows the database file by <= 64 KB.
"""
import argparse
import gc
import json
import os
import random
import string
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_search  # noqa: E402
import common  # noqa: E402

BOUND_MS, BOUND_RSS_MIB, BOUND_GROWTH = 250, 20, 64 * 1024
SECRET = "whsec_bench_abuse"
SQUARES = "".join(chr(c) for c in range(0x3300, 0x3358))


def squares(count, start=0):
    """`count` characters of U+3300-U+3357 from the `start`th, each 3-6 letters after NFKD."""
    cycle = SQUARES[start % len(SQUARES):] + SQUARES[:start % len(SQUARES)]
    return (cycle * (count // len(cycle) + 1))[:count]


def hostile_texts(rng):
    """name -> a text of at most 200 characters (the API's limit for names and searches),
    new words at every call, so that no write finds its terms already indexed."""
    start = rng.randrange(len(SQUARES))
    mix = "".join(rng.choice([chr(rng.randrange(0x3300, 0x3358)), " ", rng.choice(string.ascii_letters),
                              rng.choice("-.'0123456789")]) for _ in range(200))
    longest = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(20))
                       for _ in range(10))[:200]
    pairs = squares(134, start)
    return {
        "U+3300 x200": squares(200, start),
        "U+3300 x50": squares(50, start),
        "random mix": mix,
        "U+33xx pairs": " ".join(pairs[i:i + 2] for i in range(0, len(pairs), 2)),
        "20-letter words": longest,
        "one-letter tokens": " ".join(rng.sample(string.ascii_lowercase, 26) * 4)[:200],
        # Real words of many organizations, each with one typo: many candidates and matches.
        "common words, typos": " ".join(bench_search.typo(rng, w.lower(), 1)
                                        for w in bench_search.SUFFIXES)[:200],
    }


def build(db, count, rng):
    """`count` organizations and as many users, indexed as `goldenrecord search reindex` does."""
    import goldenrecord
    from goldenrecord.store.models import Organization, User
    from goldenrecord.store.users import email_key

    vocabulary = bench_search.words(rng, 20_000)
    store = goldenrecord.open_store(goldenrecord.load_config(env={}, overrides={"database.path": str(db)}))
    start = datetime.now(timezone.utc) - timedelta(days=1)
    orgs, users = [], []
    for i in range(count):
        at = start + timedelta(microseconds=i * 7)
        name = " ".join(rng.sample(vocabulary, rng.randint(1, 2))) + " " + rng.choice(bench_search.SUFFIXES)
        orgs.append({"id": str(uuid.uuid4()), "name": name, "slug": f"org-{i}", "is_verified": True,
                     "domain": f"{name.split()[0].lower()}.example.com",
                     "metadata": {}, "created_at": at, "updated_at": at})
        first, last = rng.sample(vocabulary, 2)
        email = f"{first.lower()}.{last.lower()}{i}@example.com"
        users.append({"id": str(uuid.uuid4()), "email": email, "email_key": email_key(email),
                      "first_name": first, "last_name": last, "metadata": {},
                      "created_at": at, "updated_at": at})
    with store.db.atomic():
        for chunk in range(0, count, 500):
            Organization.insert_many(orgs[chunk:chunk + 500]).execute()
            User.insert_many(users[chunk:chunk + 500]).execute()
    store.reindex_search()
    store.close()
    return [o["id"] for o in orgs], [u["id"] for u in users]


def rss_kib(field="VmRSS"):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak():
    """Reset VmHWM (Linux 4.0+), so the peak of the next request can be read."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


@dataclass
class Sample:
    """One request's costs; the write fields stay None for reads."""

    label: str
    status: int
    ms: float
    peak_mib: float
    kept_mib: float = 0.0
    growth: int | None = None  # bytes of database file
    in_use: int | None = None  # bytes of pages in use (the file less its free list)
    rows: int | None = None  # variant rows added
    grew_most: str = ""  # the table or index that grew most (dbstat)


class Harness:
    def __init__(self, gr, db):
        import falcon.testing

        self.gr, self.db = gr, db
        self.client = falcon.testing.TestClient(gr.app)
        _, key = gr.store.api_keys.create(name="bench", scopes=["*:*"], tier="enterprise")
        self.headers = {"Authorization": f"Bearer {key}"}
        self.samples = []

    def file_size(self):
        """(bytes of the database file, bytes of its pages in use), after a checkpoint.

        The two differ by the free list: FTS5 merges its segments a little on every write,
        and a merge writes its output before it frees its inputs, so now and then one
        write grows the file by a few hundred KB that later writes reuse, whatever it wrote.
        """
        sql = self.gr.store.db.execute_sql
        sql("PRAGMA wal_checkpoint(TRUNCATE)")
        in_use = sql("PRAGMA page_count").fetchone()[0] - sql("PRAGMA freelist_count").fetchone()[0]
        return os.path.getsize(self.db), in_use * sql("PRAGMA page_size").fetchone()[0]

    def table_sizes(self):
        """Bytes of pages per table and index (SQLite's dbstat), to say what grew."""
        return dict(self.gr.store.db.execute_sql(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())

    def variants(self):
        return self.gr.store.db.execute_sql("SELECT count(*) FROM search_variant").fetchone()[0]

    def request(self, method, path, **kw):
        kw.setdefault("headers", self.headers)
        return self.client.simulate_request(method, path, **kw)

    def measure(self, label, method, path, *, write=False, **kw):
        """Send one request; record its status, time, memory kept and peak, and for a
        write the growth of the file and of the variant index."""
        before_write = (self.file_size(), self.variants(), self.table_sizes()) if write else None
        gc.collect()
        before = rss_kib()
        reset_peak()
        began = time.perf_counter()
        result = self.request(method, path, **kw)
        sample = Sample(label=f"{method} {label}", status=result.status_code,
                        ms=(time.perf_counter() - began) * 1000,
                        peak_mib=max(rss_kib("VmHWM") - before, 0) / 1024)
        gc.collect()
        sample.kept_mib = (rss_kib() - before) / 1024
        if write:
            (size, in_use), rows, tables = before_write
            now_size, now_in_use = self.file_size()
            grew = {name: pages - tables.get(name, 0) for name, pages in self.table_sizes().items()}
            sample.growth, sample.in_use = now_size - size, now_in_use - in_use
            sample.rows = self.variants() - rows
            sample.grew_most = max(grew, key=grew.get) if max(grew.values()) > 0 else ""
        self.samples.append(sample)
        return result


def searches(h, texts, repeats):
    for name, text in texts.items():
        for _ in range(repeats):
            h.measure(f"search: {name}", "GET", "/api/v1/organizations", params={"search": text})
            h.measure(f"autocomplete: {name}", "GET", "/api/v1/organizations/autocomplete",
                      params={"q": text, "limit": 20})
            h.measure(f"users search: {name}", "GET", "/api/v1/users", params={"search": text})


def writes(h, make_texts, org_ids, user_ids, repeats):
    """Creates and updates named with each kind of text, fresh text for every request."""
    from goldenrecord.workos_sync import signature

    for name in make_texts():
        for n in range(repeats):
            text = lambda: make_texts()[name]  # noqa: E731
            tag = uuid.uuid4().hex[:8]
            h.measure(f"create org: {name}", "POST", "/api/v1/organizations", write=True,
                      json={"name": text(), "slug": f"abuse-{tag}"})
            h.measure(f"rename org: {name}", "PUT", f"/api/v1/organizations/{org_ids[n]}",
                      write=True, json={"name": text()})
            first, last = text(), text()
            profile = {"firstName": first[:100], "lastName": last[:100]}
            h.measure(f"create user: {name}", "POST", "/api/v1/users", write=True,
                      json={"email": f"{tag}@example.com", **profile})
            first, last = text(), text()
            email = "".join(first.split())[:100] or "x"
            h.measure(f"update user: {name}", "PUT", f"/api/v1/users/{user_ids[n]}", write=True,
                      json={"firstName": first[:100], "lastName": last[:100],
                            "email": f"{email}{tag}@x.example"})
            first, last = text(), text()
            event = {"object": "event", "id": f"event_{tag}", "event": "user.created",
                     "created_at": "2026-01-15T10:29:00.000Z",
                     "data": {"object": "user", "id": f"user_{tag}", "email": f"w{tag}@example.com",
                              "first_name": first[:100], "last_name": last[:100],
                              "updated_at": "2026-01-15T10:29:00.000Z"}}
            raw = json.dumps(event).encode()
            stamp = int(time.time() * 1000)
            h.measure(f"WorkOS user.created: {name}", "POST", "/api/webhooks/workos", write=True,
                      body=raw, headers={"WorkOS-Signature": signature.header(SECRET, stamp, raw),
                                         "Content-Type": "application/json"})


def report(h, args, build_seconds):
    """One line per kind of request over its repeats: median and worst time, worst of the
    rest; then the bounds, met or not."""
    by_label = {}
    for sample in h.samples:
        by_label.setdefault(sample.label, []).append(sample)
    lines = [f"Command: `python benchmarks/bench_abuse.py --organizations {args.organizations} "
             f"--repeats {args.repeats}` (database built in {build_seconds:.0f} s)", "",
             "Per request: the median and the worst server time of the repeats, the worst of "
             "the rest; for writes, the worst file growth and the table that grew most then.", "",
             "| request | status | server ms p50 / max | RSS kept MiB | peak above start MiB "
             "| db file growth bytes (in use), grew most | variant rows added |",
             "|---|---|---|---|---|---|---|"]
    for label, runs in by_label.items():
        times = sorted(r.ms for r in runs)
        worst = max(runs, key=lambda r: r.growth or 0)
        growth = "" if worst.growth is None else f"{worst.growth} ({worst.in_use}) {worst.grew_most}"
        rows = "" if worst.rows is None else max(r.rows for r in runs)
        lines.append(f"| {label} | {'/'.join(sorted({str(r.status) for r in runs}))} | "
                     f"{times[len(times) // 2]:.1f} / {times[-1]:.1f} | "
                     f"{max(r.kept_mib for r in runs):.2f} | {max(r.peak_mib for r in runs):.1f} | "
                     f"{growth} | {rows} |")
    samples = h.samples
    slowest = max(r.ms for r in samples)
    kept = max(r.kept_mib for r in samples)
    growth = max(r.growth or 0 for r in samples)
    in_use = max(r.in_use or 0 for r in samples)
    errors = sorted({r.label for r in samples if r.status >= 500})
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    lines += ["",
              f"- slowest request: **{slowest:.1f} ms** (bound {BOUND_MS} ms: "
              f"{verdict(slowest <= BOUND_MS)})",
              f"- most resident memory kept by one request: **{kept:.2f} MiB** "
              f"(bound {BOUND_RSS_MIB} MB: {verdict(kept <= BOUND_RSS_MIB)})",
              f"- largest growth of the database file by one create or update: **{growth} bytes** "
              f"(bound {BOUND_GROWTH}: {verdict(growth <= BOUND_GROWTH)}); of its pages in use: "
              f"**{in_use} bytes** ({verdict(in_use <= BOUND_GROWTH)})",
              f"- answers of 500 or more: {', '.join(errors) if errors else 'none'}"]
    common.publish("abuse", "\n".join(lines))


def main():
    import goldenrecord

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    db = Path(common.temp_dir()) / "abuse.db"
    print(f"building {args.organizations} organizations and users ...", flush=True)
    began = time.perf_counter()
    org_ids, user_ids = build(db, args.organizations, random.Random(7))
    build_seconds = time.perf_counter() - began
    config = goldenrecord.load_config(env={}, overrides={
        "database.path": str(db), "workos.webhook_secret": SECRET, "analytics.enabled": False,
        "rate_limits.enabled": False})
    gr = goldenrecord.GoldenRecord(config)
    try:
        h = Harness(gr, db)
        # Warm up every route with ordinary input: first-use costs are not the input's.
        searches(h, {"warm-up": "acme corporation"}, 2)
        writes(h, lambda: {"warm-up": "Acme Corporation"}, org_ids[-2:], user_ids[-2:], 2)
        h.samples.clear()
        # Ordinary input first, measured the same way, as the yardstick for the rest.
        searches(h, {"ordinary": "globex corporaton"}, args.repeats)
        writes(h, lambda: {"ordinary": f"Globex Corporation {uuid.uuid4().hex[:6]}"},
               org_ids[args.repeats:], user_ids[args.repeats:], args.repeats)
        rng = random.Random(3)
        searches(h, hostile_texts(rng), args.repeats)
        writes(h, lambda: hostile_texts(rng), org_ids, user_ids, args.repeats)
        report(h, args, build_seconds)
    finally:
        gr.close()


if __name__ == "__main__":
    main()
