// Webhooks: subscriptions, and each one's page: edit (name, URL, events), pause and
// resume, delete behind a dialog, rotate the signing secret behind a dialog (the new one
// shown once), the delivery log with redeliver, and a test ping.

import { api } from "../api.js";
import { confirmAction, deleteAfterConfirm } from "../confirm.js";
import { exportButton } from "../csv.js";
import { badge, errorBox, h, loadOrExplain, onSubmit, pagedTable, replace, when } from "../dom.js";
import { editButton } from "../forms.js";
import { revealed } from "../reveal.js";
import { gated, lacking } from "../scopes.js";

const eventList = (text) => text.split(",").map((e) => e.trim()).filter(Boolean);

// The card showing a signing secret the API has just made (on create or rotate), once.
function revealSecret(title, secret) {
  return revealed("secret-reveal", title, [{ id: "webhook-secret", copyId: "copy-secret", label: "The signing secret", value: secret }]);
}

const STATUS_STYLE = { succeeded: "ok", pending: "off", failed: "bad" };

function subscriptionRow(hook) {
  return h("tr", null,
    h("td", null, h("a", { href: `#/webhooks/${encodeURIComponent(hook.id)}` }, hook.name)),
    h("td", { class: "mono small" }, hook.url),
    h("td", { class: "small" }, hook.events.join(", ")),
    h("td", null, badge(hook.isActive, "active", "disabled"), hook.disabledReason ? h("div", { class: "small muted" }, hook.disabledReason) : null),
    h("td", null, when(hook.createdAt)));
}

function createForm(onCreated) {
  const name = h("input", { id: "hook-name", required: true, maxlength: 100 });
  const url = h("input", { id: "hook-url", required: true, type: "url", placeholder: "https://example.com/hooks" });
  const events = h("input", { id: "hook-events", value: "*", placeholder: "* or organization.created, user.updated" });
  const problem = h("div");
  const form = h("form", { class: "card", id: "create-webhook" },
    h("h2", null, "Subscribe"),
    h("div", { class: "grid" },
      h("label", { for: "hook-name" }, "Name"), name,
      h("label", { for: "hook-url" }, "URL"), url,
      h("label", { for: "hook-events" }, "Events"), events),
    problem, gated("webhooks:write", h("button", { type: "submit" }, "Create subscription")));
  return onSubmit(form, problem, async () => {
    const created = (await api.post("/webhooks", {
      name: name.value.trim(), url: url.value.trim(),
      events: eventList(events.value),
    })).data;
    form.reset();
    onCreated(created);
  });
}

export async function webhooksPage(view) {
  const reveal = h("div");
  const listBox = h("div");
  const problem = h("div");
  const fetchPage = (cursor, limit = 50) => api.get("/webhooks", { cursor, limit });
  function showList() {
    const list = pagedTable(["Name", "URL", "Events", "Status", "Created"],
      fetchPage, subscriptionRow, "No webhook subscriptions.");
    replace(listBox, list.element);
    return list.load();
  }
  replace(view, h("h1", null, "Webhooks"), lacking("webhooks:write", "Subscribing"), reveal,
    createForm((created) => {
      replace(reveal, revealSecret(`Signing secret of “${created.name}”`, created.secret));
      showList();
    }),
    h("h2", null, "Subscriptions"),
    h("div", { class: "toolbar" }, exportButton("webhooks.csv", (cursor) => fetchPage(cursor, 100),
      (e) => replace(problem, errorBox(e)))), problem, listBox);
  await showList();
}

function deleteWebhook(hook, path, notice) {
  return deleteAfterConfirm({
    title: `Delete the subscription “${hook.name}”?`,
    lines: [`Events stop going to ${hook.url}, and its pending deliveries are dropped. This cannot be undone.`],
    action: "Delete subscription", path, back: "#/webhooks", problem: notice });
}

// Ask first (the old secret signs beside the new one for the API's default grace period, 24
// hours, then stops), rotate, and show the new secret once.
async function rotateSecret(hook, path, reveal, notice) {
  const go = await confirmAction({
    title: `Rotate the signing secret of “${hook.name}”?`,
    lines: [`Deliveries to ${hook.url} are signed with a new secret from now on, pending retries included; for 24 hours they carry a signature made with the old one too, then it stops verifying them.`,
      "The new secret is shown once: update the receiver with it within those 24 hours."],
    action: "Rotate secret" });
  if (!go) return;
  try {
    const rotated = (await api.post(`${path}/rotate-secret`)).data;
    replace(notice);
    replace(reveal, revealSecret(`New signing secret of “${rotated.name}”`, rotated.secret));
  } catch (error) {
    replace(notice, errorBox(error));
  }
}

export async function webhookPage(view, id) {
  replace(view, h("p", null, h("a", { href: "#/webhooks" }, "← Webhooks")));
  const hook = await loadOrExplain(view, "Webhook", () => api.get(`/webhooks/${encodeURIComponent(id)}`));
  if (!hook) return;
  const path = `/webhooks/${encodeURIComponent(hook.id)}`;
  const notice = h("div", { role: "status" });
  const deliveries = h("div");

  function deliveryRow(delivery) {
    const redeliver = h("button", { type: "button", class: "secondary" }, "Redeliver");
    redeliver.addEventListener("click", async () => {
      try {
        await api.post(`${path}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`);
        replace(notice, h("p", { class: "notice" }, `Event ${delivery.eventId} queued again.`));
        showDeliveries();
      } catch (error) {
        replace(notice, errorBox(error));
      }
    });
    return h("tr", null,
      h("td", null, delivery.event),
      h("td", null, h("span", { class: `badge ${STATUS_STYLE[delivery.status] || "off"}` }, delivery.status)),
      h("td", null, String(delivery.attempts)),
      h("td", null, delivery.responseCode === null ? "—" : String(delivery.responseCode)),
      h("td", { class: "small" }, delivery.error || ""),
      h("td", null, when(delivery.createdAt)),
      h("td", null, redeliver));
  }

  const fetchDeliveries = (cursor, limit = 50) => api.get(`${path}/deliveries`, { cursor, limit });
  function showDeliveries() {
    const list = pagedTable(["Event", "Status", "Attempts", "Response", "Error", "Created", "Actions"],
      fetchDeliveries, deliveryRow, "No deliveries yet.");
    replace(deliveries, list.element);
    return list.load();
  }

  const ping = h("button", { type: "button", id: "ping" }, "Send test ping");
  ping.addEventListener("click", async () => {
    try {
      await api.post(`${path}/test`);
      replace(notice, h("p", { class: "notice" }, "Ping queued."));
      setTimeout(showDeliveries, 1000);
    } catch (error) {
      replace(notice, errorBox(error));
    }
  });
  const heading = h("h1", { id: "hook-name-heading" });
  const facts = h("dl", { class: "facts" });
  const pause = gated("webhooks:write", h("button", { type: "button", class: "secondary", id: "pause" }));
  function draw() {
    replace(heading, hook.name, " ", badge(hook.isActive, "active", "paused"));
    replace(facts,
      h("dt", null, "URL"), h("dd", { class: "mono" }, hook.url),
      h("dt", null, "Events"), h("dd", null, hook.events.join(", ")),
      h("dt", null, "Organization"), h("dd", null, hook.organizationId || "all"),
      h("dt", null, "Disabled because"), h("dd", null, hook.disabledReason || "—"));
    replace(pause, hook.isActive ? "Pause" : "Resume");
  }
  async function save(values) {
    Object.assign(hook, (await api.put(path, values)).data);
    draw();
  }
  pause.addEventListener("click", () => save({ isActive: !hook.isActive })
    .then(() => replace(notice, h("p", { class: "notice" }, hook.isActive ? "Resumed." : "Paused: nothing is sent until you resume.")))
    .catch((error) => replace(notice, errorBox(error))));
  const editing = h("div");
  const edit = editButton({ id: "edit-hook", scope: "webhooks:write", title: "Edit subscription", into: editing,
    fields: () => [
      { name: "name", label: "Name", required: true, maxlength: 100, value: hook.name },
      { name: "url", label: "URL", type: "url", required: true, value: hook.url },
      { name: "events", label: "Events (comma-separated, * for all)", required: true, value: hook.events.join(", ") },
    ],
    save: (values) => save({ ...values, events: eventList(values.events || "") }) });
  const remove = gated("webhooks:write", h("button", { type: "button", class: "danger", id: "delete-hook" }, "Delete"));
  remove.addEventListener("click", () => deleteWebhook(hook, path, notice));
  const reveal = h("div");
  const rotate = gated("webhooks:write", h("button", { type: "button", class: "secondary", id: "rotate-secret" }, "Rotate secret"));
  rotate.addEventListener("click", () => rotateSecret(hook, path, reveal, notice));
  draw();
  view.append(heading, facts,
    h("div", { class: "toolbar" }, gated("webhooks:write", ping), edit, pause, rotate, remove),
    lacking("webhooks:write", "Changing this subscription"), notice, reveal, editing,
    h("h2", null, "Delivery log"),
    h("div", { class: "toolbar" }, exportButton("deliveries.csv", (cursor) => fetchDeliveries(cursor, 100),
      (e) => replace(notice, errorBox(e)))), deliveries);
  await showDeliveries();
}
