// Analytics: requests per day or hour as a time series, latency percentiles, the busiest
// keys and the busiest endpoints, over the last 7, 30 or 90 days (or 1 day by hour).

import { api } from "../api.js";
import { barChart, timeChart } from "../chart.js";
import { errorBox, empty, h, replace, table } from "../dom.js";

const PERIODS = [["1", "Last 24 hours"], ["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"]];
const GROUPS = [["day", "Per day"], ["hour", "Per hour"]];

function stat(label, value) {
  return h("div", { class: "stat" }, h("div", { class: "stat-value" }, value), h("div", { class: "muted" }, label));
}

function keyName(row) {
  return row.name ? `${row.name} (${row.keyPrefix}…)` : `${row.apiKeyId} (deleted)`;
}

export async function analyticsPage(view) {
  const period = h("select", { id: "analytics-period", "aria-label": "Period" },
    PERIODS.map(([days, label]) => h("option", { value: days }, label)));
  period.value = "7";
  const grouping = h("select", { id: "analytics-group", "aria-label": "Per day or per hour" },
    GROUPS.map(([value, label]) => h("option", { value }, label)));
  const body = h("div", { "aria-live": "polite" });
  let latest = 0;  // a change made while an answer was on its way supersedes that answer
  async function show() {
    const asked = ++latest;
    const start = new Date(Date.now() - Number(period.value) * 86400000).toISOString().slice(0, 19) + "Z";
    const hourly = grouping.value === "hour";
    const { data } = await api.get("/analytics", { startDate: start, groupBy: grouping.value });
    if (asked !== latest) return;
    const s = data.summary;
    const p = data.latencyPercentiles;
    const series = hourly ? data.byHour : data.byDay;
    const at = hourly ? (d) => d.hour.slice(5, 16).replace("T", " ") : (d) => d.date;
    replace(body,
      h("div", { class: "stats" },
        stat("requests", s.totalRequests.toLocaleString()),
        stat("success rate", `${s.successRate}%`),
        stat("failed", s.failedRequests.toLocaleString()),
        stat("average latency", `${s.avgResponseTimeMs} ms`),
        stat("p50 / p95 / p99", `${p.p50} / ${p.p95} / ${p.p99} ms`)),
      h("h2", null, hourly ? "Requests per hour (UTC)" : "Requests per day (UTC)"),
      series.length ? timeChart(series, { label: at, value: (d) => d.count, title: hourly ? "Requests per hour" : "Requests per day" })
        : empty("No requests in this period."),
      h("h2", null, "Busiest keys"),
      data.byKey.length ? barChart(data.byKey, { label: keyName, value: (k) => k.count, title: "Requests per API key" })
        : empty("No requests in this period."),
      h("h2", null, "Requests per endpoint"),
      data.byEndpoint.length ? barChart(data.byEndpoint.slice(0, 15), {
        label: (e) => `${e.method} ${e.endpoint.replace(/^\/api\/v1/, "")}`, value: (e) => e.count,
        title: "Requests per endpoint" }) : empty("No requests in this period."),
      data.byEndpoint.length ? h("details", null, h("summary", null, "Every endpoint, with its average time"), table(["Endpoint", "Requests", "Average ms"], data.byEndpoint.map((e) => h("tr", null,
        h("td", { class: "mono small" }, `${e.method} ${e.endpoint}`), h("td", null, String(e.count)),
        h("td", null, String(e.avgMs)))))) : null);
  }
  const refresh = () => {
    const asked = latest + 1;
    show().catch((error) => { if (asked === latest) replace(body, errorBox(error)); });
  };
  period.addEventListener("change", refresh);
  grouping.addEventListener("change", refresh);
  replace(view, h("h1", null, "Analytics"), h("div", { class: "toolbar" }, period, grouping), body);
  await show();
}
