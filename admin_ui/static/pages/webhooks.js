// Webhooks: subscriptions, and each one's delivery log with redeliver and a test ping.

import { api } from "../api.js";
import { badge, errorBox, h, loadOrExplain, onSubmit, pagedTable, replace, when } from "../dom.js";

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
    problem, h("button", { type: "submit" }, "Create subscription"));
  return onSubmit(form, problem, async () => {
    const created = (await api.post("/webhooks", {
      name: name.value.trim(), url: url.value.trim(),
      events: events.value.split(",").map((e) => e.trim()).filter(Boolean),
    })).data;
    form.reset();
    onCreated(created);
  });
}

export async function webhooksPage(view) {
  const reveal = h("div");
  const listBox = h("div");
  function showList() {
    const list = pagedTable(["Name", "URL", "Events", "Status", "Created"],
      (cursor) => api.get("/webhooks", { cursor, limit: 50 }), subscriptionRow, "No webhook subscriptions.");
    replace(listBox, list.element);
    return list.load();
  }
  replace(view, h("h1", null, "Webhooks"), reveal,
    createForm((created) => {
      replace(reveal, h("div", { class: "card reveal" },
        h("h2", null, "Signing secret"),
        h("p", null, "Shown only this once: verify deliveries with it."),
        h("input", { type: "text", readonly: true, value: created.secret, class: "mono secret", "aria-label": "Signing secret" })));
      showList();
    }),
    h("h2", null, "Subscriptions"), listBox);
  await showList();
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

  function showDeliveries() {
    const list = pagedTable(["Event", "Status", "Attempts", "Response", "Error", "Created", ""],
      (cursor) => api.get(`${path}/deliveries`, { cursor, limit: 50 }), deliveryRow, "No deliveries yet.");
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
  view.append(
    h("h1", null, hook.name, " ", badge(hook.isActive, "active", "disabled")),
    h("dl", { class: "facts" },
      h("dt", null, "URL"), h("dd", { class: "mono" }, hook.url),
      h("dt", null, "Events"), h("dd", null, hook.events.join(", ")),
      h("dt", null, "Organization"), h("dd", null, hook.organizationId || "all"),
      h("dt", null, "Disabled because"), h("dd", null, hook.disabledReason || "—")),
    h("div", { class: "toolbar" }, ping), notice,
    h("h2", null, "Delivery log"), deliveries);
  await showDeliveries();
}
