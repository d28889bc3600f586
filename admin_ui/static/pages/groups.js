// An organization's SCIM groups (kept by its identity provider at /scim/v2/Groups): each
// with its member count and the role it gives its members, a select that maps it (or
// "No role"). Reading needs users:read, mapping users:update (the API's scopes for
// /organizations/:id/groups); the groups themselves change only through SCIM.

import { api } from "../api.js";
import { errorBox, h, pagedTable, replace } from "../dom.js";
import { allows, gated, lacking } from "../scopes.js";

const WRITE = "users:update";

function mappingSelect(group, roles, path, problem) {
  const options = [["", "No role"], ...(roles || (group.roleId ? [[group.roleId, group.roleId]] : []))];
  const select = gated(WRITE, h("select", { class: "group-role", "aria-label": `Role of ${group.displayName}` },
    options.map(([id, name]) => h("option", { value: id }, name))));
  select.value = group.roleId || "";
  select.addEventListener("change", async () => {
    replace(problem);
    select.disabled = true;
    try {
      Object.assign(group, (await api.put(path, { roleId: select.value || null })).data);
      replace(problem, h("span", { class: "small muted" }, "Saved."));
    } catch (error) {
      select.value = group.roleId || "";
      replace(problem, errorBox(error));
    } finally {
      select.disabled = false;
    }
  });
  return select;
}

function groupRow(group, roles, base) {
  const problem = h("div", { role: "status" });
  const path = `${base}/${encodeURIComponent(group.id)}`;
  return h("tr", { "data-group-id": group.id },
    h("td", null, group.displayName, group.externalId ? h("div", { class: "small muted" }, group.externalId) : null),
    h("td", null, String(group.memberCount)),
    h("td", null, mappingSelect(group, roles, path, problem), problem));
}

// `roles`: [[id, name]] available in `org`, in priority order, or null (no roles:read).
export async function groupsSection(view, org, roles) {
  if (!allows("users:read")) return;
  const base = `/organizations/${encodeURIComponent(org.id)}/groups`;
  const list = pagedTable(["Group", "Members", "Role its members get"],
    (cursor) => api.get(base, { cursor, limit: 50 }), (group) => groupRow(group, roles, base),
    "No groups yet: an identity provider creates them through SCIM.");
  view.append(h("h2", null, "Groups"),
    h("p", { class: "muted small" }, "A member of several mapped groups gets the role ranked highest "
      + "on the Roles page; leaving the last one gives back Member."),
    lacking(WRITE, "Mapping groups to roles"), h("div", { id: "group-list" }, list.element));
  await list.load();
}
