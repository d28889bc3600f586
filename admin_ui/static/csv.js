// CSV export of any list: every page of it fetched through the API, flattened to columns,
// and handed to the browser as a download (a Blob, nothing leaves the page).

import { h } from "./dom.js";

// A cell as text; nested values as JSON. Text that a spreadsheet would run as a formula
// (= + - @, tab, carriage return first) gets a leading apostrophe (CSV injection).
function cell(value) {
  let text = value === null || value === undefined ? ""
    : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows) {
  const columns = [];
  for (const row of rows) for (const name of Object.keys(row)) if (!columns.includes(name)) columns.push(name);
  return [columns, ...rows.map((row) => columns.map((name) => row[name]))]
    .map((line) => line.map(cell).join(",")).join("\r\n") + "\r\n";
}

export async function allPages(fetchPage) {
  const rows = [];
  let cursor = null;
  do {
    const page = await fetchPage(cursor);
    rows.push(...page.data);
    cursor = page.meta && page.meta.hasMore ? page.meta.nextCursor : null;
  } while (cursor);
  return rows;
}

// `content`: text (made CSV here) or a Blob the API answered with (an export it streams).
export function download(filename, content) {
  const blob = content instanceof Blob ? content : new Blob([content], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// "Export CSV" for a list: `fetchPage(cursor)` as pagedTable takes it.
export function exportButton(filename, fetchPage, problem) {
  const button = h("button", { type: "button", class: "secondary export" }, "Export CSV");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      download(filename, toCsv(await allPages(fetchPage)));
    } catch (error) {
      problem(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
