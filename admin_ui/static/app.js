// The dashboard's shell: sign-in, the session, and the hash router (#/organizations …).
// Every page calls the public API with the session cookie and CSRF header, so what a
// page shows and may do is exactly what the signed-in key may do.

import { request, useSession } from "./api.js";
import { errorBox, h, onSubmit, replace } from "./dom.js";
import { organizationsPage } from "./pages/organizations.js";
import { organizationPage } from "./pages/organization.js";
import { usersPage } from "./pages/users.js";
import { userPage } from "./pages/user.js";
import { useScopes } from "./scopes.js";
import { keysPage } from "./pages/keys.js";
import { webhooksPage, webhookPage } from "./pages/webhooks.js";
import { analyticsPage } from "./pages/analytics.js";
import { rolesPage } from "./pages/roles.js";
import { auditPage } from "./pages/audit.js";

const ROUTES = [
  [/^#\/organizations\/([^/?]+)$/, organizationPage, "organizations"],
  [/^#\/organizations$/, organizationsPage, "organizations"],
  [/^#\/users\/([^/?]+)$/, userPage, "users"],
  [/^#\/users$/, usersPage, "users"],
  [/^#\/roles$/, rolesPage, "roles"],
  [/^#\/keys$/, keysPage, "keys"],
  [/^#\/webhooks\/([^/?]+)$/, webhookPage, "webhooks"],
  [/^#\/webhooks$/, webhooksPage, "webhooks"],
  [/^#\/analytics$/, analyticsPage, "analytics"],
  [/^#\/audit$/, auditPage, "audit"],
];

const main = document.getElementById("main");
const top = document.getElementById("top");
let session = null;

function showSignIn(message) {
  session = null;
  useSession(null);
  top.hidden = true;
  const key = h("input", { type: "password", name: "key", id: "key", required: true,
    autocomplete: "off", placeholder: "gr_live_…" });
  const problem = h("div", { id: "sign-in-problem" });
  const form = h("form", { class: "card sign-in", id: "sign-in" },
    h("h1", null, "Golden Record admin"),
    h("p", { class: "muted" }, "Sign in with an API key. The dashboard can see and do what the key can."),
    h("label", { for: "key" }, "API key"), key, problem,
    h("button", { type: "submit" }, "Sign in"));
  if (message) problem.append(h("p", { class: "notice", role: "status" }, message));
  onSubmit(form, problem, async () => {
    const envelope = await request("POST", "/admin/session", { key: key.value.trim() });
    key.value = "";
    start(envelope.data);
  });
  replace(main, form);
  key.focus();
}

function start(data) {
  session = data;
  useScopes(data.key.scopes);
  useSession(data.csrfToken, () => showSignIn(
    "Your session has ended: it expired, or its API key was revoked or has expired. Sign in again."));
  const who = data.key;
  replace(document.getElementById("whoami"), who.name, " · ", who.keyPrefix, "…",
    who.organizationId ? " · one organization" : "");
  top.hidden = false;
  if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = "#/organizations";
  else route();
}

function route() {
  if (!session) return;
  const hash = location.hash.split("?")[0];
  for (const [pattern, page, name] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    document.querySelectorAll("#nav a").forEach((link) => {
      if (link.dataset.page === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    const view = h("section", { class: "page" });
    replace(main, view);
    page(view, ...match.slice(1).map(decodeURIComponent), session)
      .catch((error) => view.append(errorBox(error)));
    return;
  }
  replace(main, h("section", { class: "page" }, h("h1", null, "Not found"),
    h("p", null, "There is no such page. ", h("a", { href: "#/organizations" }, "Organizations"))));
}

document.getElementById("sign-out").addEventListener("click", async () => {
  try {
    await request("DELETE", "/admin/session");
  } catch (error) {
    // The session is unusable either way; the sign-in page is the right place to be.
  }
  showSignIn("Signed out.");
});

window.addEventListener("hashchange", route);

request("GET", "/admin/session")
  .then((envelope) => start(envelope.data))
  .catch((error) => showSignIn(error.status === 401 ? null : error.message));
