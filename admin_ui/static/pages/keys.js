// API keys: list, create (the plaintext shown once, with a copy button), rotate, revoke.

import { api } from "../api.js";
import { exportButton } from "../csv.js";
import { badge, errorBox, h, onSubmit, pagedTable, replace, when } from "../dom.js";
import { revealed } from "../reveal.js";
import { allows, gated, lacking } from "../scopes.js";
import { auditLink } from "./audit.js";

const SCOPES = [
  "organizations:read", "organizations:create", "organizations:update", "organizations:delete",
  "users:read", "users:create", "users:update", "users:delete", "roles:read", "roles:write",
  "permissions:read", "permissions:write", "authorization:check", "api_keys:read",
  "api_keys:create", "api_keys:revoke", "webhooks:read", "webhooks:write",
  "invitations:read", "invitations:write", "metrics:read", "events:read", "audit_logs:read",
  "audit_logs:write", "scim:write", "*:*",
];
const TIERS = ["free", "basic", "pro", "enterprise"];

// The plaintext of a new key, shown this once: it is not stored and no page can show it again.
function revealKey(title, key) {
  return revealed("key-reveal", title, [{ id: "new-key", copyId: "copy-key", label: "The new API key", value: key }]);
}

function createForm(onCreated) {
  const name = h("input", { id: "key-name", required: true, maxlength: 100 });
  const org = h("input", { id: "key-org", placeholder: "optional organization id (UUID)" });
  const tier = h("select", { id: "key-tier" }, TIERS.map((t) => h("option", { value: t }, t)));
  const scopes = SCOPES.map((scope) => h("label", { class: "check" },
    h("input", { type: "checkbox", value: scope, name: "scope" }), scope));
  const problem = h("div");
  const form = h("form", { class: "card", id: "create-key" },
    h("h2", null, "Create a key"),
    h("div", { class: "grid" },
      h("label", { for: "key-name" }, "Name"), name,
      h("label", { for: "key-org" }, "Organization"), org,
      h("label", { for: "key-tier" }, "Tier"), tier),
    h("fieldset", null, h("legend", null, "Scopes"), h("div", { class: "scopes" }, scopes)),
    problem,
    gated("api_keys:create", h("button", { type: "submit" }, "Create key")));
  return onSubmit(form, problem, async () => {
    const body = {
      name: name.value.trim(),
      scopes: scopes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
      tier: tier.value,
    };
    if (org.value.trim()) body.organizationId = org.value.trim();
    const created = (await api.post("/keys", body)).data;
    form.reset();
    onCreated(created);
  });
}

export async function keysPage(view) {
  const reveal = h("div");
  const listBox = h("div");

  function keyRow(key) {
    const actions = h("td", { class: "actions" });
    const problem = h("div");
    if (key.isActive) {
      const rotate = gated("api_keys:create", h("button", { type: "button", class: "secondary" }, "Rotate"));
      rotate.addEventListener("click", async () => {
        replace(problem);
        try {
          const result = (await api.post(`/keys/${encodeURIComponent(key.id)}`, undefined, { action: "rotate" })).data;
          replace(reveal, revealKey(`Rotated “${key.name}”: the new key`, result.newKey.key),
            h("p", { class: "muted" }, `The old key ${result.oldKey.keyPrefix}… keeps working until ${when(result.oldKey.expiresAt)}.`));
          showList();
        } catch (error) {
          problem.append(errorBox(error));
        }
      });
      const revoke = gated("api_keys:revoke", h("button", { type: "button", class: "danger" }, "Revoke"));
      revoke.addEventListener("click", async () => {
        if (revoke.dataset.armed !== "yes") {  // two clicks instead of a dialog
          revoke.dataset.armed = "yes";
          replace(revoke, "Confirm revoke");
          return;
        }
        replace(problem);
        try {
          await api.del(`/keys/${encodeURIComponent(key.id)}`);
          showList();
        } catch (error) {
          problem.append(errorBox(error));
        }
      });
      actions.append(rotate, " ", revoke);
    }
    if (allows("audit_logs:read")) actions.append(" ", auditLink({ actor: key.id }, "Audit log"));
    actions.append(problem);
    return h("tr", { "data-key-id": key.id },
      h("td", null, key.name),
      h("td", { class: "mono" }, `${key.keyPrefix}…`),
      h("td", { class: "mono small" }, key.organizationId || "all"),
      h("td", { class: "small" }, key.scopes.join(", ")),
      h("td", null, key.tier),
      h("td", null, badge(key.isActive, "active", "inactive")),
      h("td", null, when(key.expiresAt)),
      h("td", null, when(key.lastUsedAt)),
      actions);
  }

  const fetchPage = (cursor, limit = 50) => api.get("/keys", { cursor, limit });
  const problem = h("div");
  function showList() {
    const list = pagedTable(["Name", "Prefix", "Organization", "Scopes", "Tier", "Status", "Expires", "Last used", "Actions"],
      fetchPage, keyRow, "No API keys.");
    replace(listBox, list.element);
    return list.load();
  }

  replace(view, h("h1", null, "API keys"), lacking("api_keys:create", "Creating keys"), reveal,
    createForm((created) => {
      replace(reveal, revealKey(`Created “${created.name}”`, created.key));
      showList();
    }),
    h("h2", null, "Keys"),
    h("div", { class: "toolbar" }, exportButton("api-keys.csv", (cursor) => fetchPage(cursor, 100),
      (e) => replace(problem, errorBox(e)))), problem, listBox);
  await showList();
}
