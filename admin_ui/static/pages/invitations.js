// An organization's invitations: the Invite form (email, role, expiry), the token and accept
// URL shown once after an invite or a resend (only their hash is kept), and the list with
// each invitation's state and expiry, Resend and Revoke (behind the confirmation dialog).

import { api } from "../api.js";
import { confirmAction } from "../confirm.js";
import { errorBox, h, pagedTable, replace, when } from "../dom.js";
import { fieldForm } from "../forms.js";
import { revealed } from "../reveal.js";
import { allows, gated, lacking } from "../scopes.js";

const WRITE = "invitations:write";
const STATE_CLASS = { pending: "badge ok", accepted: "badge ok", revoked: "badge off", expired: "badge off" };

// The answer of create or resend, whose token and accept URL no later request can show;
// acceptUrl is null while the server has no invitations.accept_url_template.
function revealInvitation(title, answer) {
  const card = revealed("invitation-reveal", title, [
    { id: "invitation-token", copyId: "copy-invitation-token", label: "The invitation's token", caption: "Token",
      value: answer.token },
    ...(answer.acceptUrl ? [{ id: "invitation-url", copyId: "copy-invitation-url", label: "The accept URL", caption: "Accept URL",
      value: answer.acceptUrl }] : []),
  ]);
  if (!answer.acceptUrl) {
    card.append(h("p", { class: "small muted" }, "No accept URL: the server has no "
      + "invitations.accept_url_template, so the host application makes the link from the token."));
  }
  return card;
}

// Whole days as a number; anything else goes as typed, for the API to refuse at the field.
function days(text) {
  return /^\d+$/.test(text || "") ? Number(text) : text;
}

function invitationRow(invitation, roleName, { reveal, reload }) {
  const path = `/invitations/${encodeURIComponent(invitation.id)}`;
  const problem = h("div", { role: "status" });
  const open = invitation.state === "pending" || invitation.state === "expired";
  const resend = gated(WRITE, h("button", { type: "button", class: "secondary resend" }, "Resend"));
  resend.addEventListener("click", async () => {
    replace(problem);
    try {
      const answer = (await api.post(`${path}/resend`)).data;
      replace(reveal, revealInvitation(`Resent to ${answer.email}: the new token`, answer));
      await reload();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  });
  const revoke = gated(WRITE, h("button", { type: "button", class: "danger revoke" }, "Revoke"));
  revoke.addEventListener("click", async () => {
    const yes = await confirmAction({
      title: `Revoke the invitation of ${invitation.email}?`,
      lines: ["Its link stops working for good; a new invitation would be needed to join."],
      action: "Revoke invitation" });
    if (!yes) return;
    try {
      await api.post(`${path}/revoke`);
      await reload();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  });
  return h("tr", { "data-invitation-id": invitation.id },
    h("td", null, invitation.email),
    h("td", null, roleName(invitation.roleId)),
    h("td", null, h("span", { class: STATE_CLASS[invitation.state] || "badge off" }, invitation.state)),
    h("td", null, when(invitation.expiresAt)),
    h("td", { class: "actions" }, open ? [resend, " "] : null,
      invitation.state === "pending" ? revoke : null, problem));
}

// `roles`: [[id, name]] available in `org`, or null when the key cannot list roles.
export async function invitationsSection(view, org, roles) {
  const reveal = h("div");
  const listBox = h("div", { id: "invitation-list" });
  const names = new Map(roles || []);
  const roleName = (id) => names.get(id) || id;
  function reload() {
    if (!allows("invitations:read")) return null;
    const list = pagedTable(["Email", "Role", "State", "Expires", "Actions"],
      (cursor) => api.get("/invitations", { organizationId: org.id, cursor, limit: 50 }),
      (invitation) => invitationRow(invitation, roleName, { reveal, reload }), "No invitations yet.");
    replace(listBox, list.element);
    return list.load();
  }
  const form = fieldForm({ id: "invite", title: "Invite a member", submit: "Invite",
    fields: [
      { name: "email", label: "Email", type: "email", required: true, placeholder: "jo@acme.com" },
      { name: "roleId", label: "Role", type: "select", value: "role_member",
        options: roles || [["role_member", "Member"], ["role_admin", "Admin"]] },
      { name: "expiresInDays", label: "Expires in (days)", type: "number", value: 7 },
    ],
    onSubmit: async (values) => {
      const body = { ...values, organizationId: org.id };
      if (values.expiresInDays !== undefined) body.expiresInDays = days(values.expiresInDays);
      const answer = (await api.post("/invitations", body)).data;
      replace(reveal, revealInvitation(`Invited ${answer.email}`, answer));
      form.reset();
      await reload();
    } });
  gated(WRITE, form.button);
  view.append(h("h2", null, "Invitations"), lacking(WRITE, "Inviting"),
    lacking("invitations:read", "Listing invitations"), reveal, form.element, listBox);
  await reload();
}
