// The navigation pane of the seed: Dashboard, Requests, Projects, Policies, Playground,
// API Access, Settings (admins only); the member, their role and "Log out" at the bottom.
// A no_access member sees only their account and "Log out".

import { h } from "./dom.js";
import { can, logout } from "./session.js";

export const NAV_ITEMS = [
  { key: "dashboard", href: "/dashboard", label: "Dashboard", needs: "view_dashboard", icon: '<rect x="2" y="2" width="5" height="5" rx="1"/><rect x="9" y="2" width="5" height="5" rx="1"/><rect x="2" y="9" width="5" height="5" rx="1"/><rect x="9" y="9" width="5" height="5" rx="1"/>' },
  { key: "requests", href: "/requests", label: "Requests", needs: "view_requests", icon: '<path d="M2 4h12M2 8h12M2 12h12"/>' },
  { key: "projects", href: "/projects", label: "Projects", needs: "view_projects", icon: '<rect x="2" y="3" width="12" height="10" rx="1.5"/><path d="M2 6h12"/>' },
  { key: "policies", href: "/policies", label: "Policies", needs: "view_policies", icon: '<path d="M8 1.8 13.5 4v4c0 3.2-2.3 5.3-5.5 6.4C4.8 13.3 2.5 11.2 2.5 8V4Z"/>' },
  { key: "playground", href: "/playground", label: "Playground", needs: "view_dashboard", icon: '<path d="M3 3h10v7H7l-3 3v-3H3Z"/>' },
  { key: "api-access", href: "/api-access", label: "API Access", needs: "view_api_keys", icon: '<circle cx="5.5" cy="8" r="3"/><path d="M8.5 8H14M12 8v2.5M14 8v2"/>' },
  { key: "settings", href: "/settings", label: "Settings", needs: "view_settings", icon: '<circle cx="8" cy="8" r="2.2"/><path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4"/>' },
];

// Icons are constant SVG markup from NAV_ITEMS (never user data).
function icon(paths) {
  const span = h("span", { class: "nav-icon", "aria-hidden": "true" });
  span.innerHTML = `<svg viewBox="0 0 16 16" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round">${paths}</svg>`;
  return span;
}

export function renderNav(member, active) {
  const items = NAV_ITEMS.filter((item) => can(member, item.needs));
  return h("nav", { class: "sidebar", "aria-label": "Main navigation" },
    h("a", { class: "brand", href: items.length ? items[0].href : "/dashboard" },
      h("span", { class: "brand-mark" }, "◆"), "guardstream"),
    h("div", { class: "org", title: member.org_id }, member.org_name),
    h("ul", { class: "nav-items" },
      items.map((item) => h("li", {},
        h("a", {
          href: item.href,
          class: item.key === active ? "nav-link active" : "nav-link",
          "aria-current": item.key === active ? "page" : null,
          dataset: { nav: item.key },
        }, icon(item.icon), item.label)))),
    h("div", { class: "account" },
      h("div", { class: "account-email", title: member.user_id }, member.email),
      h("div", { class: "account-role" }, h("span", { class: `role role-${member.role}` }, member.role.replace("_", " "))),
      h("button", {
        type: "button", class: "btn btn-ghost", id: "logout",
        onclick: async () => {
          await logout();
          history.pushState(null, "", "/login");
          window.dispatchEvent(new PopStateEvent("popstate"));
        },
      }, "Log out")));
}
