// Memberships: an organization's members (or a user's organizations) with their role and
// owner flag changed in place, deactivate / reactivate, removal behind a dialog, and adding
// a member with a user search that answers as one types.

import { api } from "../api.js";
import { confirmAction } from "../confirm.js";
import { allPages, exportButton } from "../csv.js";
import { badge, errorBox, h, pagedTable, replace, when } from "../dom.js";
import { fieldForm } from "../forms.js";
import { allows, gated, lacking } from "../scopes.js";

function fullName(person) {
  return [person.firstName, person.lastName].filter(Boolean).join(" ");
}

// The roles a member of `organizationId` can have (system, environment and that
// organization's own), asked afresh each time (a role made a minute ago is offered);
// null when the key cannot list roles.
export async function roleOptions(organizationId) {
  if (!allows("roles:read")) return null;
  const roles = await allPages((cursor) => api.get("/roles", { organizationId, cursor, limit: 100 }));
  return roles.map((role) => [role.id, role.name]);
}

function roleSelect(roles, membership, label) {
  const options = roles || [[membership.role.id, membership.role.name]];
  const select = h("select", { "aria-label": label, class: "role" },
    options.map(([id, name]) => h("option", { value: id }, name)));
  select.value = membership.role.id;
  return select;
}

// Deactivate / Reactivate: an inactive member keeps their role but is granted nothing.
function statusToggle(membership, path, cell, problem) {
  const button = gated("users:update", h("button", { type: "button", class: "secondary status" }));
  const show = () => {
    const active = membership.status === "active";
    replace(cell, badge(active, "active", "inactive"));
    replace(button, active ? "Deactivate" : "Reactivate");
  };
  show();
  button.addEventListener("click", async () => {
    replace(problem);
    try {
      const verb = membership.status === "active" ? "deactivate" : "reactivate";
      membership.status = (await api.post(`${path}/${verb}`)).data.status;
      show();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  });
  return button;
}

// One membership's row: the other side (a user, or an organization), role, owner, actions.
// Role and owner are text until "Change" turns them into a select and a checkbox: a list
// of 50 members is then 50 rows of text and two buttons, quick to lay out and paint.
function membershipRow(membership, side, reload) {
  const other = side === "user"
    ? h("a", { href: `#/users/${encodeURIComponent(membership.user.id)}` }, membership.user.email)
    : h("a", { href: `#/organizations/${encodeURIComponent(membership.organization.id)}` }, membership.organization.name);
  const who = side === "user" ? membership.user.email : membership.organization.name;
  const roleCell = h("td");
  const ownerCell = h("td");
  const statusCell = h("td");
  const problem = h("div", { role: "status" });
  const path = `/memberships/${encodeURIComponent(membership.id)}`;
  const toggle = statusToggle(membership, path, statusCell, problem);
  const show = () => {
    replace(roleCell, membership.role.name);
    replace(ownerCell, membership.isOwner ? badge(true, "owner", "") : "—");
  };
  show();
  const change = gated("users:update", h("button", { type: "button", class: "secondary change" }, "Change"));
  let editor = null;  // {role, owner} while changing
  async function save() {
    replace(problem);
    try {
      const changed = (await api.put(path, { roleId: editor.role.value, isOwner: editor.owner.checked })).data;
      membership.isOwner = changed.isOwner;
      membership.role = changed.role;
      editor = null;
      replace(change, "Change");
      show();
      replace(problem, h("span", { class: "small muted" }, "Saved."));
    } catch (error) {
      replace(problem, errorBox(error));
    }
  }
  change.addEventListener("click", async () => {
    if (editor) return save();
    const roles = await roleOptions(membership.organization.id).catch(() => null);
    if (editor) return null;  // a second click while the roles were on their way
    editor = { role: roleSelect(roles, membership, `Role of ${who}`),
      owner: h("input", { type: "checkbox", "aria-label": `${who} is an owner`,
        checked: membership.isOwner ? true : null, class: "owner" }) };
    replace(roleCell, editor.role);
    replace(ownerCell, editor.owner);
    replace(change, "Save");
    editor.role.focus();
    return null;
  });
  const remove = gated("users:delete", h("button", { type: "button", class: "danger remove" }, "Remove"));
  remove.addEventListener("click", async () => {
    const yes = await confirmAction({
      title: `Remove ${who}?`,
      lines: [`${membership.user.email} stops being a member of ${membership.organization.name}. `
        + "The user and the organization both stay."],
      action: "Remove member" });
    if (!yes) return;
    try {
      await api.del(path);
      reload();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  });
  return h("tr", { "data-membership-id": membership.id },
    h("td", null, other),
    h("td", null, side === "user" ? fullName(membership.user) || "—" : membership.organization.slug),
    roleCell, ownerCell, statusCell,
    h("td", null, when(membership.createdAt)),
    h("td", { class: "actions" }, change, " ", toggle, " ", remove, problem));
}

// A user search answering as one types: the latest text's answer wins, older ones are
// dropped; each hit is a button, so the list works with Tab and Enter as well as the mouse.
export function userPicker() {
  let chosen = null;
  let timer = null;
  const input = h("input", { type: "search", autocomplete: "off", placeholder: "Type an email or a name" });
  const hits = h("ul", { class: "picks", "aria-label": "Matching users" });
  const picked = h("p", { class: "small muted", role: "status" }, "No user chosen yet.");
  async function search() {
    const text = input.value.trim();
    if (!text) { replace(hits); return; }
    try {
      const found = (await api.get("/users", { search: text, limit: 6 })).data;
      if (input.value.trim() !== text) return;
      replace(hits, found.length ? found.map((user) => h("li", null, h("button", {
        type: "button", class: "secondary pick", onclick: () => {
          chosen = user.id;
          replace(picked, "Chosen: ", h("strong", null, user.email));
          replace(hits);
        } }, user.email, fullName(user) ? ` — ${fullName(user)}` : ""))) : h("li", { class: "muted" }, `No user matches “${text}”.`));
    } catch (error) {
      replace(hits, h("li", null, errorBox(error)));
    }
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  return { input, control: h("div", { class: "picker" }, input, hits, picked), read: () => chosen || undefined,
    clear: () => { chosen = null; replace(picked, "No user chosen yet."); } };
}

// The memberships matching `filter` ({organizationId} or {userId}) as a table, showing the
// other side of each: the member (`side` "user") or the organization.
async function membershipList(view, filter, side) {
  const box = h("div", { id: side === "user" ? "member-list" : "membership-list" });
  const fetchPage = (cursor, limit = 50) => api.get("/memberships", { ...filter, cursor, limit });
  const headings = side === "user" ? ["Email", "Name"] : ["Organization", "Slug"];
  function show() {
    const list = pagedTable([...headings, "Role", "Owner", "Status", "Member since", "Actions"], fetchPage,
      (m) => membershipRow(m, side, show),
      side === "user" ? "No members yet." : "Not a member of any organization.");
    replace(box, list.element);
    return list.load();
  }
  const problem = h("div");
  view.append(h("div", { class: "toolbar" }, exportButton("memberships.csv", (cursor) => fetchPage(cursor, 100),
    (e) => replace(problem, errorBox(e)))), problem, box);
  await show();
  return show;
}

// `roles`: [[id, name]] available in `org` (roleOptions), or null when the key cannot list roles.
export async function membersSection(view, org, roles) {
  const adding = h("div");
  const show = await membershipList(view, { organizationId: org.id }, "user");
  if (allows("users:create")) {
    const picker = userPicker();
    const form = fieldForm({ id: "add-member", title: "Add a member", submit: "Add member",
      fields: [
        { name: "userId", label: "User", type: "custom", ...picker },
        { name: "roleId", label: "Role", type: "select", value: "role_member",
          options: roles || [["role_member", "Member"], ["role_admin", "Admin"]] },
        { name: "isOwner", label: "Owner", type: "checkbox" },
      ],
      onSubmit: async (values) => {
        await api.post("/memberships", { organizationId: org.id, ...values });
        form.reset();
        picker.clear();
        await show();
      } });
    replace(adding, form.element);
  }
  view.append(lacking("users:create", "Adding members"), adding);
}

export function membershipsOfUser(view, user) {
  return membershipList(view, { userId: user.id }, "organization");
}
