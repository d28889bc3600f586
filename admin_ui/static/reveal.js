// A secret the API answers with once (a new API key, an invitation's token and accept URL, a
// webhook's signing secret): shown in a read-only field with a copy button, with the warning
// that no page can show it again, because the API never answers with it again.

import { h, replace } from "./dom.js";

// One read-only field (`id`) holding `value`, under `caption` when there is more than one,
// its Copy button (`copyId`) and where the button says what it did; when the clipboard is
// refused, the text is left selected.
function copyable({ id, copyId, label, caption, value }) {
  const field = h("input", { type: "text", readonly: true, value, class: "mono secret", id, "aria-label": label });
  const copied = h("span", { class: "muted", role: "status" });
  const copy = h("button", { type: "button", id: copyId, "aria-label": `Copy ${label.charAt(0).toLowerCase()}${label.slice(1)}` }, "Copy");
  copy.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(value);
      replace(copied, "Copied.");
    } catch (error) {
      replace(copied, "Press Ctrl+C (⌘C) to copy the selected text.");
    }
  });
  return [caption ? h("label", { for: id, class: "small muted" }, caption) : null,
    h("div", { class: "toolbar" }, field, copy), copied];
}

// A card (`id`) titled `title` with each of `secrets` ({id, copyId, label, caption?, value})
// copyable.
export function revealed(id, title, secrets) {
  return h("div", { class: "card reveal", id },
    h("h2", null, title),
    h("p", null, "Copy it now: it is shown only this once and cannot be shown again."),
    secrets.map(copyable));
}
