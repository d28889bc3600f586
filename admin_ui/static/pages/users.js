// Users: a searchable list (typo-tolerant, on email and names).

import { api } from "../api.js";
import { badge, h, pagedTable, replace, when } from "../dom.js";

function userRow(user) {
  return h("tr", null,
    h("td", null, user.email),
    h("td", null, [user.firstName, user.lastName].filter(Boolean).join(" ") || "—"),
    h("td", null, badge(user.isActive, "active", "inactive")),
    h("td", null, when(user.createdAt)));
}

export async function usersPage(view) {
  const results = h("div");
  const input = h("input", { type: "search", id: "user-search", placeholder: "Search users by email or name",
    "aria-label": "Search users" });
  const form = h("form", { class: "toolbar" }, input, h("button", { type: "submit" }, "Search"));
  function show() {
    const search = input.value.trim();
    const list = pagedTable(["Email", "Name", "Status", "Created"],
      (cursor) => api.get("/users", { search, cursor, limit: 50 }), userRow,
      search ? `No user matches “${search}”.` : "No users yet.");
    replace(results, list.element);
    return list.load();
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  replace(view, h("h1", null, "Users"), form, results);
  await show();
}
