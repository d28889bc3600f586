"""How list pages grow with the directory: 10k, 100k and 1M organizations, in process.

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--repeats 3]
                                     [--requests 200] [--dir DIR] [--side 0.1]
    python benchmarks/bench_scale.py --http 10000 [--duration 5] [--repeats 3]
    python benchmarks/bench_scale.py --http-search 1000000 [--duration 5] [--repeats 3]

Builds one database per size (kept in DIR, default benchmarks/results/scale, and reused by
later runs): N verified organizations, N users and one membership each, and N×side API
keys, webhook subscriptions and deliveries of one subscription — bulk-inserted in one
transaction through the tables' triggers (search and row counts), as the API would leave
them. Then it times every list endpoint through the whole app with falcon.testing (no
HTTP, no other threads): page 1, a deep page (a cursor 90% of the way through) and the
filtered lists (one organization's memberships and users, a search), each read from
SQLite every time (the store's in-memory page cache is given no room). Each size is measured
in a child process of its own (one store per process); the sizes are alternated `--repeats`
times and medians taken, so machine noise hits them alike. The report gives each page's
median time per size and its growth from the smallest size to the largest (target: lists
at 1M ≤ 1.5× the same at 10k).

With `--http N`: a page of 20 of organizations, users and memberships over HTTP with wrk
(16 connections) against `goldenrecord serve` on the database of size N, beside the
bare-Falcon ceiling (benchmarks/ceiling_app.py), alternated, medians (target ≥ 30%): the
same page again and again (as the server keeps it in memory) and, for each of the three,
random pages among 5,000 (nearly all misses: pages read from SQLite, "uncached").

With `--http-search N`: `?search=` and autocomplete over the typed queries of the p95 rows
(TYPED, at random), and autocomplete queries never asked before (cache misses), over HTTP
with wrk beside the ceiling, alternated, medians, and the server's resident memory after.

One function per measurement (`measure_*`), so other rows (writes, search) can be added
beside these.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ROOT = common.ROOT


# --- building ------------------------------------------------------------------------

def _stamp(moment):
    from goldenrecord.store.fields import stamp
    return stamp(moment)


def _rows(n, side, start):
    """The rows of a directory of `n` organizations, each with one member, as tuples."""
    from goldenrecord.store.users import email_key
    for i in range(n):
        at = _stamp(start + timedelta(microseconds=i * 7))
        org, user = str(uuid.UUID(int=i + 1)), str(uuid.UUID(int=(1 << 64) + i + 1))
        email = f"user{i:07d}@example.com"
        yield ("organization", (org, f"Organization {i:07d}", f"organization-{i:07d}",
                                f"org{i}.example.com", 1, '{"tier":%d}' % (i % 3), at, at))
        yield ("user", (user, email, email_key(email), f"First{i}", f"Last{i}", "{}", at, at))
        yield ("membership", (f"mem_{i:07d}", org, user, "role_member", at, at))
        if i % round(1 / side) == 0:
            yield ("api_key", (f"key_{i:07d}", f"key {i}", f"hash{i:07d}", "gr_live_xxxxxxxx",
                               org, '["organizations:read"]', at))
            yield ("webhook", (f"wh_{i:07d}", f"hook {i}", "https://example.com/hook", "whsec_x",
                               '["organization.created"]', at, at))
            yield ("event", (f"evt_{i:07d}", "organization.created", "{}", f'["{org}"]', at))
            yield ("delivery", (f"dlv_{i:07d}", f"evt_{i:07d}", "wh_0000000", at, at))


INSERTS = {
    "organization": "INSERT INTO organization (id, name, slug, domain, is_verified, metadata, "
                    "created_at, updated_at, is_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
    "user": 'INSERT INTO "user" (id, email, email_key, first_name, last_name, metadata, '
            "created_at, updated_at, is_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
    "membership": "INSERT INTO membership (id, organization_id, user_id, role_id, created_at, "
                  "updated_at, is_owner) VALUES (?, ?, ?, ?, ?, ?, 0)",
    "api_key": "INSERT INTO api_key (id, name, key_hash, key_prefix, organization_id, scopes, "
               "created_at, tier, allowed_ips) VALUES (?, ?, ?, ?, ?, ?, ?, 'free', '[]')",
    "webhook": "INSERT INTO webhook (id, name, url, secret, events, created_at, updated_at, "
               "is_active, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, 0, '{}')",
    "event": "INSERT INTO event (id, type, payload, organization_ids, created_at) "
             "VALUES (?, ?, ?, ?, ?)",
    "delivery": "INSERT INTO delivery (id, event_id, webhook_id, status, created_at, updated_at, "
                "attempts) VALUES (?, ?, ?, 'succeeded', ?, ?, 1)",
}


def build(db_path, n, side):
    """A database of `n` organizations with a member each (see the module's docstring), with
    returns seconds taken. The fastest honest path: one
    transaction, prepared statements, every trigger firing as for the API's own writes; then
    the search's other indexes (`index_search`)."""
    import goldenrecord
    config = goldenrecord.load_config(env={}, overrides={"database.path": str(db_path)})
    store = goldenrecord.open_store(config)
    began = time.perf_counter()
    start = datetime.now(timezone.utc) - timedelta(days=30)
    batches = {table: [] for table in INSERTS}
    connection = store.db.connection()
    with store.db.atomic():
        for table, row in _rows(n, side, start):
            batches[table].append(row)
            if len(batches[table]) >= 5000:
                _flush(connection, batches)
        _flush(connection, batches)
    index_search(store)
    store.close()
    return time.perf_counter() - began


def index_search(store):
    """Give the rows the search indexes the triggers do not keep (typo variants, index
    forms, the vocabulary prefixes are expanded from), as the API's writes or `goldenrecord
    search reindex` leave them: the bulk insert fires only the full-text triggers, and
    without a vocabulary every prefix would be left to FTS5. The rebuild of `search
    reindex`, in long transactions with no pauses (nothing else writes here)."""
    from goldenrecord import search
    search.reindex(store.db, store.db.atomic, pause=lambda seconds: None, budget=30)


def _flush(connection, batches):
    """Insert and empty every batch, in INSERTS order: parents before their children."""
    for table, batch in batches.items():
        connection.executemany(INSERTS[table], batch)
        batch.clear()


# --- measuring (in a child process, one database) --------------------------------------

class Lists:
    """The app of one database with falcon.testing, and helpers to time its list pages."""

    def __init__(self, db_path, requests):
        import falcon.testing
        import goldenrecord
        from goldenrecord.restapi.cursors import Cursors
        from goldenrecord.store.cache import GenerationCache
        from goldenrecord.store.pages import PageCache
        config = goldenrecord.load_config(env={}, overrides={
            "database.path": str(db_path), "rate_limits.enabled": False,
            "analytics.enabled": False})
        self.service = goldenrecord.GoldenRecord(config)
        self.store = self.service.store
        # measure what a page costs read from SQLite: the pages kept in memory get no room
        self.store.pages = PageCache(self.store.changes, max_entries=0)
        self.store.organizations._autocomplete_cache = GenerationCache(0)  # every answer made
        self.client = falcon.testing.TestClient(self.service.app)
        self.cursors = Cursors(self.store.setting("cursor_secret"))
        _, plaintext = self.store.api_keys.create(name="bench", scopes=["*:*"], tier="enterprise")
        self.headers = {"Authorization": f"Bearer {plaintext}"}
        self.requests = requests

    def sql(self, statement, params=()):
        return self.store.db.execute_sql(statement, params).fetchone()

    def time_get(self, path, params=None):
        """Median milliseconds of GET `path` (after a warm-up), checked to answer 200."""
        result = self.client.simulate_get(path, params=params, headers=self.headers)
        assert result.status_code == 200, result.text
        times = []
        for _ in range(self.requests):
            began = time.perf_counter()
            self.client.simulate_get(path, params=params, headers=self.headers)
            times.append(time.perf_counter() - began)
        return statistics.median(times) * 1000

    def time_p95(self, path, params_list):
        """p95 milliseconds of GET `path` over `params_list`, each asked `requests` times
        after a warm-up round."""
        times = []
        for round_number in range(self.requests + 1):
            for params in params_list:
                began = time.perf_counter()
                result = self.client.simulate_get(path, params=params, headers=self.headers)
                if round_number:
                    times.append(time.perf_counter() - began)
                assert result.status_code == 200, result.text
        return statistics.quantiles(times, n=20, method="inclusive")[-1] * 1000

    def deep_cursor(self, name, table, where="1"):
        """A cursor 90% of the way through `table`'s rows matching `where`, in list order."""
        count = self.sql(f'SELECT count(*) FROM "{table}" WHERE {where}')[0]
        position = self.sql(f'SELECT created_at, id FROM "{table}" WHERE {where} '
                            "ORDER BY created_at, id LIMIT 1 OFFSET ?", (count * 9 // 10,))
        return self.cursors.dump(name, position)

    def pages(self, path, name, table, where="1"):
        """{page 1, deep page} median ms of the list at `path`."""
        return {"page 1": self.time_get(path, {"limit": 20}),
                "deep": self.time_get(path, {"limit": 20,
                                             "cursor": self.deep_cursor(name, table, where)})}


def measure_organizations(lists):
    return lists.pages("/api/v1/organizations", "organizations", "organization", "is_verified")


def measure_users(lists):
    return lists.pages("/api/v1/users", "users", "user")


def measure_memberships(lists):
    return lists.pages("/api/v1/memberships", "memberships", "membership")


def measure_keys(lists):
    return lists.pages("/api/v1/keys", "keys", "api_key")


def measure_webhooks(lists):
    return lists.pages("/api/v1/webhooks", "webhooks", "webhook")


def measure_deliveries(lists):
    return lists.pages("/api/v1/webhooks/wh_0000000/deliveries", "deliveries:wh_0000000",
                       "delivery", "webhook_id = 'wh_0000000'")


def measure_filtered(lists):
    """One organization's memberships and users (the middle one of the directory)."""
    n = lists.sql("SELECT count(*) FROM organization")[0]
    org = str(uuid.UUID(int=n // 2 + 1))
    return {"memberships of an org": lists.time_get("/api/v1/memberships",
                                                    {"organizationId": org, "limit": 20}),
            "users of an org": lists.time_get("/api/v1/users", {"organizationId": org, "limit": 20})}


def measure_search(lists):
    """A search list page for one whole name (few matches) and for a word in every name."""
    n = lists.sql("SELECT count(*) FROM organization")[0]
    return {"search, one name": lists.time_get("/api/v1/organizations", {
                "search": f"Organization {n // 2:07d}", "limit": 20}),
            "search, word in every name": lists.time_get("/api/v1/organizations", {
                "search": "organization", "limit": 20})}


# Queries as typed into a search box: a word in every name, cut as typed, and a name with
# a word in every name before the typed part of its number; the first letters typed into
# an autocomplete box (`o`, `or`, `org`: prefixes of a million terms here, as every domain
# begins `org…`; `co`, `a`); the p95 over them all.
TYPED = ("organization", "organizati", "organi", "organization 000", "organization 00005",
         "organization 0000123", "Organization 0000500", "organisation",
         "o", "or", "org", "co", "a")


def measure_search_p95(lists):
    """p95 of `?search=` pages (limit 20) and of autocomplete (limit 10) over TYPED,
    every answer computed (no cache)."""
    searches = [{"search": text, "limit": 20} for text in TYPED]
    typed = [{"q": text, "limit": 10} for text in TYPED]
    return {"search p95 (typed queries)": lists.time_p95("/api/v1/organizations", searches),
            "autocomplete p95 (typed queries)": lists.time_p95(
                "/api/v1/organizations/autocomplete", typed)}


# The typed queries left above 15 ms at 1M after issue 17's search-prefix pass, one by one,
# and the user search whose first letter every email begins with (`user…`) and no name.
EACH = ("co", "org1", "Organization 0000500")


def measure_search_each(lists):
    """Median ms of each of EACH as `?search=` (limit 20) and autocomplete (limit 10), and
    of the user search `u` (limit 20)."""
    found = {}
    for text in EACH:
        found[f"`?search={text}`"] = lists.time_get("/api/v1/organizations",
                                                    {"search": text, "limit": 20})
        found[f"autocomplete `{text}`"] = lists.time_get("/api/v1/organizations/autocomplete",
                                                         {"q": text, "limit": 10})
    found["users `?search=u`"] = lists.time_get("/api/v1/users", {"search": "u", "limit": 20})
    return found


MEASUREMENTS = {
    "organizations": measure_organizations, "users": measure_users,
    "memberships": measure_memberships, "keys": measure_keys, "webhooks": measure_webhooks,
    "deliveries": measure_deliveries, "filtered": measure_filtered, "search": measure_search,
    "search_p95": measure_search_p95, "search_each": measure_search_each,
}


def measure(db_path, requests, names):
    """Every measurement named in `names` on one database: {row label: ms}."""
    lists = Lists(db_path, requests)
    rows = {}
    try:
        for name in names:
            for label, ms in MEASUREMENTS[name](lists).items():
                rows[label if name in ("filtered", "search", "search_p95", "search_each")
                       else f"{name}, {label}"] = ms
    finally:
        lists.service.close()
    return rows


# --- over HTTP (wrk against `goldenrecord serve`, beside the bare-Falcon ceiling) -------

HTTP_LISTS = ("/api/v1/organizations?limit=20", "/api/v1/users?limit=20",
              "/api/v1/memberships?limit=20")
# Pages asked at random among this many: far more than the server keeps in memory
# (store/pages.py, PAGES_CACHED), so nearly every request is a miss that reads SQLite.
COLD_PAGES = 5000
# list name (of its cursors) -> (table, condition of the list's rows), for the random pages
COLD_LISTS = {"organizations": ("organization", "is_verified"), "users": ('"user"', "1"),
              "memberships": ("membership", "1")}


def cold(name):
    return f"{name}, random page (cache misses)"


UNLIMITED = "[rate_limits]\n" + "".join(
    f"{tier} = 1000000000\n" for tier in ("free", "basic", "pro", "enterprise"))


def admin_key(db_path):
    """A new `*:*` key on the database at `db_path` (made before its server starts)."""
    import goldenrecord
    config = goldenrecord.load_config(env={}, overrides={"database.path": str(db_path)})
    store = goldenrecord.open_store(config)
    try:
        return store.api_keys.create(name="bench", scopes=["*:*"], tier="enterprise")[1]
    finally:
        store.close()


def cold_pages_script(db_path, directory, name):
    """A wrk script asking pages of 20 of list `name` at COLD_PAGES random cursors."""
    import goldenrecord
    from goldenrecord.restapi.cursors import Cursors
    table, where = COLD_LISTS[name]
    config = goldenrecord.load_config(env={}, overrides={"database.path": str(db_path)})
    store = goldenrecord.open_store(config)
    try:
        cursors = Cursors(store.setting("cursor_secret"))
        positions = store.db.execute_sql(
            f"SELECT created_at, id FROM {table} WHERE {where} ORDER BY random() LIMIT ?",
            (COLD_PAGES,)).fetchall()
    finally:
        store.close()
    tokens = [cursors.dump(name, position) for position in positions]
    return common.random_ids_script(directory, tokens, f"/api/v1/{name}?limit=20&cursor=%s",
                                    name=f"{name}.lua")


def measure_http_lists(db_path, *, duration, repeats, connections=16):
    """Requests/s of a page of 20 of each of HTTP_LISTS (the same page again and again),
    of random pages of each (the cold ones: nearly all read from SQLite) and of the
    ceiling: see `measure_http`."""
    scripts = {cold(name): cold_pages_script(db_path, Path(db_path).parent, name)
               for name in COLD_LISTS}

    def subjects(url, _round):
        return ([(path, url + path, {}) for path in HTTP_LISTS]
                + [(name, url + "/", {"script": script}) for name, script in scripts.items()])
    return measure_http(db_path, subjects, duration=duration, repeats=repeats,
                        connections=connections)


# Never-repeated autocomplete queries per round of `measure_http_search` (at most one per
# name): more than a run of a few seconds asks, so that every one is a cache miss. Each
# round misspells the word in every name its own way (Typesense-like 2 edits for a word
# of 12 letters), so no round asks another's queries.
MISSES = 30_000
MISSPELT = ("organizaiton", "orgnaization", "organisation", "organizatoin", "oragnization",
            "organizaton")


def measure_http_search(db_path, *, duration, repeats, connections=16):
    """Requests/s of `?search=` pages (limit 20) and autocomplete (limit 10) over TYPED,
    at random, of autocomplete queries never asked before (each a cache miss: a name's
    number after the word in every name misspelt, `organizaiton 0001234`, walked in
    order, new ones every round: MISSPELT), and of the ceiling: see `measure_http`."""
    from urllib.parse import quote
    directory = Path(db_path).parent
    typed = [quote(text) for text in TYPED]
    searches = common.random_ids_script(directory, typed, "/api/v1/organizations?limit=20&"
                                        "search=%s", name="typed_search.lua")
    completions = common.random_ids_script(directory, typed, "/api/v1/organizations/"
                                           "autocomplete?limit=10&q=%s", name="typed_ac.lua")
    names = int(Path(db_path).stem.split("-")[-1])  # scale-N.db

    def misses(round_number):
        script = directory / f"misses{round_number}.lua"
        word = MISSPELT[round_number % len(MISSPELT)]
        quoted = ",".join(f'"{word}%20{n:07d}"' for n in range(min(MISSES, names)))
        script.write_text(f"local qs = {{{quoted}}}\nlocal i = 0\nrequest = function()\n"
                          "  i = i + 1\n  return wrk.format(\"GET\", "
                          "\"/api/v1/organizations/autocomplete?limit=10&q=\" .. qs[i % #qs + 1])\n"
                          "end\n")
        return str(script)

    def subjects(url, round_number):
        return [("search, typed queries", url + "/", {"script": searches}),
                ("autocomplete, typed queries", url + "/", {"script": completions}),
                ("autocomplete, never-repeated queries (misses)", url + "/",
                 {"script": misses(round_number)})]
    assert repeats <= len(MISSPELT), "a round would ask another's queries again"
    return measure_http(db_path, subjects, duration=duration, repeats=repeats,
                        connections=connections)


def measure_http(db_path, subjects, *, duration, repeats, connections=16):
    """Requests/s of each of `subjects(server url, round)` ([(name, url, wrk options)])
    against `goldenrecord serve` on `db_path`, and of the ceiling, alternated `repeats`
    times: ({subject: (median requests/s, share of the ceiling, median server CPU µs per
    request)}, the server's resident MiB at the end)."""
    key = admin_key(db_path)
    server, ceiling = common.goldenrecord_server(db_path, UNLIMITED), common.ceiling_server()
    runs, cpu = {"ceiling": []}, {"ceiling": []}
    options = dict(duration=duration, connections=connections, key=key)
    try:
        for round_number in range(repeats):
            result = common.wrk_with_cpu(ceiling, ceiling.url + "/x", duration=duration,
                                         connections=connections)
            runs["ceiling"].append(result["rps"])
            cpu["ceiling"].append(result["cpu_us"])
            for name, url, extra in subjects(server.url, round_number):
                result = _checked(common.wrk_with_cpu(server, url, **options, **extra))
                runs.setdefault(name, []).append(result["rps"])
                cpu.setdefault(name, []).append(result["cpu_us"])
        rss = server.rss_mib()
    finally:
        server.stop()
        ceiling.stop()
    rps = {name: statistics.median(values) for name, values in runs.items()}
    return {name: (value, value / rps["ceiling"], statistics.median(cpu[name]))
            for name, value in rps.items()}, rss


def _checked(result):
    """A wrk run's result, checked that every answer was a 2xx."""
    assert result["non2xx"] == 0, result
    return result


def report_http(db_path, figures, rss):
    """A Markdown table of `measure_http_lists`, and the server's resident memory after."""
    lines = [f"| over HTTP ({Path(db_path).name}) | requests/s | vs ceiling | server CPU µs "
             "per request |", "|---|---|---|---|"]
    lines += [f"| {name} | {rps:.0f} | {share:.0%} | {cpu:.0f} |"
              for name, (rps, share, cpu) in figures.items()]
    return "\n".join(lines) + f"\n\nserver resident memory after the runs: {rss:.0f} MiB"


# --- the run -------------------------------------------------------------------------

def database_for(directory, n, side):
    """The database of size `n`, built if it is not there yet."""
    path = Path(directory) / f"scale-{n}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for leftover in Path(directory).glob(partial.name + "*"):
            leftover.unlink()
        seconds = build(partial, n, side)
        partial.rename(path)
        # the secret key file beside it (store/sqlite/keys.py: the database's path + ".key")
        Path(f"{partial}.key").rename(f"{path}.key")
        print(f"built {path} ({n:,} organizations) in {seconds:.1f} s", file=sys.stderr)
    return path


def child(path, requests, names):
    output = subprocess.run([sys.executable, __file__, "--measure", str(path),
                             "--requests", str(requests), "--only", ",".join(names)],
                            capture_output=True, text=True, check=True, cwd=str(ROOT)).stdout
    return json.loads(output)


def report(sizes, medians):
    """A Markdown table: each row's median ms per size, and growth smallest -> largest."""
    first, last = sizes[0], sizes[-1]
    lines = ["| list page | " + " | ".join(f"{n:,} ms" for n in sizes)
             + f" | {last:,} / {first:,} |", "|---" * (len(sizes) + 2) + "|"]
    for label in medians[first]:
        cells = " | ".join(f"{medians[n][label]:.2f}" for n in sizes)
        lines.append(f"| {label} | {cells} | {medians[last][label] / medians[first][label]:.2f}× |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--side", type=float, default=0.1,
                        help="keys, webhooks and deliveries per organization")
    parser.add_argument("--dir", default=str(ROOT / "benchmarks" / "results" / "scale"))
    parser.add_argument("--only", default=",".join(MEASUREMENTS))
    parser.add_argument("--http", type=int, metavar="N",
                        help="instead: list throughput over HTTP at N organizations (wrk)")
    parser.add_argument("--http-search", type=int, metavar="N",
                        help="instead: search and autocomplete over HTTP at N organizations")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child's database
    args = parser.parse_args()
    names = args.only.split(",")
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests, names)))
        return
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    if args.http_search:
        path = database_for(args.dir, args.http_search, args.side)
        print(report_http(path, *measure_http_search(path, duration=args.duration,
                                                     repeats=args.repeats)))
        return
    if args.http:
        path = database_for(args.dir, args.http, args.side)
        print(report_http(path, *measure_http_lists(path, duration=args.duration,
                                                    repeats=args.repeats)))
        return
    sizes = [int(n) for n in args.sizes.split(",")]
    paths = {n: database_for(args.dir, n, args.side) for n in sizes}
    runs = {n: [] for n in sizes}
    for repeat in range(args.repeats):
        for n in sizes:  # alternated: each round measures every size once
            runs[n].append(child(paths[n], args.requests, names))
            print(f"round {repeat + 1}: {n:,} done", file=sys.stderr)
    medians = {n: {label: statistics.median(run[label] for run in runs[n]) for label in runs[n][0]}
               for n in sizes}
    table = report(sizes, medians)
    print(table)
    out = ROOT / "benchmarks" / "results" / "bench_scale.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n")


if __name__ == "__main__":
    main()
