// The JSON API as the dashboard calls it: same-origin fetch with the session cookie and
// the session's CSRF header; failures become ApiError carrying the envelope's message.

let csrfToken = null;
let onSessionEnded = () => {};

export class ApiError extends Error {
  constructor(status, code, message, field, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

export function useSession(token, ended) {
  csrfToken = token;
  if (ended) onSessionEnded = ended;
}

export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, "NETWORK", "The server could not be reached. Check your connection and retry.");
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch (error) {
    envelope = null;
  }
  if (response.ok && envelope && envelope.success) return envelope;
  const first = (envelope && envelope.errors && envelope.errors[0]) || {};
  const error = new ApiError(response.status, first.code || `HTTP_${response.status}`,
    first.message || `The request failed (HTTP ${response.status})`, first.field, first.details);
  if (response.status === 401 && path.startsWith("/api/")) onSessionEnded(error);
  throw error;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const V1 = "/api/v1";

export const api = {
  get: (path, params) => request("GET", V1 + path + query(params)),
  post: (path, body, params) => request("POST", V1 + path + query(params), body),
  put: (path, body) => request("PUT", V1 + path, body),
  del: (path) => request("DELETE", V1 + path),
};
