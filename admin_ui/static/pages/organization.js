// One organization: its details, the edit form (every field, metadata as JSON), the
// verify toggle, deletion behind a dialog that says what goes with it, its members, its
// invitations, its domains and its SCIM groups (mapped to roles).

import { api } from "../api.js";
import { deleteAfterConfirm } from "../confirm.js";
import { badge, h, loadOrExplain, replace, when } from "../dom.js";
import { editButton } from "../forms.js";
import { allows, gated, lacking } from "../scopes.js";
import { auditLink } from "./audit.js";
import { domainsSection } from "./domains.js";
import { groupsSection } from "./groups.js";
import { invitationsSection } from "./invitations.js";
import { membersSection, roleOptions } from "./members.js";
import { verifyButton } from "./organizations.js";

// The fields of createOrganization / updateOrganization, filled from `org`.
export function organizationFields(org, editing = false) {
  return [
    { name: "name", label: "Name", required: true, maxlength: 200, value: org.name },
    { name: "slug", label: "Slug", required: true, value: org.slug, placeholder: "acme-corp" },
    { name: "domain", label: "Domain", nullable: true, value: org.domain, placeholder: "acme.com" },
    { name: "logoUrl", label: "Logo URL", type: "url", nullable: true, value: org.logoUrl },
    ...(editing ? [{ name: "isActive", label: "Active", type: "checkbox", value: org.isActive }] : []),
    { name: "metadata", label: "Metadata (JSON object)", type: "json", value: org.metadata || {} },
  ];
}

// How many of `path`'s records there are, or null when the key may not count them.
async function total(scope, path, params) {
  if (!allows(scope)) return null;
  return (await api.get(path, { ...params, limit: 1 })).meta.total;
}

async function deleteOrganization(org, problem) {
  const [members, keys] = await Promise.all([
    total("users:read", "/memberships", { organizationId: org.id }),
    total("api_keys:read", "/keys", { organizationId: org.id }),
  ]);
  const counted = (n, one, many) => (n === null ? `its ${many}` : `${n} ${n === 1 ? one : many}`);
  await deleteAfterConfirm({
    title: `Delete “${org.name}”?`,
    lines: [
      `This deletes the organization with ${counted(members, "membership", "memberships")}, `
        + `${counted(keys, "API key scoped to it", "API keys scoped to it")} and its webhook subscriptions.`,
      "The users themselves stay. This cannot be undone.",
    ],
    action: "Delete organization", path: `/organizations/${encodeURIComponent(org.id)}`,
    back: "#/organizations", problem });
}

export async function organizationPage(view, id) {
  replace(view, h("p", null, h("a", { href: "#/organizations" }, "← Organizations")));
  const org = await loadOrExplain(view, "Organization", () => api.get(`/organizations/${encodeURIComponent(id)}`));
  if (!org) return;
  const status = h("span", null, badge(org.isVerified, "verified", "staging"));
  const heading = h("h1", { id: "org-name" });
  const facts = h("dl", { class: "facts" });
  const metadata = h("pre", { class: "metadata" });
  function draw() {
    replace(heading, org.name, " ", status);
    replace(facts, [
      ["Slug", org.slug], ["Domain", org.domain || "—"], ["Active", org.isActive ? "yes" : "no"],
      ["Logo URL", org.logoUrl || "—"], ["WorkOS id", org.workosOrgId || "—"], ["Id", org.id],
      ["Created", when(org.createdAt)], ["Updated", when(org.updatedAt)],
    ].map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
    replace(metadata, JSON.stringify(org.metadata, null, 2));
  }
  draw();
  const problem = h("div");
  const editing = h("div");
  const edit = editButton({ id: "edit-org", scope: "organizations:update", title: "Edit organization",
    fields: () => organizationFields(org, true), into: editing,
    save: async (values) => {
      Object.assign(org, (await api.put(`/organizations/${encodeURIComponent(org.id)}`, values)).data);
      draw();
    } });
  const remove = gated("organizations:delete", h("button", { type: "button", class: "danger", id: "delete-org" }, "Delete"));
  remove.addEventListener("click", () => deleteOrganization(org, problem));
  view.append(
    heading,
    h("div", { class: "toolbar" },
      verifyButton(org, () => replace(status, badge(org.isVerified, "verified", "staging"))), edit, remove,
      allows("audit_logs:read") ? auditLink({ organizationId: org.id }, "Audit log") : null),
    lacking("organizations:update", "Editing"), problem, editing,
    facts,
    h("h2", null, "Metadata"), metadata,
    h("h2", null, "Members"));
  const roles = await roleOptions(org.id).catch(() => null);
  await membersSection(view, org, roles);
  await invitationsSection(view, org, roles);
  await domainsSection(view, org, roles);
  await groupsSection(view, org, roles);
}
