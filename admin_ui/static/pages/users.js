// Users: a searchable list (typo-tolerant, on email and names), a new user's form and
// CSV export; each row opens the user's page.

import { api } from "../api.js";
import { exportButton } from "../csv.js";
import { badge, errorBox, h, pagedTable, replace, when } from "../dom.js";
import { fieldForm } from "../forms.js";
import { importer } from "../importer.js";
import { allows, gated, lacking } from "../scopes.js";
import { userFields } from "./user.js";

function userRow(user) {
  return h("tr", null,
    h("td", null, h("a", { href: `#/users/${encodeURIComponent(user.id)}` }, user.email)),
    h("td", null, [user.firstName, user.lastName].filter(Boolean).join(" ") || "—"),
    h("td", null, badge(user.isActive, "active", "inactive")),
    h("td", null, when(user.createdAt)));
}

export async function usersPage(view) {
  const results = h("div");
  const problem = h("div");
  const input = h("input", { type: "search", id: "user-search", placeholder: "Search users by email or name",
    "aria-label": "Search users" });
  const form = h("form", { class: "toolbar", role: "search" }, input, h("button", { type: "submit" }, "Search"));
  const fetchPage = (cursor, limit = 50) => api.get("/users", { search: input.value.trim(), cursor, limit });
  function show() {
    const search = input.value.trim();
    const list = pagedTable(["Email", "Name", "Status", "Created"], fetchPage, userRow,
      search ? `No user matches “${search}”.` : "No users yet.");
    replace(results, list.element);
    return list.load();
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  const creating = h("div");
  const create = gated("users:create", h("button", { type: "button", id: "new-user" }, "New user"));
  create.addEventListener("click", () => {
    const created = fieldForm({ id: "create-user", title: "New user", submit: "Create user", fields: userFields({}),
      onSubmit: async (values) => {
        const user = (await api.post("/users", values)).data;
        location.hash = `#/users/${encodeURIComponent(user.id)}`;
      } });
    replace(creating, created.element);
    created.element.querySelector("input").focus();
  });
  replace(view, h("h1", null, "Users"), form,
    h("div", { class: "toolbar" }, create,
      exportButton("users.csv", (cursor) => fetchPage(cursor, 100), (e) => replace(problem, errorBox(e)))),
    lacking("users:create", "Creating users"), problem, creating,
    allows("users:create") ? importer({ noun: "users", path: "/users/bulk", scope: "users:create",
      columns: ["email", "firstName", "lastName", "avatarUrl", "metadata"], done: show }) : null,
    results);
  await show();
}
