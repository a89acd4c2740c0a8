// API Access: the org's API keys (GET /v1/api-keys: prefixes, never secrets). Admins create
// a key — its secret is shown once, right here, with a copy button — and revoke keys.

import { api } from "../api.js";
import { fmtTime, h, mount, notice } from "../dom.js";
import { confirmAction, copyText, field, openDialog, useAdminCss } from "./admin_dialogs.js";

export async function render(root, ctx, created = null) {
  useAdminCss();
  root.dataset.loaded = "false";
  const manage = ctx.can("manage_api_keys");
  const [keys, projects] = await Promise.all([api.get("/v1/api-keys"), api.get("/v1/projects")]);
  const projectNames = new Map(projects.items.map((p) => [p.id, p.name]));
  const reload = (justCreated = null) => render(root, ctx, justCreated);

  const rows = keys.items.map((key) => h("tr", { dataset: { keyId: key.id }, class: key.revoked ? "revoked" : null },
    h("td", {}, h("strong", { class: "key-name" }, key.name), h("div", { class: "muted mono" }, key.id)),
    h("td", {}, h("code", { class: "key-prefix" }, `${key.prefix}…`)),
    h("td", {}, key.project_ids === null
      ? h("span", { class: "muted" }, "All projects")
      : key.project_ids.length ? key.project_ids.map((id) => h("span", { class: "badge" }, projectNames.get(id) || id)) : h("span", { class: "muted" }, "No projects")),
    h("td", { class: "nowrap" }, fmtTime(key.created_at)),
    h("td", { class: "nowrap" }, key.last_used_at ? fmtTime(key.last_used_at) : h("span", { class: "muted" }, "never")),
    h("td", { class: "key-status" }, key.revoked
      ? h("span", { class: "badge badge-flagged" }, "revoked")
      : h("span", { class: "badge badge-ok" }, "active")),
    manage ? h("td", { class: "row-actions" }, key.revoked ? null : h("button", {
      type: "button", class: "btn btn-small btn-danger revoke-key",
      onclick: async () => {
        const revoked = await confirmAction({
          id: "revoke-key-dialog", title: `Revoke ${key.name}?`, label: "Revoke key",
          text: "Guard clients using this key are refused from now on. This cannot be undone.",
          action: () => api.del(`/v1/api-keys/${encodeURIComponent(key.id)}`),
        });
        if (revoked) reload();
      },
    }, "Revoke")) : null));

  mount(root,
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, "API Access"),
        h("p", { class: "subtitle" }, "Keys your guard clients send as `Authorization: Bearer <key>` to the ingest API.")),
      h("div", { class: "actions" }, manage ? h("button", {
        type: "button", class: "btn btn-primary", id: "create-key",
        onclick: async () => {
          const key = await createKey(projects.items);
          if (key) reload(key);
        },
      }, "Create API key") : null)),
    created ? secretPanel(created) : null,
    keys.items.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "data", id: "keys-table" },
        h("thead", {}, h("tr", {}, ["Name", "Key", "Projects", "Created", "Last used", "Status"].map((t) => h("th", {}, t)), manage ? h("th", {}, "") : null)),
        h("tbody", {}, rows)))
      : notice("No API keys yet", manage ? "Create one for each guard client." : "An admin of your organization can create one."));
  root.dataset.loaded = "true";
}

// The new key's secret, shown this once: it is stored nowhere, so leaving the page loses it.
function secretPanel(key) {
  const status = h("span", { class: "copy-status", role: "status" });
  return h("div", { class: "secret-once", id: "new-key-secret" },
    h("div", {}, h("strong", {}, `Key “${key.name}” created.`), " Copy its secret now: it will not be shown again."),
    h("div", { class: "secret-row" },
      h("code", { class: "secret", id: "secret-value" }, key.secret),
      h("button", {
        type: "button", class: "btn btn-small", id: "copy-secret",
        onclick: async () => { status.textContent = (await copyText(key.secret)) ? "Copied" : "Copy failed: select the text"; },
      }, "Copy"),
      status));
}

function createKey(projects) {
  const name = h("input", { type: "text", id: "key-name", required: true, maxlength: 200, placeholder: "support bot production" });
  const all = h("input", { type: "checkbox", id: "key-all-projects", checked: true });
  const choices = h("div", { class: "checks", id: "key-projects", hidden: true },
    projects.map((p) => h("label", { class: "check" }, h("input", { type: "checkbox", value: p.id, class: "key-project" }), p.name)));
  all.addEventListener("change", () => { choices.hidden = all.checked; });
  return openDialog({
    id: "key-dialog",
    title: "Create API key",
    submitLabel: "Create key",
    body: [
      field("Name", name),
      h("label", { class: "check" }, all, " May screen for every project"),
      choices,
    ],
    onSubmit: () => {
      const chosen = [...choices.querySelectorAll("input:checked")].map((c) => c.value);
      if (!all.checked && !chosen.length) throw new Error("Choose at least one project, or let the key screen for every project.");
      return api.post("/v1/api-keys", { name: name.value.trim(), project_ids: all.checked ? null : chosen });
    },
  });
}
