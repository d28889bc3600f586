// A combobox with a live suggestion list (the WAI-ARIA combobox pattern).
//
// Requests are debounced at `delay` ms with a leading edge: a keystroke after a pause is
// sent at once (the dropdown should feel instant), keystrokes within `delay` of the last
// request are coalesced into one trailing request for the latest text. Arrow keys move
// through the options, Enter picks the active one (the first, until the arrows move),
// Escape closes.
//
// Answers arrive in any order and late. One is drawn only if the box still holds the text
// it answers, the box was not closed after it was asked (Escape, a pick, leaving the box:
// a late answer must not reopen what the user closed), and no answer asked later has been
// drawn already. Drawing again for the text on show keeps the highlighted option where
// the arrows put it, so ArrowDown then a quick Enter opens what was highlighted.

import { h, replace } from "./dom.js";

let instances = 0;

export function autocomplete({ label, placeholder, search, renderOption, onPick, onSubmit, delay = 100 }) {
  const id = `ac-${++instances}`;
  const input = h("input", {
    type: "search", id: `${id}-input`, role: "combobox", autocomplete: "off", spellcheck: "false",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `${id}-list`,
    placeholder,
  });
  const list = h("ul", { id: `${id}-list`, role: "listbox", class: "dropdown", hidden: true });
  const note = h("div", { class: "dropdown-note", hidden: true, role: "status" });
  const element = h("div", { class: "combobox" },
    h("label", { for: `${id}-input`, class: "visually-hidden" }, label), input, list, note);

  let items = [];
  let active = -1;
  let lastSent = -Infinity;
  let timer = null;
  let drawnFor = null;
  let asked = 0;     // requests sent so far: each answer knows its number
  let settled = 0;   // answers to requests up to this number are not drawn any more
  let answers = 0;   // answers received, drawn or dropped (tests wait on it)

  function close() {
    settled = asked;  // what is on its way was asked before the box closed
    list.hidden = true;
    note.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      if (i === index) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function draw(text, found) {
    const shown = !list.hidden && drawnFor === text && active >= 0 ? items[active].id : undefined;
    items = found;
    drawnFor = text;
    replace(list, found.map((item, i) => h("li", {
      id: `${id}-opt-${i}`, role: "option", "aria-selected": "false",
      onmousedown: (event) => event.preventDefault(),  // keep focus in the box
      onclick: () => pick(i),
    }, renderOption(item))));
    list.dataset.query = text;  // what these options answer (tests and benchmarks wait on it)
    note.hidden = found.length > 0;
    replace(note, found.length ? "" : `No organization matches “${text}”`);
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    const kept = found.findIndex((item) => item.id === shown);
    setActive(kept >= 0 ? kept : found.length ? 0 : -1);
  }

  function showError(error) {
    list.hidden = true;
    replace(note, error.message);
    note.hidden = false;
  }

  async function send() {
    timer = null;
    lastSent = performance.now();
    const text = input.value.trim();
    if (!text) {
      close();
      return;
    }
    const number = ++asked;
    let found, failure;
    try {
      found = await search(text);
    } catch (error) {
      failure = error;
    }
    list.dataset.answers = String(++answers);
    if (number <= settled || input.value.trim() !== text) return;  // closed, stale or superseded
    settled = number;
    if (failure) showError(failure);
    else draw(text, found);
  }

  function schedule() {
    if (timer !== null) return;  // the pending request will read the latest text
    const wait = lastSent + delay - performance.now();
    if (wait <= 0) send();
    else timer = setTimeout(send, wait);
  }

  function pick(index) {
    const item = items[index];
    close();
    if (item) onPick(item);
  }

  input.addEventListener("input", schedule);
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) setActive((active + 1) % items.length);
      else if (drawnFor === input.value.trim() && items.length) { list.hidden = false; setActive(0); }
      else schedule();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (open) setActive((active - 1 + items.length) % items.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (open && active >= 0) pick(active);
      else if (onSubmit) { close(); onSubmit(input.value.trim()); }
    } else if (event.key === "Escape") {
      if (!list.hidden || !note.hidden) { event.preventDefault(); close(); }
    }
  });

  return { element, input };
}
