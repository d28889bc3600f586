// Forms described by their fields, whose errors are shown next to the field they name:
// the API's refusal carries `field` (camelCase, as in the request body), so the message
// lands under that input, marked aria-invalid and tied to it by aria-describedby; a refusal
// naming no field of the form goes above the submit button.

import { ApiError } from "./api.js";
import { errorBox, h, replace } from "./dom.js";
import { gated } from "./scopes.js";

let forms = 0;

function control(id, field) {
  const common = { id, name: field.name, required: field.required || null };
  if (field.type === "checkbox") {
    return h("input", { ...common, type: "checkbox", checked: field.value ? true : null });
  }
  if (field.type === "select") {
    const select = h("select", common, field.options.map(([value, label]) => h("option", { value }, label)));
    if (field.value !== undefined && field.value !== null) select.value = field.value;
    return select;
  }
  if (field.type === "json") {
    return h("textarea", { ...common, rows: 5, class: "mono", spellcheck: "false" },
      JSON.stringify(field.value === undefined ? {} : field.value, null, 2));
  }
  return h("input", { ...common, type: field.type || "text", maxlength: field.maxlength || null,
    value: field.value === null || field.value === undefined ? null : field.value,
    placeholder: field.placeholder || null, autocomplete: "off" });
}

// The value a field sends: text trimmed ("" is null for a nullable field, left out for an
// optional one); JSON parsed and checked to be an object before anything is sent.
function read(field, input) {
  if (field.type === "custom") return field.read();
  if (field.type === "checkbox") return input.checked;
  if (field.type === "json") {
    let value;
    try {
      value = JSON.parse(input.value.trim() || "{}");
    } catch (error) {
      throw new ApiError(400, "INVALID_JSON", `${field.label} is not valid JSON: ${error.message}`, field.name);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ApiError(400, "INVALID_JSON", `${field.label} must be a JSON object, like {"plan": "pro"}`, field.name);
    }
    return value;
  }
  const text = input.value.trim();
  if (text === "") return field.nullable ? null : undefined;
  return text;
}

export function fieldForm({ id, title, fields, submit, onSubmit, extra }) {
  const prefix = id || `form-${++forms}`;
  const problem = h("div", { class: "form-problem" });
  const rows = fields.map((field) => {
    const inputId = `${prefix}-${field.name}`;
    const error = h("p", { class: "field-error", id: `${inputId}-error`, role: "alert", hidden: true });
    // a custom field brings its own control (`field.control`) around its input (`field.input`)
    const input = field.type === "custom" ? field.input : control(inputId, field);
    input.id = inputId;
    input.setAttribute("aria-describedby", error.id);
    const label = h("label", { for: inputId }, field.label);
    return { field, input, error, element: field.type === "checkbox"
      ? h("div", { class: "field check" }, input, label, error)
      : h("div", { class: "field" }, label, field.control || input, error) };
  });
  const button = h("button", { type: "submit" }, submit);
  // novalidate: the API's own message, shown at its field, rather than the browser's bubble
  const form = h("form", { class: "card form", id: prefix, novalidate: true },
    title ? h("h2", null, title) : null,
    h("div", { class: "fields" }, rows.map((row) => row.element)),
    extra || null, problem, h("div", { class: "toolbar" }, button));

  function clear() {
    replace(problem);
    for (const row of rows) {
      row.error.hidden = true;
      replace(row.error);
      row.input.removeAttribute("aria-invalid");
    }
  }

  function show(error) {
    const named = error.field && rows.find((row) => error.field === row.field.name
      || error.field.startsWith(`${row.field.name}.`) || error.field.startsWith(`${row.field.name}[`));
    if (!named) {
      problem.append(errorBox(error));
      return;
    }
    replace(named.error, error.message);
    named.error.hidden = false;
    named.input.setAttribute("aria-invalid", "true");
    named.input.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    button.disabled = true;
    try {
      const values = {};
      for (const row of rows) {
        const value = read(row.field, row.input);
        if (value !== undefined) values[row.field.name] = value;
      }
      await onSubmit(values);
    } catch (error) {
      show(error);
    } finally {
      button.disabled = false;
    }
  });
  return { element: form, button, show, reset: () => { form.reset(); clear(); } };
}

// An "Edit" button that opens `fields()` as a form in `into`; saving calls `save(values)`,
// says so, and gives the focus back to the button (keyboard users stay where they were).
export function editButton({ id, scope, title, fields, save, into }) {
  const button = gated(scope, h("button", { type: "button", class: "secondary", id }, "Edit"));
  button.addEventListener("click", () => {
    const form = fieldForm({ id: `${id}-form`, title, submit: "Save changes", fields: fields(),
      onSubmit: async (values) => {
        await save(values);
        replace(into, h("p", { class: "notice", role: "status" }, "Saved."));
        button.focus();
      } });
    replace(into, form.element);
    form.element.querySelector("input").focus();
  });
  return button;
}
