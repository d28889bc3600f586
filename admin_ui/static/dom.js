// DOM building without markup: every value goes in as a text node or an attribute set
// through the DOM, never through innerHTML, so user-supplied text can never become markup.

export function h(tag, props, ...children) {
  return fill(document.createElement(tag), props, children);
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, props, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), props, children);
}

function fill(el, props, children) {
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.setAttribute("class", value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// `text` with the [start, end) character ranges of `ranges` wrapped in <mark>. Ranges
// count Unicode code points (as the server does), not UTF-16 units.
export function highlighted(text, ranges) {
  const chars = Array.from(text || "");
  const out = document.createDocumentFragment();
  let at = 0;
  for (const [start, end] of [...(ranges || [])].sort((a, b) => a[0] - b[0])) {
    if (start < at || end <= start) continue;
    if (start > at) out.append(chars.slice(at, start).join(""));
    out.append(h("mark", null, chars.slice(start, end).join("")));
    at = end;
  }
  if (at < chars.length) out.append(chars.slice(at).join(""));
  return out;
}

export function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, error.message || String(error));
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

export function when(value) {
  return value ? value.replace("T", " ").replace("Z", " UTC") : "—";
}

export function badge(on, yes, no) {
  return h("span", { class: on ? "badge ok" : "badge off" }, on ? yes : no);
}

// Each cell names its column (data-label), so that on a narrow screen the stylesheet can
// stack a row's cells as a card, each under its heading, with nothing (actions included)
// left off to the side.
function labelled(row, headings) {
  Array.from(row.children).forEach((cell, i) => { if (headings[i]) cell.dataset.label = headings[i]; });
  return row;
}

export function table(headings, rows) {
  return h("div", { class: "scroll" },
    h("table", null,
      h("thead", null, h("tr", null, headings.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, rows.map((row) => labelled(row, headings)))));
}

// A "Load more" list: `fetchPage(cursor)` resolves to an envelope {data, meta}; `row(item)`
// makes a <tr>. Returns the element holding the table, the count and the button.
export function pagedTable(headings, fetchPage, row, emptyText) {
  const body = h("tbody");
  const status = h("p", { class: "muted count" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const scroll = h("div", { class: "scroll" }, h("table", null,
    h("thead", null, h("tr", null, headings.map((t) => h("th", { scope: "col" }, t)))), body));
  const box = h("div", { "aria-busy": "true" }, scroll, status, more);
  let cursor = null;
  async function load() {
    more.disabled = true;
    box.setAttribute("aria-busy", "true");
    try {
      const page = await fetchPage(cursor);
      append(body, page.data.map((item) => labelled(row(item), headings)));
      cursor = page.meta && page.meta.nextCursor;
      more.hidden = !(page.meta && page.meta.hasMore);
      const shown = body.children.length;
      // a list whose meta has no total (the audit log's) says how many are shown so far
      const total = page.meta && page.meta.total !== undefined ? page.meta.total : null;
      replace(status, shown === 0 ? emptyText
        : total === null ? `${shown} shown` : `${shown} of ${total} shown`);
      status.className = shown === 0 ? "empty" : "muted count";
      scroll.hidden = shown === 0;  // no empty table above "No … yet."
    } catch (error) {
      box.append(errorBox(error));
    } finally {
      more.disabled = false;
      box.setAttribute("aria-busy", "false");
    }
  }
  more.addEventListener("click", load);
  return { element: box, load };
}

// A form whose submit runs `action()`; the API's refusal is shown in `problem`.
export function onSubmit(form, problem, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(problem);
    try {
      await action();
    } catch (error) {
      problem.append(errorBox(error));
    }
  });
  return form;
}

// A detail page's record: `load()`'s data, or null after putting the refusal in `view`.
export async function loadOrExplain(view, heading, load) {
  try {
    return (await load()).data;
  } catch (error) {
    view.append(h("h1", null, heading), errorBox(error));
    return null;
  }
}
