// One user: details, the edit form, deactivate / reactivate, deletion behind a dialog
// that says what goes with it, and the organizations they belong to.

import { api } from "../api.js";
import { deleteAfterConfirm } from "../confirm.js";
import { badge, errorBox, h, loadOrExplain, replace, when } from "../dom.js";
import { editButton } from "../forms.js";
import { allows, gated, lacking } from "../scopes.js";
import { membershipsOfUser } from "./members.js";

// The fields of createUser / updateUser, filled from `user`.
export function userFields(user, editing = false) {
  return [
    { name: "email", label: "Email", type: "email", required: true, value: user.email },
    { name: "firstName", label: "First name", nullable: true, maxlength: 100, value: user.firstName },
    { name: "lastName", label: "Last name", nullable: true, maxlength: 100, value: user.lastName },
    { name: "avatarUrl", label: "Avatar URL", type: "url", nullable: true, value: user.avatarUrl },
    ...(editing ? [{ name: "isActive", label: "Active", type: "checkbox", value: user.isActive }] : []),
    { name: "metadata", label: "Metadata (JSON object)", type: "json", value: user.metadata || {} },
  ];
}

async function deleteUser(user, problem) {
  const count = allows("users:read")
    ? (await api.get("/memberships", { userId: user.id, limit: 1 })).meta.total : null;
  await deleteAfterConfirm({
    title: `Delete ${user.email}?`,
    lines: [`This deletes the user with ${count === null ? "their memberships"
      : `${count} ${count === 1 ? "membership" : "memberships"}`}. The organizations stay. This cannot be undone.`],
    action: "Delete user", path: `/users/${encodeURIComponent(user.id)}`, back: "#/users", problem });
}

export async function userPage(view, id) {
  replace(view, h("p", null, h("a", { href: "#/users" }, "← Users")));
  const user = await loadOrExplain(view, "User", () => api.get(`/users/${encodeURIComponent(id)}`));
  if (!user) return;
  const path = `/users/${encodeURIComponent(user.id)}`;
  const heading = h("h1", { id: "user-name" });
  const facts = h("dl", { class: "facts" });
  const problem = h("div");
  const editing = h("div");
  const active = gated("users:update", h("button", { type: "button", class: "secondary", id: "toggle-active" }));
  function draw() {
    replace(heading, user.email, " ", badge(user.isActive, "active", "inactive"));
    replace(facts, [
      ["Name", [user.firstName, user.lastName].filter(Boolean).join(" ") || "—"],
      ["Avatar URL", user.avatarUrl || "—"], ["WorkOS id", user.workosUserId || "—"], ["Id", user.id],
      ["Metadata", JSON.stringify(user.metadata || {})],
      ["Created", when(user.createdAt)], ["Updated", when(user.updatedAt)],
    ].map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
    replace(active, user.isActive ? "Deactivate" : "Reactivate");
  }
  async function save(values) {
    Object.assign(user, (await api.put(path, values)).data);
    draw();
  }
  active.addEventListener("click", () => save({ isActive: !user.isActive })
    .catch((error) => replace(problem, errorBox(error))));
  const edit = editButton({ id: "edit-user", scope: "users:update", title: "Edit user",
    fields: () => userFields(user, true), save, into: editing });
  const remove = gated("users:delete", h("button", { type: "button", class: "danger", id: "delete-user" }, "Delete"));
  remove.addEventListener("click", () => deleteUser(user, problem));
  draw();
  view.append(heading, h("div", { class: "toolbar" }, edit, active, remove),
    lacking("users:update", "Editing"), problem, editing, facts, h("h2", null, "Organizations"));
  await membershipsOfUser(view, user);
}
