// Policies: the detectors each policy runs and the confidence at which they flag, allowed
// domains, custom regex detectors, and every version (GET /v1/policies/{id}/versions). Saving
// an edit makes a new version (PUT, with expected_version so a concurrent edit is a 409).
// A `user` sees the same page read-only.

import { api } from "../api.js";
import { fmtTime, h, mount, notice } from "../dom.js";
import { confirmAction, field, openDialog, useAdminCss } from "./admin_dialogs.js";

// The built-in detector types (DESIGN.md contract, Lakera's names), grouped as the seed shows them.
const DETECTOR_GROUPS = [
  ["Prompt attacks", ["prompt_attack"]],
  ["Links", ["unknown_links"]],
  ["Content moderation", ["crime", "hate", "profanity", "sexual", "violence", "weapons"].map((c) => `moderated_content/${c}`)],
  ["Personally identifiable information", ["name", "email", "phone_number", "credit_card", "iban_code", "ip_address", "us_social_security_number", "address"].map((p) => `pii/${p}`)],
];
const THRESHOLDS = [
  ["l1_confident", "L1 · confident"],
  ["l2_very_likely", "L2 · very likely"],
  ["l3_likely", "L3 · likely"],
  ["l4_less_likely", "L4 · less likely"],
];
const SIDES = [["both", "input and output"], ["input", "input only"], ["output", "output only"]];

function label(type) {
  const [, rest] = type.split("/");
  return (rest || type).replaceAll("_", " ");
}

function options(pairs, current) {
  return pairs.map(([value, text]) => h("option", { value, selected: value === current }, text));
}

export async function render(root, ctx) {
  useAdminCss();
  root.dataset.loaded = "false";
  const manage = ctx.can("manage_policies");
  const [policies, projects, members] = await Promise.all([
    api.get("/v1/policies"), api.get("/v1/projects"), api.get("/v1/members").catch(() => ({ items: [] })),
  ]);
  const selectedId = ctx.query.get("policy") || (policies.items[0] && policies.items[0].id);
  const selected = policies.items.find((p) => p.id === selectedId);
  const emails = new Map(members.items.map((m) => [m.user_id, m.email]));
  const usedBy = (id) => projects.items.filter((p) => p.policy_id === id);

  const create = manage ? h("button", {
    type: "button", class: "btn btn-primary", id: "create-policy",
    onclick: async () => {
      const name = h("input", { type: "text", id: "policy-name-new", required: true, maxlength: 200 });
      const policy = await openDialog({
        id: "policy-dialog", title: "Create policy", submitLabel: "Create policy",
        body: [field("Name", name, "It starts with every built-in detector on, as the default policy.")],
        onSubmit: () => api.post("/v1/policies", { name: name.value.trim() }),
      });
      if (policy) ctx.setQuery({ policy: policy.id });
    },
  }, "Create policy") : null;

  const list = h("div", { class: "table-wrap" }, h("table", { class: "data", id: "policies-table" },
    h("thead", {}, h("tr", {}, ["Policy", "Version", "Detectors on", "Custom", "Used by", "Updated"].map((t) => h("th", {}, t)))),
    h("tbody", {}, policies.items.map((p) => h("tr", {
      class: p.id === selectedId ? "clickable selected" : "clickable",
      dataset: { policyId: p.id },
      onclick: () => ctx.setQuery({ policy: p.id }),
    },
    h("td", {}, h("strong", {}, p.name), h("div", { class: "muted mono" }, p.id)),
    h("td", { class: "num" }, `v${p.version}`),
    h("td", { class: "num" }, p.detectors.filter((d) => d.enabled).length),
    h("td", { class: "num" }, p.custom_detectors.length),
    h("td", {}, usedBy(p.id).length ? usedBy(p.id).map((pr) => h("span", { class: "badge" }, pr.name)) : h("span", { class: "muted" }, "–")),
    h("td", { class: "nowrap" }, fmtTime(p.updated_at)))))));

  mount(root,
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, "Policies"),
        h("p", { class: "subtitle" }, "The detectors that screen a project's requests, and how confident each must be to flag.")),
      h("div", { class: "actions" }, create)),
    policies.items.length ? list : notice("No policies", "An admin of your organization can create one."),
    selected ? await policyPanel(selected, { manage, emails, used: usedBy(selected.id), ctx }) : null);
  root.dataset.loaded = "true";
}

async function policyPanel(policy, { manage, emails, used, ctx }) {
  const versions = await api.get(`/v1/policies/${encodeURIComponent(policy.id)}/versions`);
  const status = h("div", { class: "form-ok msg-line", role: "status", id: "policy-status" });
  const error = h("div", { class: "form-error msg-line", role: "alert", id: "policy-error" });
  const ro = !manage;

  const name = h("input", { type: "text", id: "policy-name", value: policy.name, disabled: ro, maxlength: 200 });
  const mode = h("select", { id: "policy-mode", disabled: ro }, options([["unified", "Unified: same detectors for input and output"], ["input_output", "Input/output: choose the side per detector"]], policy.mode));
  const byType = new Map(policy.detectors.map((d) => [d.type, d]));

  const detectorRows = DETECTOR_GROUPS.map(([group, types]) => [
    h("tr", { class: "group-row" }, h("th", { colspan: 4 }, group)),
    types.map((type) => {
      const current = byType.get(type);
      return h("tr", { dataset: { detector: type } },
        h("td", {}, h("span", { class: "det-label" }, label(type)), h("span", { class: "muted mono" }, type)),
        h("td", {}, h("input", { type: "checkbox", class: "det-enabled", checked: Boolean(current && current.enabled), disabled: ro, "aria-label": `${type} enabled` })),
        h("td", {}, h("select", { class: "det-threshold", disabled: ro, "aria-label": `${type} threshold` }, options(THRESHOLDS, current ? current.threshold : "l2_very_likely"))),
        h("td", { class: "side-cell" }, h("select", { class: "det-side", disabled: ro, "aria-label": `${type} applies to` }, options(SIDES, current ? current.applies_to : "both"))));
    }),
  ]);
  const detectors = h("table", { class: "data compact detectors", id: "policy-detectors" },
    h("thead", {}, h("tr", {}, h("th", {}, "Detector"), h("th", {}, "On"), h("th", {}, "Flags from"), h("th", { class: "side-cell" }, "Applies to"))),
    h("tbody", {}, detectorRows));
  const syncMode = () => detectors.classList.toggle("unified", mode.value === "unified");
  mode.addEventListener("change", syncMode);
  syncMode();

  const domains = h("textarea", { id: "policy-domains", rows: 4, disabled: ro, placeholder: "lakera.ai\n*.example.com" });
  domains.value = policy.allowed_domains.join("\n");

  const customRows = h("tbody", {}, policy.custom_detectors.map((c) => customRow(c, ro)));
  const custom = h("table", { class: "data", id: "policy-custom" },
    h("thead", {}, h("tr", {}, ["Name", "Regular expression", "On", "Applies to", ""].map((t) => h("th", {}, t)))),
    customRows);
  const addCustom = manage ? h("button", { type: "button", class: "btn btn-small", id: "add-custom", onclick: () => customRows.append(customRow(null, false)) }, "Add custom detector") : null;

  async function save() {
    error.textContent = "";
    status.textContent = "";
    const rules = collect();
    try {
      const saved = await api.put(`/v1/policies/${encodeURIComponent(policy.id)}`, { ...rules, expected_version: policy.version });
      if (saved.version === policy.version) {
        status.textContent = "No changes to save.";
        return;
      }
      await ctx.setQuery({ policy: policy.id, saved: saved.version });
    } catch (err) {
      error.textContent = err.field ? `${err.message} (${err.field})` : err.message;
    }
  }

  function collect() {
    const chosen = [];
    for (const row of detectors.querySelectorAll("tr[data-detector]")) {
      const type = row.dataset.detector;
      const enabled = row.querySelector(".det-enabled").checked;
      if (!enabled && !byType.has(type)) continue; // never configured and still off: leave it out
      chosen.push({
        type, enabled,
        threshold: row.querySelector(".det-threshold").value,
        applies_to: mode.value === "unified" ? (byType.get(type)?.applies_to || "both") : row.querySelector(".det-side").value,
      });
    }
    return {
      name: name.value.trim(),
      mode: mode.value,
      detectors: chosen,
      allowed_domains: domains.value.split(/[\s,]+/).map((d) => d.trim()).filter(Boolean),
      custom_detectors: [...customRows.querySelectorAll("tr")].map((row) => ({
        name: row.querySelector(".custom-name").value.trim(),
        pattern: row.querySelector(".custom-pattern").value,
        enabled: row.querySelector(".custom-enabled").checked,
        applies_to: row.querySelector(".custom-side").value,
      })).filter((c) => c.name || c.pattern),
    };
  }

  const savedVersion = ctx.query.get("saved");
  if (savedVersion && Number(savedVersion) === policy.version) status.textContent = `Saved as version ${policy.version}.`;

  const actions = manage ? h("div", { class: "actions" },
    h("button", { type: "button", class: "btn btn-primary", id: "save-policy", onclick: save }, "Save as new version"),
    h("button", {
      type: "button", class: "btn btn-danger", id: "delete-policy",
      onclick: async () => {
        const deleted = await confirmAction({
          id: "delete-policy-dialog", title: `Delete ${policy.name}?`, label: "Delete policy",
          text: used.length ? `Projects using it: ${used.map((p) => p.name).join(", ")}. Assign them another policy first.` : "Its version history stays in the audit trail.",
          action: () => api.del(`/v1/policies/${encodeURIComponent(policy.id)}`),
        });
        if (deleted) ctx.setQuery({ policy: null, saved: null });
      },
    }, "Delete")) : h("p", { class: "muted" }, "Read-only: only admins edit policies.");

  return h("div", { class: "policy-layout", id: "policy-panel", dataset: { policyId: policy.id, version: String(policy.version) } },
    h("section", { class: "card" },
      h("div", { class: "card-header" }, h("h2", {}, `${policy.name} · v${policy.version}`), h("span", { class: "muted mono" }, policy.id)),
      h("div", { class: "grid grid-2" }, field("Name", name), field("Mode", mode)),
      h("h3", { class: "section-title" }, "Detectors"),
      h("div", { class: "table-wrap inline" }, detectors),
      h("h3", { class: "section-title" }, "Allowed domains"),
      h("p", { class: "hint" }, "Links to these domains never flag unknown_links. One per line; *.example.com covers subdomains."),
      domains,
      h("h3", { class: "section-title" }, "Custom regex detectors"),
      h("p", { class: "hint" }, "A match is a confident detection of custom/<name>."),
      h("div", { class: "table-wrap inline" }, custom), addCustom,
      error, status, actions),
    h("section", { class: "card", id: "policy-history" },
      h("div", { class: "card-header" }, h("h2", {}, "Version history"), h("span", { class: "muted" }, `${versions.items.length} versions`)),
      h("ol", { class: "history" }, versions.items.map((v, i) => {
        const previous = versions.items[i + 1];
        return h("li", { dataset: { version: String(v.version) } },
          h("div", { class: "history-head" }, h("strong", {}, `v${v.version}`), h("span", { class: "muted" }, fmtTime(v.updated_at))),
          h("div", { class: "muted" }, `by ${v.updated_by === "system" ? "system" : emails.get(v.updated_by) || v.updated_by}`),
          h("ul", { class: "changes" }, changes(previous, v).map((c) => h("li", {}, c))));
      }))));
}

function customRow(custom, ro) {
  const row = h("tr", {},
    h("td", {}, h("input", { type: "text", class: "custom-name", value: custom ? custom.name : "", placeholder: "ticket-id", disabled: ro, "aria-label": "Custom detector name", pattern: "[a-z0-9][a-z0-9_-]{0,63}" })),
    h("td", {}, h("input", { type: "text", class: "custom-pattern mono", value: custom ? custom.pattern : "", placeholder: "TCK-[0-9]{6}", disabled: ro, "aria-label": "Regular expression" })),
    h("td", {}, h("input", { type: "checkbox", class: "custom-enabled", checked: custom ? custom.enabled : true, disabled: ro, "aria-label": "Custom detector enabled" })),
    h("td", {}, h("select", { class: "custom-side", disabled: ro, "aria-label": "Custom detector applies to" }, options(SIDES, custom ? custom.applies_to : "both"))),
    h("td", {}, ro ? null : h("button", { type: "button", class: "btn btn-small btn-ghost", "aria-label": "Remove custom detector", onclick: () => row.remove() }, "✕")));
  return row;
}

// What changed from `before` to `after`, in words (the first version: "created").
export function changes(before, after) {
  if (!before) return ["created"];
  const out = [];
  if (before.name !== after.name) out.push(`renamed to “${after.name}”`);
  if (before.mode !== after.mode) out.push(`mode ${before.mode} → ${after.mode}`);
  const old = new Map(before.detectors.map((d) => [d.type, d]));
  for (const d of after.detectors) {
    const o = old.get(d.type);
    if (!o) { out.push(`${d.type} ${d.enabled ? "on" : "off"}`); continue; }
    if (o.enabled !== d.enabled) out.push(`${d.type} ${d.enabled ? "on" : "off"}`);
    if (o.threshold !== d.threshold) out.push(`${d.type} ${o.threshold.slice(0, 2)} → ${d.threshold.slice(0, 2)}`);
    if (o.applies_to !== d.applies_to) out.push(`${d.type} applies to ${d.applies_to}`);
  }
  const domainsBefore = new Set(before.allowed_domains);
  const domainsAfter = new Set(after.allowed_domains);
  for (const d of domainsAfter) if (!domainsBefore.has(d)) out.push(`allowed ${d}`);
  for (const d of domainsBefore) if (!domainsAfter.has(d)) out.push(`no longer allowed ${d}`);
  const customBefore = new Map(before.custom_detectors.map((c) => [c.name, c]));
  const customAfter = new Map(after.custom_detectors.map((c) => [c.name, c]));
  for (const [n, c] of customAfter) {
    const o = customBefore.get(n);
    if (!o) out.push(`custom/${n} added`);
    else if (JSON.stringify(o) !== JSON.stringify(c)) out.push(`custom/${n} changed`);
  }
  for (const n of customBefore.keys()) if (!customAfter.has(n)) out.push(`custom/${n} removed`);
  return out.length ? out : ["no rule changes"];
}
