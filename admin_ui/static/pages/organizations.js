// Organizations: live search with a typo-tolerant dropdown, the staging/verified filter,
// the verify toggle, a new organization's form and CSV export.

import { api } from "../api.js";
import { autocomplete } from "../autocomplete.js";
import { exportButton } from "../csv.js";
import { badge, errorBox, h, highlighted, pagedTable, replace } from "../dom.js";
import { organizationFields } from "./organization.js";
import { fieldForm } from "../forms.js";
import { importer } from "../importer.js";
import { allows, gated, lacking } from "../scopes.js";

let includeStaging = true;  // an operator verifying organizations needs to see staging ones

export function verifyButton(org, changed) {
  const button = h("button", { type: "button", class: "secondary verify" });
  gated("organizations:update", button);
  const label = () => replace(button, org.isVerified ? "Move to staging" : "Verify");
  label();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const envelope = await api.post(`/organizations/${encodeURIComponent(org.id)}/verify`,
        { isVerified: !org.isVerified });
      org.isVerified = envelope.data.isVerified;
      label();
      changed(org);
    } catch (error) {
      button.after(errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function organizationRow(org) {
  const status = h("td", null, badge(org.isVerified, "verified", "staging"));
  return h("tr", null,
    h("td", null, h("a", { href: `#/organizations/${encodeURIComponent(org.id)}` }, org.name)),
    h("td", { class: "mono" }, org.slug),
    h("td", null, org.domain || "—"),
    status,
    h("td", null, verifyButton(org, () => replace(status, badge(org.isVerified, "verified", "staging")))));
}

function organizationForm(options) {
  return fieldForm({ ...options, fields: organizationFields({}) });
}

function option(hit) {
  return h("div", { class: "option" },
    h("span", { class: "option-name" }, highlighted(hit.name, hit.matches.name)),
    h("span", { class: "option-detail" },
      highlighted(hit.slug, hit.matches.slug),
      hit.domain ? [" · ", highlighted(hit.domain, hit.matches.domain)] : null,
      hit.isVerified ? null : [" · ", h("span", { class: "badge off" }, "staging")]));
}

export async function organizationsPage(view) {
  const results = h("div");
  let search = "";

  const fetchPage = (cursor, limit = 50) => api.get("/organizations", { search, includeStaging, cursor, limit });

  function showList() {
    const list = pagedTable(["Name", "Slug", "Domain", "Status", "Verify"], fetchPage, organizationRow,
      search ? `No organization matches “${search}”.` : "No organizations yet.");
    replace(results, search ? h("p", { class: "muted" }, "Results for ", h("strong", null, search)) : null,
      list.element);
    return list.load();
  }

  const box = autocomplete({
    label: "Search organizations",
    placeholder: "Search organizations by name, slug or domain",
    search: async (q) => (await api.get("/organizations/autocomplete", { q, limit: 8, includeStaging })).data,
    renderOption: option,
    onPick: (hit) => { location.hash = `#/organizations/${encodeURIComponent(hit.id)}`; },
    onSubmit: (text) => { search = text; showList(); },
  });

  const filter = h("select", { id: "org-filter", "aria-label": "Which organizations" },
    h("option", { value: "all" }, "Verified and staging"),
    h("option", { value: "verified" }, "Verified only"));
  filter.value = includeStaging ? "all" : "verified";
  filter.addEventListener("change", () => {
    includeStaging = filter.value === "all";
    showList();
  });

  const creating = h("div");
  const create = gated("organizations:create", h("button", { type: "button", id: "new-org" }, "New organization"));
  create.addEventListener("click", () => {
    const form = organizationForm({ id: "create-org", title: "New organization", submit: "Create organization",
      onSubmit: async (values) => {
        const org = (await api.post("/organizations", values)).data;
        location.hash = `#/organizations/${encodeURIComponent(org.id)}`;
      } });
    replace(creating, form.element);
    form.element.querySelector("input").focus();
  });
  const problem = h("div");
  replace(view,
    h("h1", null, "Organizations"),
    h("div", { class: "toolbar" }, box.element, filter, create,
      exportButton("organizations.csv", (cursor) => fetchPage(cursor, 100), (e) => replace(problem, errorBox(e)))),
    lacking("organizations:create", "Creating organizations"), problem, creating,
    allows("organizations:create") ? importer({ noun: "organizations", path: "/organizations/bulk",
      scope: "organizations:create", columns: ["name", "slug", "domain", "logoUrl", "metadata"], done: showList }) : null,
    results);
  box.input.focus();
  await showList().catch((error) => results.append(errorBox(error)));
}
