// The audit log: who changed what, when and from where. Filters are the API's own
// (GET /audit-logs), checked by the API: a refused one is shown at its field. Applied
// filters are kept in the address (#/audit?organizationId=…), so a view can be bookmarked
// and other pages can link to one. Export downloads GET /audit-logs/export (CSV or NDJSON)
// with the applied filters, through the session like every other request.

import { api } from "../api.js";
import { download } from "../csv.js";
import { errorBox, h, pagedTable, replace, when } from "../dom.js";
import { fieldForm } from "../forms.js";
import { allows, gated, lacking } from "../scopes.js";

const SCOPE = "audit_logs:read";
const PAGE = 25;
const TIME = "2026-12-01T00:00:00Z";
const FILTERS = [
  { name: "actor", label: "Actor (API key id)", placeholder: "key_…" },
  { name: "action", label: "Action", placeholder: "organization.updated" },
  { name: "targetType", label: "Target type", placeholder: "organization" },
  { name: "targetId", label: "Target id" },
  { name: "organizationId", label: "Organization id", placeholder: "UUID" },
  { name: "rangeStart", label: "From (UTC, inclusive)", placeholder: TIME },
  { name: "rangeEnd", label: "Until (UTC, exclusive)", placeholder: TIME },
];

// A changed value as text: strings as they are, anything else as JSON; absent as "—".
function shown(change, side) {
  if (!(side in change)) return "—";
  const value = change[side];
  return typeof value === "string" ? value : JSON.stringify(value);
}

function changesCell(changes) {
  const names = Object.keys(changes || {});
  if (!names.length) return h("td", { class: "muted" }, "—");
  return h("td", { class: "changes" }, h("ul", null, names.map((name) =>
    h("li", null, h("span", { class: "mono" }, name), ": ",
      h("span", { class: "before" }, shown(changes[name], "before")), " → ",
      h("span", { class: "after" }, shown(changes[name], "after"))))));
}

function entryRow(entry) {
  const actor = entry.actor || {};
  const target = entry.target || {};
  return h("tr", { "data-entry": entry.id, "data-sequence": entry.sequence },
    h("td", null, when(entry.occurredAt)),
    h("td", null, actor.name || actor.type, actor.id ? h("div", { class: "mono small" }, actor.id) : null),
    h("td", { class: "mono" }, entry.action),
    h("td", null, target.type || "—", target.id ? h("div", { class: "mono small" }, target.id) : null),
    h("td", { class: "mono small" }, entry.organizationId || "—"),
    changesCell(entry.changes),
    h("td", { class: "mono small" }, (entry.context && entry.context.clientAddress) || "—"));
}

// The filters named in the address after "#/audit?", those the form knows only.
function addressed() {
  const at = location.hash.indexOf("?");
  const params = new URLSearchParams(at < 0 ? "" : location.hash.slice(at + 1));
  const found = {};
  for (const { name } of FILTERS) if (params.get(name)) found[name] = params.get(name);
  return found;
}

function remember(filters) {
  const text = new URLSearchParams(filters).toString();
  history.replaceState(null, "", `#/audit${text ? `?${text}` : ""}`);  // no hashchange: no reload
}

// The link other pages give to the entries about one thing (e.g. an organization's).
export function auditLink(filters, text) {
  return h("a", { href: `#/audit?${new URLSearchParams(filters)}` }, text);
}

const HEADINGS = ["Time", "Actor", "Action", "Target", "Organization", "Changes", "Client address"];

export async function auditPage(view) {
  const listBox = h("div", { id: "audit-list" });
  const problem = h("div", { class: "form-problem", id: "audit-export-problem" });
  let filters = addressed();
  const fetchPage = (cursor) => api.get("/audit-logs", { ...filters, cursor, limit: PAGE });

  // The first page is asked for before the table is drawn, so that a refused filter reaches
  // the form (shown at its field) instead of replacing the list.
  async function show(first) {
    let pending = first;
    const list = pagedTable(HEADINGS, (cursor) => {
      if (pending && cursor === null) {
        const page = pending;
        pending = null;
        return Promise.resolve(page);
      }
      return fetchPage(cursor);
    }, entryRow, "No audit entries match.");
    replace(listBox, list.element);
    await list.load();
  }

  const form = fieldForm({ id: "audit-filter", title: "Filters", submit: "Apply filters",
    fields: FILTERS.map((field) => ({ ...field, value: filters[field.name] })),
    onSubmit: async (values) => {
      const first = await api.get("/audit-logs", { ...values, limit: PAGE });
      filters = values;
      remember(filters);
      replace(problem);
      await show(first);
    } });

  function exporter(format, label) {
    const button = gated(SCOPE, h("button", { type: "button", class: "secondary export", id: `audit-export-${format}` }, label));
    button.addEventListener("click", async () => {
      replace(problem);
      button.disabled = true;
      try {
        download(`audit-log.${format}`, await api.file("/audit-logs/export", { ...filters, format }));
      } catch (error) {
        problem.append(errorBox(error));
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  replace(view, h("h1", null, "Audit log"),
    h("p", { class: "muted" }, "Every change made through Golden Record, sign-ins and refused keys, oldest first. ",
      "Export takes every entry the applied filters select."),
    lacking(SCOPE, "Reading the audit log"), form.element,
    h("div", { class: "toolbar" }, exporter("csv", "Export CSV"), exporter("ndjson", "Export NDJSON")),
    problem, listBox);
  if (!allows(SCOPE)) {  // the whole page is off, the reason above and on every control
    for (const control of form.element.querySelectorAll("input, button")) gated(SCOPE, control);
    return;
  }
  let first;
  try {
    first = await fetchPage(null);
  } catch (error) {  // filters from the address the API refuses: shown at their field
    filters = {};
    form.show(error);
    first = await fetchPage(null);
  }
  await show(first);
}
