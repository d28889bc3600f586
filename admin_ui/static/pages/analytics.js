// Analytics: requests per day and per endpoint as bar charts, success rate and latency.

import { api } from "../api.js";
import { empty, h, replace } from "../dom.js";
import { barChart } from "../chart.js";

const PERIODS = [["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"]];

function stat(label, value) {
  return h("div", { class: "stat" }, h("div", { class: "stat-value" }, value), h("div", { class: "muted" }, label));
}

export async function analyticsPage(view) {
  const period = h("select", { id: "analytics-period", "aria-label": "Period" },
    PERIODS.map(([days, label]) => h("option", { value: days }, label)));
  const body = h("div");
  async function show() {
    const start = new Date(Date.now() - Number(period.value) * 86400000).toISOString().slice(0, 10);
    const { data } = await api.get("/analytics", { startDate: start });
    const s = data.summary;
    replace(body,
      h("div", { class: "stats" },
        stat("requests", s.totalRequests.toLocaleString()),
        stat("success rate", `${s.successRate}%`),
        stat("failed", s.failedRequests.toLocaleString()),
        stat("average latency", `${s.avgResponseTimeMs} ms`)),
      h("h2", null, "Requests per day"),
      data.byDay.length ? barChart(data.byDay, { label: (d) => d.date, value: (d) => d.count, title: "Requests per day" })
        : empty("No requests in this period."),
      h("h2", null, "Requests per endpoint (under /api/v1)"),
      data.byEndpoint.length ? barChart(data.byEndpoint.slice(0, 15), {
        label: (e) => `${e.method} ${e.endpoint.replace(/^\/api\/v1/, "")}`, value: (e) => e.count,
        format: (n) => String(n), title: "Requests per endpoint" })
        : empty("No requests in this period."),
      data.byEndpoint.length ? h("div", { class: "scroll" }, h("table", null,
        h("thead", null, h("tr", null, ["Endpoint", "Requests", "Average ms"].map((t) => h("th", null, t)))),
        h("tbody", null, data.byEndpoint.map((e) => h("tr", null,
          h("td", { class: "mono small" }, `${e.method} ${e.endpoint}`), h("td", null, String(e.count)),
          h("td", null, String(e.avgMs))))))) : null);
  }
  period.addEventListener("change", () => show().catch((error) => replace(body, h("p", { class: "error", role: "alert" }, error.message))));
  replace(view, h("h1", null, "Analytics"), h("div", { class: "toolbar" }, period), body);
  await show();
}
