// A confirmation dialog (<dialog>, modal, focus trapped by the browser) that names what an
// action takes with it. Resolves true only when the operator presses the action's button;
// Escape, Cancel and closing the dialog all resolve false.

import { api } from "./api.js";
import { errorBox, h, replace } from "./dom.js";

export function confirmAction({ title, lines, action }) {
  const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
    h("h2", { id: "confirm-title" }, title),
    lines.map((line) => h("p", null, line)));
  const cancel = h("button", { type: "button", class: "secondary", value: "cancel" }, "Cancel");
  const go = h("button", { type: "button", class: "danger", value: "yes", id: "confirm-yes" }, action);
  dialog.append(h("div", { class: "toolbar" }, cancel, go));
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answer = false;
    cancel.addEventListener("click", () => dialog.close());
    go.addEventListener("click", () => { answer = true; dialog.close(); });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    dialog.showModal();
    cancel.focus();  // the safe choice has the focus: Enter does not delete by accident
  });
}

// Delete `path` once the operator confirms, then go to `back`; a refusal goes in `problem`.
export async function deleteAfterConfirm({ title, lines, action, path, back, problem }) {
  if (!(await confirmAction({ title, lines, action }))) return;
  try {
    await api.del(path);
    location.hash = back;
  } catch (error) {
    replace(problem, errorBox(error));
  }
}
