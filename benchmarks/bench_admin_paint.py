"""First paint of every dashboard page after its data arrives, at 10,000 rows, in a real browser.

    python benchmarks/bench_admin_paint.py [--rows 10000] [--loads 20]

Seeds `--rows` organizations, users, memberships of one organization (its member list)
and request-log rows over 90 days (the analytics page, per hour: 2,160 columns), starts
`goldenrecord serve`, signs in to /admin in Debian's Chromium (Playwright) and opens each
page `--loads` times (the user page: a member's). An init script notes when each API answer's JSON has been parsed
(Response.json resolving: the data has arrived) and when the browser has painted the frame
after it (requestAnimationFrame, then a message posted from it, which runs once that
frame is painted). A page's figure is the time from its last answer to that paint: the
dashboard's own drawing, layout and paint, without the network or the server.
Target: <= 200 ms (p95) on every page.
"""
import argparse
import random
import statistics
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import common  # noqa: E402
from browser import WIDE, launch  # noqa: E402

# Each answer's arrival and the paint after it, in page time (ms).
TIMING = """
(() => {
  window.__arrivals = [];
  const json = Response.prototype.json;
  Response.prototype.json = async function () {
    const data = await json.call(this);
    const entry = { url: this.url, arrived: performance.now(), painted: null };
    window.__arrivals.push(entry);
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { entry.painted = performance.now(); };
      channel.port2.postMessage(null);
    });
    return data;
  };
})();
"""
LAST_PAINT = """
() => {
  const api = window.__arrivals.filter((a) => a.url.includes("/api/v1/"));
  const last = api[api.length - 1];
  return last && last.painted !== null ? { ms: last.painted - last.arrived, answers: api.length } : null;
}
"""


def seed_more(db, org_id, rows):
    """`rows` members of `org_id` and `rows` request-log rows spread over 90 days."""
    import goldenrecord
    from goldenrecord.store.models import ApiKey, Membership, User

    config = goldenrecord.load_config(env={}, overrides={"database.path": str(db)})
    store = goldenrecord.open_store(config)
    now = datetime.now(timezone.utc)
    user_ids = [u.id for u in User.select(User.id).limit(rows)]
    members = [{"id": f"mem_{uuid.uuid4().hex}", "organization": org_id, "user": user_id,
                "role": "role_member", "is_owner": False, "created_at": now, "updated_at": now}
               for user_id in user_ids]
    with store.db.atomic():
        for chunk in range(0, len(members), 500):
            Membership.insert_many(members[chunk:chunk + 500]).execute()
    rng = random.Random(3)
    key_id = ApiKey.select(ApiKey.id).get().id
    store.analytics.record([(now - timedelta(minutes=rng.randrange(90 * 24 * 60)), key_id, None, "GET",
                             rng.choice(["/api/v1/organizations", "/api/v1/users", "/api/v1/organizations/{id}"]),
                             rng.choice([200, 200, 200, 404]), rng.uniform(0.5, 40)) for _ in range(rows)], {})
    store.close()
    return user_ids[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    db = Path(common.temp_dir()) / "paint.db"
    print(f"seeding {args.rows} organizations, users, members and request-log rows ...", flush=True)
    key, org_ids = common.seed(db, organizations=args.rows, users=args.rows)
    user_id = seed_more(db, org_ids[0], args.rows)
    server = common.goldenrecord_server(db, "[rate_limits]\nfree = 1000000000\n")
    pages = {
        "#/organizations": "#main [aria-busy=false]",
        f"#/organizations/{org_ids[0]}": "#main [aria-busy=false]",
        "#/users": "#main [aria-busy=false]",
        f"#/users/{user_id}": "#main [aria-busy=false]",
        "#/keys": "#main [aria-busy=false]",
        "#/webhooks": "#main [aria-busy=false]",
        "#/analytics": ".stats",
    }
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            context = browser.new_context(viewport=WIDE)
            context.add_init_script(TIMING)
            page = context.new_page()
            page.goto(server.url + "/admin")
            page.fill("#key", key)
            page.click("#sign-in button[type=submit]")
            page.wait_for_selector("#main [aria-busy=false]")
            for route, ready in [*pages.items(), ("#/analytics?hourly", ".stats")]:
                times, answers = [], 0
                for i in range(args.loads + 2):  # two warm-up loads
                    page.goto(f"{server.url}/admin{route.split('?')[0]}")
                    page.reload()
                    page.wait_for_selector(ready)
                    if route.endswith("?hourly"):
                        with page.expect_response(lambda r: "/api/v1/analytics" in r.url):
                            page.select_option("#analytics-period", "90")
                        page.wait_for_timeout(200)  # drawn; then only the hourly answer counts
                        page.evaluate("window.__arrivals = []")
                        page.select_option("#analytics-group", "hour")
                        page.wait_for_selector("#main h2:has-text(\"Requests per hour\")")
                    measured = None
                    while measured is None:  # polled from here: the page's CSP forbids eval
                        measured = page.evaluate(LAST_PAINT)
                    if i >= 2:
                        times.append(measured["ms"])
                        answers = measured["answers"]
                results[route] = (times, answers)
            browser.close()
    finally:
        server.stop()
    lines = [f"Command: `python benchmarks/bench_admin_paint.py --rows {args.rows} --loads {args.loads}`", "",
             "| page | API answers | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|"]
    worst = 0.0
    for route, (times, answers) in results.items():
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        worst = max(worst, p95)
        name = route.replace(org_ids[0], ":id").replace(user_id, ":id").replace("?hourly", " (90 days per hour)")
        lines.append(f"| `{name}` | {answers} | {statistics.median(times):.1f} | {p95:.1f} | {max(times):.1f} |")
    lines += ["", f"- target: first paint <= 200 ms after the data arrives (p95, every page): "
                  f"**{'met' if worst <= 200 else 'not met'}** (worst p95 {worst:.1f} ms)"]
    common.publish("admin_paint", "\n".join(lines))


if __name__ == "__main__":
    main()
