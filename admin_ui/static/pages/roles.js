// Roles and permissions: the matrix (a row per role, a checkbox per permission; only a
// custom role's boxes can change, one grant per click), creating environment and
// organization roles and custom permissions, and deleting custom ones behind a dialog.
// "Roles available in" picks whose roles the matrix shows: everywhere, or one organization
// (the system and environment roles plus that organization's own). The rows are in priority
// order (PUT /roles/priority): ↑ and ↓ move a role one place; in an organization's view only
// its own roles move among the environment's (the API refuses the rest, said in the row).

import { api } from "../api.js";
import { confirmAction } from "../confirm.js";
import { allPages } from "../csv.js";
import { errorBox, h, replace, table } from "../dom.js";
import { fieldForm } from "../forms.js";
import { allows, gated, lacking, reason } from "../scopes.js";

const SYSTEM = "System roles and built-in permissions are read-only.";
const ELSEWHERE = "An organization-scoped key changes its own organization's roles only.";
const GLOBAL = "Creating permissions is off: permissions are the environment's, changed by global keys only.";

// Why `role` cannot be changed by a key of organization `own` (null: a global key), or null.
function readOnly(role, own) {
  if (role.isSystem) return SYSTEM;
  return own && role.organizationId !== own ? ELSEWHERE : null;
}
const every = (path, params) => allPages((cursor) => api.get(path, { ...params, cursor, limit: 100 }));

// One grant's checkbox: a click grants or takes away that permission, and a refusal puts
// the box back and says why in the role's row.
function grantBox(role, permission, problem, locked) {
  const box = h("input", { type: "checkbox", class: "grant", "aria-label": `${role.name}: ${permission.slug}`,
    checked: role.permissions.some((p) => p.id === permission.id) ? true : null });
  if (locked) Object.assign(box, { disabled: true, title: locked });
  else gated("roles:write", box);
  box.addEventListener("change", async () => {
    replace(problem);
    const path = `/roles/${encodeURIComponent(role.id)}/permissions`;
    box.disabled = true;
    try {
      if (box.checked) await api.post(path, { permission: permission.id });
      else await api.del(`${path}/${encodeURIComponent(permission.id)}`);
    } catch (error) {
      box.checked = !box.checked;
      problem.append(errorBox(error));
    } finally {
      box.disabled = false;
    }
  });
  return box;
}

// A Delete button for a custom role or permission: asks first, then deletes and redraws;
// the API's refusal (a role still held: 409 with how many memberships) goes in `problem`.
function deleteButton({ scope, what, lines, path, problem, done }) {
  const button = gated(scope, h("button", { type: "button", class: "danger remove" }, "Delete"));
  button.addEventListener("click", async () => {
    if (!(await confirmAction({ title: `Delete ${what}?`, lines, action: "Delete" }))) return;
    replace(problem);
    try {
      await api.del(path);
      await done();
    } catch (error) {
      problem.append(errorBox(error));
    }
  });
  return button;
}

// ↑ / ↓: the shown order with `role` moved one place, sent as the new priority order.
function moveButtons(roles, index, organizationId, problem, redraw) {
  const move = (step, label, symbol) => {
    const target = index + step;
    const button = gated("roles:write", h("button", { type: "button", class: "move",
      "aria-label": `${label}: ${roles[index].name}`, title: label }, symbol));
    if (target < 0 || target >= roles.length) button.disabled = true;
    button.addEventListener("click", async () => {
      const order = roles.map((r) => r.slug);
      [order[index], order[target]] = [order[target], order[index]];
      replace(problem);
      try {
        await api.put("/roles/priority", { roles: order, ...(organizationId ? { organizationId } : {}) });
        await redraw();
      } catch (error) {
        problem.append(errorBox(error));
      }
    });
    return button;
  };
  return [move(-1, "Move up", "↑"), move(1, "Move down", "↓")];
}

function roleRow(role, permissions, organizations, own, redraw, order) {
  const problem = h("div", { role: "status" });
  const locked = readOnly(role, own);
  const where = role.isSystem ? "system" : organizations.get(role.organizationId) || "every organization";
  const actions = locked ? h("span", { class: "small muted", title: locked }, "read-only")
    : deleteButton({ scope: "roles:write", what: `the role “${role.name}”`, problem, done: redraw,
      lines: ["A role held by a membership cannot be deleted: change those members' role first."],
      path: `/roles/${encodeURIComponent(role.id)}` });
  return h("tr", { "data-role": role.slug },
    h("td", null, role.name, h("div", { class: "small muted" }, role.slug, " · ", where)),
    permissions.map((permission) => h("td", { class: "grant-cell" }, grantBox(role, permission, problem, locked))),
    h("td", { class: "actions" }, moveButtons(order.roles, order.index, order.organizationId, problem, redraw),
      actions, problem));
}

function permissionRow(permission, own, redraw) {
  const problem = h("div", { role: "status" });
  return h("tr", { "data-permission": permission.slug },
    h("td", { class: "mono" }, permission.slug), h("td", null, permission.name),
    h("td", null, permission.description || "—"),
    h("td", { class: "actions" }, permission.isSystem || own ? h("span", { class: "small muted" }, permission.isSystem ? "built-in" : "read-only")
      : deleteButton({ scope: "permissions:write", what: `the permission ${permission.slug}`, problem,
        done: redraw, path: `/permissions/${encodeURIComponent(permission.id)}`,
        lines: ["Every role that grants it stops granting it."] }), problem));
}

function createForms(organizations, own, redraw) {
  const role = fieldForm({ id: "create-role", title: "New role", submit: "Create role", fields: [
    { name: "name", label: "Name", required: true },
    { name: "slug", label: "Slug", required: true, placeholder: "auditor" },
    { name: "description", label: "Description" },
    { name: "organizationId", label: "Available in", type: "select",
      options: own ? organizations : [["", "Every organization (environment role)"], ...organizations] },
  ], onSubmit: async (values) => {
    await api.post("/roles", values);
    role.reset();
    await redraw(values.organizationId);
  } });
  const permission = fieldForm({ id: "create-permission", title: "New permission", submit: "Create permission",
    fields: [
      { name: "slug", label: "Slug (resource:action)", required: true, placeholder: "invoices:approve" },
      { name: "name", label: "Name", required: true },
      { name: "description", label: "Description" },
    ], onSubmit: async (values) => {
      await api.post("/permissions", values);
      permission.reset();
      await redraw();
    } });
  gated("roles:write", role.button);
  gated("permissions:write", permission.button);
  if (own) Object.assign(permission.button, { disabled: true, title: GLOBAL });
  return [lacking("roles:write", "Creating and changing roles"), role.element,
    own ? h("p", { class: "notice scope-note" }, GLOBAL) : lacking("permissions:write", "Creating permissions"),
    permission.element];
}

// An organization-scoped key (`session.key.organizationId`) sees and makes its
// organization's roles only: the pickers offer that organization alone.
export async function rolesPage(view, session) {
  const own = session.key.organizationId || null;
  // one page of organizations for the pickers: a directory of 100,000 would be 1,000 requests
  const known = allows("organizations:read") ? (await api.get("/organizations",
    { includeStaging: true, limit: 100 })).data.map((o) => [o.id, o.name]) : [];
  const organizations = own && !known.length ? [[own, "This key's organization"]] : known;
  const names = new Map(organizations);
  const scope = h("select", { id: "roles-in" },
    [...(own ? [] : [["", "Everywhere (system and environment roles)"]]), ...organizations].map(([id, name]) => h("option", { value: id }, name)));
  const matrix = h("div", { class: "matrix", "aria-busy": "true" });
  const listed = h("div");
  async function redraw(organizationId) {
    if (organizationId !== undefined) scope.value = organizationId;
    matrix.setAttribute("aria-busy", "true");
    try {
      const [roles, permissions] = await Promise.all([
        every("/roles", { organizationId: scope.value }), every("/permissions")]);
      replace(matrix, table(["Role", ...permissions.map((p) => p.slug.replace(":", ":\u200b")), "Actions"],
        roles.map((role, index) => roleRow(role, permissions, names, own, () => redraw(),
          { roles, index, organizationId: scope.value }))));
      replace(listed, table(["Slug", "Name", "Description", "Actions"],
        permissions.map((p) => permissionRow(p, own, () => redraw()))));
    } catch (error) {
      replace(matrix, errorBox(error));
    } finally {
      matrix.setAttribute("aria-busy", "false");
    }
  }
  scope.addEventListener("change", () => redraw());
  replace(view, h("h1", null, "Roles and permissions"),
    h("div", { class: "toolbar" }, h("label", { for: "roles-in" }, "Roles available in"), scope),
    h("p", { class: "muted small" }, `Roles are in priority order: a member of several mapped groups gets the highest. A checkbox grants a custom role one permission. ${SYSTEM}`,
      allows("roles:write") ? "" : ` ${reason("roles:write")}`),
    matrix, h("h2", null, "Permissions"), listed, createForms(organizations, own, redraw));
  await redraw();
}
