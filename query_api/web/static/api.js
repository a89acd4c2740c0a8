// The one way pages talk to the query API: JSON in and out, the login token as a bearer
// header, 401 → back to the login page, and the contract's error body turned into an
// ApiError with a readable message.

const TOKEN_KEY = "guardstream.token";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY);
}

export function setToken(value, remember = true) {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

// Query string from an object; arrays repeat the key (project_id=a&project_id=b), empty
// values are left out. A URLSearchParams passes through.
export function queryString(params) {
  if (!params) return "";
  const search = params instanceof URLSearchParams ? new URLSearchParams(params) : new URLSearchParams();
  if (!(params instanceof URLSearchParams)) {
    for (const [key, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== null && v !== undefined && v !== "") search.append(key, String(v));
      }
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

let onUnauthorized = () => {};

// router.js sets this: what to do when the token is missing, expired or revoked.
export function handleUnauthorized(callback) {
  onUnauthorized = callback;
}

export async function request(method, path, { params, body, signal } = {}) {
  const headers = { Accept: "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path + queryString(params), {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "The server did not answer. Is guardstream running?", null);
  }
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  const error = payload && payload.error ? payload.error : { code: "error", message: response.statusText };
  const apiError = new ApiError(response.status, error.code, error.message || `HTTP ${response.status}`, error.field || null);
  if (response.status === 401 && path !== "/v1/auth/login") {
    clearToken();
    onUnauthorized(apiError);
  }
  throw apiError;
}

export const api = {
  get: (path, params, options = {}) => request("GET", path, { ...options, params }),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  put: (path, body, options = {}) => request("PUT", path, { ...options, body }),
  patch: (path, body, options = {}) => request("PATCH", path, { ...options, body }),
  del: (path, options = {}) => request("DELETE", path, options),
};

// A readable one-liner for an error shown on a page.
export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.status === 403) return `Not allowed: ${err.message}`;
    return err.message;
  }
  return String(err && err.message ? err.message : err);
}
