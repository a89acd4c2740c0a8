// What a member without the needed permission sees (a no_access member, on every page).
import { h, mount } from "../dom.js";

export function render(root, { member, route }) {
  const noAccess = member.role === "no_access";
  mount(root,
    h("div", { class: "card no-access", id: "no-access" },
      h("h1", {}, noAccess ? "No access" : "Not available to your role"),
      h("p", {}, noAccess
        ? `Your account ${member.email} has no access to ${member.org_name}'s data. Ask an admin of the organization to give you the user or admin role.`
        : `${route.title || "This page"} is for admins only. Your role in ${member.org_name} is ${member.role}.`)));
}
