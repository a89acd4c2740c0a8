// Settings (admins): General (prompt logging, retention, default policy), Team members and
// Export logs, one tab each at /settings/general, /settings/members, /settings/export.

import { api } from "../api.js";
import { h, mount } from "../dom.js";
import { field, useAdminCss } from "./admin_dialogs.js";

const TABS = [
  ["general", "General"],
  ["members", "Team members"],
  ["export", "Export logs"],
];

export async function render(root, ctx) {
  useAdminCss();
  const tab = TABS.some(([key]) => key === ctx.params.tab) ? ctx.params.tab : "general";
  const body = h("div", { id: `settings-${tab}` });
  mount(root,
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, "Settings"), h("p", { class: "subtitle" }, "Logging, team members and access, and log export for your SIEM."))),
    h("nav", { class: "tabs", "aria-label": "Settings" },
      TABS.map(([key, text]) => h("a", { href: `/settings/${key}`, class: key === tab ? "active" : null, "aria-current": key === tab ? "page" : null, dataset: { tab: key } }, text))),
    body);
  root.dataset.loaded = "false";
  if (tab === "members") await (await import("./settings_members.js")).render(body, ctx);
  else if (tab === "export") await (await import("./settings_export.js")).render(body, ctx);
  else await renderGeneral(body, ctx);
  root.dataset.loaded = "true";
}

async function renderGeneral(root, ctx) {
  const manage = ctx.can("manage_settings");
  const [settings, policies] = await Promise.all([api.get("/v1/settings"), api.get("/v1/policies")]);
  const logging = h("input", { type: "checkbox", id: "prompt-logging", checked: settings.prompt_logging, disabled: !manage });
  const retention = h("input", { type: "number", id: "retention-days", min: 1, max: 3650, value: settings.retention_days, disabled: !manage, required: true });
  const policy = h("select", { id: "default-policy", disabled: !manage },
    policies.items.map((p) => h("option", { value: p.id, selected: p.id === settings.default_policy_id }, p.name)));
  const status = h("div", { class: "form-ok msg-line", role: "status", id: "general-status" });
  const error = h("div", { class: "form-error msg-line", role: "alert", id: "general-error" });
  const save = h("button", { type: "submit", class: "btn btn-primary", id: "save-general", disabled: !manage }, "Save changes");

  async function onSubmit(event) {
    event.preventDefault();
    status.textContent = "";
    error.textContent = "";
    save.disabled = true;
    try {
      const saved = await api.put("/v1/settings", {
        prompt_logging: logging.checked, retention_days: Number(retention.value), default_policy_id: policy.value || null,
      });
      logging.checked = saved.prompt_logging;
      retention.value = saved.retention_days;
      status.textContent = "Saved.";
    } catch (err) {
      error.textContent = err.message;
    } finally {
      save.disabled = false;
    }
  }

  mount(root, h("form", { class: "card settings-form", onsubmit: onSubmit },
    h("dl", { class: "kv" },
      h("dt", {}, "Organization"), h("dd", {}, settings.name, " ", h("span", { class: "muted mono" }, settings.org_id)),
      h("dt", {}, "Plan"), h("dd", {}, h("span", { class: "badge" }, settings.plan)),
      h("dt", {}, "Monthly quota"), h("dd", {}, settings.monthly_quota === null ? "no limit" : `${settings.monthly_quota.toLocaleString("en-US")} screenings`)),
    h("h3", { class: "section-title" }, "Prompt logging"),
    h("label", { class: "check", for: "prompt-logging" }, logging, " Record prompts and model outputs for the dashboard"),
    h("p", { class: "hint" }, "Off: the guard still answers every request, but contents are not stored, so they are not shown on the requests page or exported (PII is always masked)."),
    h("div", { class: "grid grid-2" },
      field("Retention (days)", retention, "Screenings older than this are deleted from the read models."),
      field("Default policy", policy, "Used by projects without a policy of their own.")),
    settings.plan !== "enterprise" ? h("p", { class: "hint" }, "Prompt logging and retention are Enterprise features.") : null,
    error, status, manage ? h("div", { class: "actions" }, save) : null));
}
