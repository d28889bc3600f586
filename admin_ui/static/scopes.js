// What the signed-in key may do, read from the session (its scopes), so that a page can
// disable an action up front and say why, instead of offering a button the API refuses.
// The API still decides: this only spares the operator a refusal they could foresee.

let scopes = [];

export function useScopes(keyScopes) {
  scopes = keyScopes || [];
}

export function allows(scope) {
  return scopes.includes("*:*") || scopes.includes(scope);
}

export function reason(scope) {
  return `Your API key lacks the '${scope}' scope.`;
}

// `control` as it is when the key has `scope`; otherwise disabled, with the reason as its
// tooltip and, for screen readers and touch screens, as text beside it.
export function gated(scope, control) {
  if (allows(scope)) return control;
  control.disabled = true;
  control.title = reason(scope);
  control.classList.add("refused");
  return control;
}

// A short note for what the key cannot do at all, or nothing (an empty fragment, which
// Node.append and dom.js's h both take) when it can.
export function lacking(scope, what) {
  if (allows(scope)) return document.createDocumentFragment();
  const note = document.createElement("p");
  note.className = "notice scope-note";
  note.textContent = `${what} is off: ${reason(scope)}`;
  return note;
}
