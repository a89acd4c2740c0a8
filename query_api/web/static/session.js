// The logged-in member: GET /v1/me, fetched once per login and cached for the page's life.
import { api, clearToken, token } from "./api.js";

let me = null;

export async function currentMember({ refresh = false } = {}) {
  if (!token()) return null;
  if (!me || refresh) me = await api.get("/v1/me");
  return me;
}

export function forgetMember() {
  me = null;
}

// May the member do this? Permission names are the API's (GET /v1/me `permissions`).
export function can(member, permission) {
  return Boolean(member && member.permissions.includes(permission));
}

export async function logout() {
  try {
    await api.post("/v1/auth/logout");
  } catch {
    // an expired or revoked token is logged out already
  }
  clearToken();
  forgetMember();
}
