// Client-side routing with the history API. Every page path is served the same HTML shell by
// query_api (query_api/web_routes.py); this module picks the page module, checks the role,
// and renders it. Filters live in the URL's query string, so any view can be shared.
//
// A page module (static/pages/<name>.js) exports `render(root, ctx)`; it may return a
// cleanup function, called when the user leaves the page. ctx:
//   member      GET /v1/me of the logged-in member
//   can(p)      whether the member has permission p (e.g. "manage_projects")
//   params      path parameters ({event_id} on /requests/:event_id, {tab} on /settings/:tab)
//   query       URLSearchParams of the current URL
//   setQuery(o) merge o into the query string (null removes a key) and re-render
//   navigate(path)   go to another page

import { handleUnauthorized } from "./api.js";
import { h, mount, notice } from "./dom.js";
import { renderNav } from "./nav.js";
import { can, currentMember, forgetMember } from "./session.js";

// path pattern, page module, nav item it highlights, permission needed to see it.
// Keep in sync with WEB_PAGES in query_api/permissions.py (the paths the server answers).
export const ROUTES = [
  { path: "/login", page: "login", public: true },
  { path: "/dashboard", page: "dashboard", nav: "dashboard", needs: "view_dashboard", title: "Dashboard" },
  { path: "/requests", page: "requests", nav: "requests", needs: "view_requests", title: "Requests" },
  { path: "/requests/:event_id", page: "request_details", nav: "requests", needs: "view_requests", title: "Request details" },
  { path: "/projects", page: "projects", nav: "projects", needs: "view_projects", title: "Projects" },
  { path: "/policies", page: "policies", nav: "policies", needs: "view_policies", title: "Policies" },
  { path: "/playground", page: "playground", nav: "playground", needs: "view_dashboard", title: "Playground" },
  { path: "/api-access", page: "api_access", nav: "api-access", needs: "view_api_keys", title: "API Access" },
  { path: "/settings", page: "settings", nav: "settings", needs: "view_settings", title: "Settings" },
  { path: "/settings/:tab", page: "settings", nav: "settings", needs: "view_settings", title: "Settings" },
];

const HOME = "/dashboard";

function match(pathname) {
  const parts = pathname.replace(/\/+$/, "").split("/").filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const ok = pattern.every((segment, i) => {
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return segment === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

let cleanup = null;
let renderCount = 0;

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return render();
}

// Merges `changes` into the query string (null/undefined/"" removes a key; arrays repeat it).
export function setQuery(changes, { replace = false } = {}) {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    query.delete(key);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== null && v !== undefined && v !== "") query.append(key, String(v));
    }
  }
  const search = query.toString();
  return navigate(location.pathname + (search ? `?${search}` : ""), { replace });
}

function loginPath() {
  const next = location.pathname === "/login" ? "" : location.pathname + location.search;
  return next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login";
}

function layout(member, route) {
  const app = document.getElementById("app");
  const main = h("main", { class: "page", id: "page" });
  if (route.public) {
    mount(app, main);
  } else {
    mount(app, h("div", { class: "layout" }, renderNav(member, route.nav), main));
  }
  return main;
}

export async function render() {
  const ticket = ++renderCount;
  if (cleanup) {
    try { cleanup(); } catch (err) { console.error(err); }
    cleanup = null;
  }
  let found = match(location.pathname);
  if (!found && location.pathname === "/") return navigate(HOME, { replace: true });

  let member = null;
  if (!found || !found.route.public) {
    try {
      member = await currentMember();
    } catch (err) {
      member = null;
    }
    if (!member) return navigate(loginPath(), { replace: true });
  }
  if (ticket !== renderCount) return; // a newer navigation started meanwhile

  const route = found ? found.route : { nav: null, title: "Not found" };
  const root = layout(member, route);
  document.title = `${route.title || "Log in"} · guardstream`;
  if (!found) {
    mount(root, notice("Page not found", `Nothing lives at ${location.pathname}.`, "error"));
    return;
  }
  if (route.needs && !can(member, route.needs)) {
    const module = await import("./pages/no_access.js");
    module.render(root, { member, route });
    return;
  }
  let module;
  try {
    module = await import(`./pages/${route.page}.js`);
  } catch (err) {
    console.error(err);
    mount(root, notice(`${route.title} is not available`, `The page module pages/${route.page}.js failed to load.`, "error"));
    return;
  }
  if (ticket !== renderCount) return;
  const ctx = {
    member,
    can: (permission) => can(member, permission),
    params: found.params,
    query: new URLSearchParams(location.search),
    setQuery,
    navigate,
    route,
  };
  try {
    const result = await module.render(root, ctx);
    if (typeof result === "function") {
      if (ticket === renderCount) cleanup = result;
      else result();
    }
  } catch (err) {
    if (err && err.name === "AbortError") return;
    console.error(err);
    if (ticket === renderCount && !(err && err.status === 401)) {
      mount(root, notice("Something went wrong", String(err && err.message ? err.message : err), "error"));
    }
  }
}

export function start() {
  handleUnauthorized(() => {
    forgetMember();
    if (location.pathname !== "/login") navigate(loginPath(), { replace: true });
  });
  window.addEventListener("popstate", () => render());
  // Same-origin links navigate without reloading the page (ctrl/cmd-click still opens a tab).
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download") || event.defaultPrevented) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/v1/") || url.pathname.startsWith("/static/")) return;
    if (url.pathname === "/docs" || url.pathname === "/openapi.json") return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  return render();
}
