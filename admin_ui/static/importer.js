// CSV import of organizations or users: the file is read in the page, sent to the API's
// bulk create as a dry run, and every refused row is shown with the API's reason before
// anything is written; "Import" then writes all of them or none (one transaction).

import { api } from "./api.js";
import { errorBox, h, replace, table } from "./dom.js";
import { gated } from "./scopes.js";

// RFC 4180 CSV: quoted cells may hold commas, quotes ("") and line breaks.
export function parseCsv(text) {
  const rows = [[]];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { rows[rows.length - 1].push(cell); cell = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      rows[rows.length - 1].push(cell); cell = ""; rows.push([]);
    } else cell += c;
  }
  rows[rows.length - 1].push(cell);
  return rows.filter((row) => row.some((value) => value.trim() !== ""));
}

// Records as the API's create takes them: a header row of field names; an empty cell is
// an absent field; `metadata` is JSON (an unreadable one is sent as text, for the API to
// name the row and field).
export function csvRecords(text) {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ""));
  if (!header) return [];
  const names = header.map((name) => name.trim());
  return rows.map((row) => {
    const record = {};
    names.forEach((name, i) => {
      const value = (row[i] || "").trim();
      if (!name || value === "") return;
      if (name === "metadata") {
        try { record[name] = JSON.parse(value); } catch (error) { record[name] = value; }
      } else record[name] = value;
    });
    return record;
  });
}

export function importer({ noun, path, scope, columns, done }) {
  const id = `import-${noun}`;
  const file = h("input", { type: "file", id: `${id}-file`, accept: ".csv,text/csv" });
  const preview = h("div", { id: `${id}-preview`, "aria-live": "polite" });
  let records = [];
  const write = gated(scope, h("button", { type: "button", id: `${id}-write`, disabled: true }, "Import"));

  function show(rows, problems) {
    const byRow = new Map();
    for (const p of problems) byRow.set(p.index, [...(byRow.get(p.index) || []), p]);
    replace(preview,
      h("p", { class: problems.length ? "error" : "notice", role: "status" }, problems.length
        ? `${byRow.size} of ${rows.length} rows are refused: fix the file and choose it again. Nothing was written.`
        : `${rows.length} rows are ready to import.`),
      table(["Row", ...columns, "Problem"], rows.map((record, i) => h("tr", { class: byRow.has(i) ? "refused-row" : null },
        h("td", null, String(i + 2)),  // the file's line: the header is line 1
        columns.map((name) => h("td", { class: "small" },
          record[name] === undefined ? "" : typeof record[name] === "object" ? JSON.stringify(record[name]) : String(record[name]))),
        h("td", { class: "small" }, (byRow.get(i) || []).map((p) => h("div", { class: "field-error" },
          p.field ? `${p.field}: ${p.message}` : p.message)))))));
  }

  file.addEventListener("change", async () => {
    write.disabled = true;
    replace(preview);
    if (!file.files.length) return;
    records = csvRecords(await file.files[0].text());
    if (!records.length) {
      replace(preview, h("p", { class: "error", role: "alert" }, "The file has no rows under its header."));
      return;
    }
    try {
      await api.post(path, { records, dryRun: true });
      show(records, []);
      write.disabled = !!write.title;  // still off when the key lacks the scope
    } catch (error) {
      if (error.details && error.details.rows) show(records, error.details.rows);
      else replace(preview, errorBox(error));
    }
  });

  write.addEventListener("click", async () => {
    write.disabled = true;
    try {
      const result = (await api.post(path, { records })).data;
      replace(preview, h("p", { class: "notice", role: "status" }, `Imported ${result.count} ${noun}.`));
      file.value = "";
      done();
    } catch (error) {
      if (error.details && error.details.rows) show(records, error.details.rows);
      else replace(preview, errorBox(error));
    }
  });

  return h("details", { class: "card import", id },
    h("summary", null, `Import ${noun} from CSV`),
    h("p", { class: "small muted" }, `A header row of field names (${columns.join(", ")}); `
      + "metadata as JSON. Every row is checked first; nothing is written unless all of them pass."),
    h("div", { class: "toolbar" }, h("label", { for: `${id}-file` }, "CSV file"), file, write),
    preview);
}
