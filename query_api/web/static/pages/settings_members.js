// Settings › Team members: every member with their user id and role. Admins change roles with
// the dropdown and remove access; their own row cannot be changed (the API refuses it too:
// 403 own_role / own_membership). Inviting shows the one-time password once.

import { api } from "../api.js";
import { h, mount } from "../dom.js";
import { confirmAction, copyText, field, openDialog } from "./admin_dialogs.js";

const ROLES = [["admin", "Admin"], ["user", "User"], ["no_access", "No access"]];

export async function render(root, ctx, invited = null) {
  const manage = ctx.can("manage_members");
  const members = (await api.get("/v1/members")).items;
  const reload = (justInvited = null) => render(root, ctx, justInvited);
  const status = h("div", { class: "form-ok msg-line", role: "status", id: "members-status" });
  const error = h("div", { class: "form-error msg-line", role: "alert", id: "members-error" });

  const rows = members.map((m) => {
    const own = m.user_id === ctx.member.user_id;
    const role = h("select", { class: "member-role", disabled: !manage || own, "aria-label": `Role of ${m.email}`, title: own ? "You cannot change your own role" : null },
      ROLES.map(([value, text]) => h("option", { value, selected: value === m.role }, text)));
    role.addEventListener("change", async () => {
      status.textContent = "";
      error.textContent = "";
      try {
        const saved = await api.patch(`/v1/members/${encodeURIComponent(m.user_id)}`, { role: role.value });
        status.textContent = `${saved.email} is now ${saved.role.replace("_", " ")}.`;
      } catch (err) {
        role.value = m.role;
        error.textContent = err.message;
      }
    });
    return h("tr", { dataset: { userId: m.user_id, own: String(own) } },
      h("td", {}, h("strong", {}, m.email), own ? h("span", { class: "badge" }, "you") : null),
      h("td", { class: "mono muted" }, m.user_id),
      h("td", {}, role),
      h("td", {}, h("span", { class: m.status === "active" ? "badge badge-ok" : "badge" }, m.status)),
      manage ? h("td", { class: "row-actions" }, own ? null : h("button", {
        type: "button", class: "btn btn-small btn-danger remove-member",
        onclick: async () => {
          const removed = await confirmAction({
            id: "remove-member-dialog", title: `Remove ${m.email}?`, label: "Remove access",
            text: "They lose access to this organization at their next request.",
            action: () => api.del(`/v1/members/${encodeURIComponent(m.user_id)}`),
          });
          if (removed) reload();
        },
      }, "Remove access")) : null);
  });

  mount(root,
    h("div", { class: "section-header" },
      h("p", { class: "muted" }, "User: views dashboard, requests, API keys, projects, policies and members. Admin: also creates, edits and deletes them and manages settings. No access: nothing."),
      manage ? h("button", { type: "button", class: "btn btn-primary", id: "invite-member", onclick: async () => { const r = await invite(); if (r) reload(r); } }, "Invite member") : null),
    invited ? invitedPanel(invited) : null,
    error, status,
    h("div", { class: "table-wrap" }, h("table", { class: "data", id: "members-table" },
      h("thead", {}, h("tr", {}, ["Member", "User ID", "Role", "Status"].map((t) => h("th", {}, t)), manage ? h("th", {}, "") : null)),
      h("tbody", {}, rows))));
}

function invite() {
  const email = h("input", { type: "email", id: "invite-email", required: true, maxlength: 320 });
  const role = h("select", { id: "invite-role" }, ROLES.map(([value, text]) => h("option", { value, selected: value === "user" }, text)));
  return openDialog({
    id: "invite-dialog", title: "Invite member", submitLabel: "Invite",
    body: [field("Email", email), field("Role", role, "A new user gets a one-time password to change at first login.")],
    onSubmit: () => api.post("/v1/members", { email: email.value.trim(), role: role.value }),
  });
}

function invitedPanel(invited) {
  if (!invited.initial_password) {
    return h("div", { class: "secret-once", id: "invited" }, `${invited.member.email} joined as ${invited.member.role}; they log in with their existing password.`);
  }
  const copied = h("span", { class: "copy-status", role: "status" });
  return h("div", { class: "secret-once", id: "invited" },
    h("div", {}, h("strong", {}, `${invited.member.email} invited.`), " Send them this one-time password; it will not be shown again."),
    h("div", { class: "secret-row" },
      h("code", { class: "secret" }, invited.initial_password),
      h("button", { type: "button", class: "btn btn-small", onclick: async () => { copied.textContent = (await copyText(invited.initial_password)) ? "Copied" : "Copy failed"; } }, "Copy"),
      copied));
}
