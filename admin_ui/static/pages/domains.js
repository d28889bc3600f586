// An organization's verified domains: claim one, see the TXT record to publish, Verify (the
// state and, when it failed, why), the join policy (none, or auto with a role) and removal
// behind the confirmation dialog. Reading needs organizations:read, every change
// organizations:update (the API's scopes for /organizations/:id/domains).

import { api } from "../api.js";
import { confirmAction } from "../confirm.js";
import { errorBox, h, pagedTable, replace, when } from "../dom.js";
import { fieldForm } from "../forms.js";
import { gated, lacking } from "../scopes.js";

const WRITE = "organizations:update";

function stateCell(cell, domain) {
  replace(cell, h("span", { class: domain.state === "verified" ? "badge ok" : "badge off" }, domain.state),
    domain.state === "verified" ? h("span", { class: "small muted" }, ` ${when(domain.verifiedAt)}`) : null,
    domain.failureReason ? h("p", { class: "small failure" }, domain.failureReason) : null);
}

function txtRecord(record) {
  return h("dl", { class: "record small" },
    h("dt", null, "Name"), h("dd", { class: "mono" }, record.name),
    h("dt", null, "Value"), h("dd", { class: "mono" }, record.value));
}

// The join policy as a select and a role select with Save; the role only counts with auto.
function policyEditor(domain, roles, path, problem) {
  const label = domain.domain;
  const policy = gated(WRITE, h("select", { class: "policy", "aria-label": `Join policy of ${label}` },
    h("option", { value: "none" }, "none"), h("option", { value: "auto" }, "auto")));
  const options = roles || [[domain.roleId || "role_member", domain.roleId || "role_member"]];
  const role = gated(WRITE, h("select", { class: "policy-role", "aria-label": `Role auto gives at ${label}` },
    options.map(([id, name]) => h("option", { value: id }, name))));
  const save = gated(WRITE, h("button", { type: "button", class: "secondary save-policy" }, "Save policy"));
  const show = () => {
    policy.value = domain.joinPolicy;
    role.value = domain.roleId || "role_member";
  };
  show();
  save.addEventListener("click", async () => {
    replace(problem);
    try {
      const body = policy.value === "auto" ? { joinPolicy: "auto", roleId: role.value } : { joinPolicy: "none" };
      Object.assign(domain, (await api.put(path, body)).data);
      show();
      replace(problem, h("span", { class: "small muted" }, "Saved."));
    } catch (error) {
      replace(problem, errorBox(error));
    }
  });
  return h("div", { class: "toolbar" }, policy, role, save);
}

function domainRow(domain, roles, reload) {
  const path = `/organizations/${encodeURIComponent(domain.organizationId)}/domains/${encodeURIComponent(domain.id)}`;
  const problem = h("div", { role: "status" });
  const state = h("td");
  stateCell(state, domain);
  const verify = gated(WRITE, h("button", { type: "button", class: "secondary verify-domain" }, "Verify"));
  verify.addEventListener("click", async () => {
    replace(problem);
    verify.disabled = true;
    try {
      Object.assign(domain, (await api.post(`${path}/verify`)).data);
      stateCell(state, domain);
    } catch (error) {
      replace(problem, errorBox(error));
    } finally {
      verify.disabled = false;
    }
  });
  const remove = gated(WRITE, h("button", { type: "button", class: "danger remove-domain" }, "Delete"));
  remove.addEventListener("click", async () => {
    const yes = await confirmAction({
      title: `Delete the domain ${domain.domain}?`,
      lines: ["The claim goes, and with it its verification and join policy: users created later "
        + "with an email there no longer join. Members who joined through it stay."],
      action: "Delete domain" });
    if (!yes) return;
    try {
      await api.del(path);
      await reload();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  });
  return h("tr", { "data-domain-id": domain.id },
    h("td", null, domain.domain), state, h("td", null, txtRecord(domain.verificationRecord)),
    h("td", null, policyEditor(domain, roles, path, problem)),
    h("td", { class: "actions" }, verify, " ", remove, problem));
}

// `roles`: [[id, name]] available in `org`, or null when the key cannot list roles.
export async function domainsSection(view, org, roles) {
  const base = `/organizations/${encodeURIComponent(org.id)}/domains`;
  const listBox = h("div", { id: "domain-list" });
  function reload() {
    const list = pagedTable(["Domain", "State", "TXT record to publish", "Join policy", "Actions"],
      (cursor) => api.get(base, { cursor, limit: 50 }), (domain) => domainRow(domain, roles, reload),
      "No domains yet.");
    replace(listBox, list.element);
    return list.load();
  }
  const form = fieldForm({ id: "add-domain", title: "Add a domain", submit: "Add domain",
    fields: [{ name: "domain", label: "Domain", required: true, placeholder: "acme.com" }],
    onSubmit: async (values) => {
      await api.post(base, values);
      form.reset();
      await reload();
    } });
  gated(WRITE, form.button);
  view.append(h("h2", null, "Domains"), lacking(WRITE, "Changing domains"), form.element, listBox);
  await reload();
}
