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

function headers(accept) {
  const sent = { Accept: accept };
  if (csrfToken) sent["X-CSRF-Token"] = csrfToken;
  return sent;
}

async function send(path, init) {
  try {
    return await fetch(path, { credentials: "same-origin", cache: "no-store", ...init });
  } catch (error) {
    throw new ApiError(0, "NETWORK", "The server could not be reached. Check your connection and retry.");
  }
}

// The refusal in `response` (an error envelope, or none) as an ApiError; a 401 from the API
// means the session is over.
function refusal(response, envelope, path) {
  const first = (envelope && envelope.errors && envelope.errors[0]) || {};
  const error = new ApiError(response.status, first.code || `HTTP_${response.status}`,
    first.message || `The request failed (HTTP ${response.status})`, first.field, first.details);
  if (response.status === 401 && path.startsWith("/api/")) onSessionEnded(error);
  return error;
}

async function envelopeOf(response) {
  try {
    return await response.json();
  } catch (error) {
    return null;
  }
}

export async function request(method, path, body) {
  const init = { method, headers: headers("application/json") };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await send(path, init);
  const envelope = await envelopeOf(response);
  if (response.ok && envelope && envelope.success) return envelope;
  throw refusal(response, envelope, path);
}

// A file the API answers with (an export) as a Blob, fetched like every other request: with
// the session cookie and its CSRF header, which a plain link could not send.
async function file(path) {
  const response = await send(path, { method: "GET", headers: headers("*/*") });
  if (response.ok) return response.blob();
  throw refusal(response, await envelopeOf(response), path);
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
  file: (path, params) => file(V1 + path + query(params)),
};
