// One organization: its details, the verify toggle and its members (role, owner).

import { api } from "../api.js";
import { badge, h, loadOrExplain, pagedTable, replace, when } from "../dom.js";
import { verifyButton } from "./organizations.js";

function memberRow(membership) {
  const user = membership.user;
  const name = [user.firstName, user.lastName].filter(Boolean).join(" ");
  return h("tr", null,
    h("td", null, user.email),
    h("td", null, name || "—"),
    h("td", null, membership.role.name),
    h("td", null, membership.isOwner ? badge(true, "owner", "") : "—"),
    h("td", null, when(membership.createdAt)));
}

export async function organizationPage(view, id) {
  replace(view, h("p", null, h("a", { href: "#/organizations" }, "← Organizations")));
  const org = await loadOrExplain(view, "Organization", () => api.get(`/organizations/${encodeURIComponent(id)}`));
  if (!org) return;
  const status = h("span", null, badge(org.isVerified, "verified", "staging"));
  const facts = [
    ["Slug", org.slug], ["Domain", org.domain || "—"], ["Active", org.isActive ? "yes" : "no"],
    ["Logo URL", org.logoUrl || "—"], ["WorkOS id", org.workosOrgId || "—"], ["Id", org.id],
    ["Created", when(org.createdAt)], ["Updated", when(org.updatedAt)],
  ];
  const members = h("div");
  view.append(
    h("h1", { id: "org-name" }, org.name, " ", status),
    h("div", { class: "toolbar" },
      verifyButton(org, () => replace(status, badge(org.isVerified, "verified", "staging")))),
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", null, term), h("dd", null, value)])),
    h("h2", null, "Metadata"),
    h("pre", { class: "metadata" }, JSON.stringify(org.metadata, null, 2)),
    h("h2", null, "Members"),
    members);
  const list = pagedTable(["Email", "Name", "Role", "Owner", "Member since"],
    (cursor) => api.get("/memberships", { organizationId: org.id, cursor, limit: 50 }),
    memberRow, "No members yet.");
  members.append(list.element);
  await list.load();
}
