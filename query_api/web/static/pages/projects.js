// Projects: every integration of the guard, its policy and its metadata (GET /v1/projects).
// Admins create, edit (name, policy, metadata key/values) and delete; a `user` only reads.

import { api } from "../api.js";
import { fmtTime, h, mount, notice } from "../dom.js";
import { confirmAction, field, openDialog, useAdminCss } from "./admin_dialogs.js";

export async function render(root, ctx) {
  useAdminCss();
  root.dataset.loaded = "false";
  const manage = ctx.can("manage_projects");
  const [projects, policies] = await Promise.all([api.get("/v1/projects"), api.get("/v1/policies")]);
  const policyNames = new Map(policies.items.map((p) => [p.id, p.name]));
  const reload = () => render(root, ctx);

  const create = manage
    ? h("button", { type: "button", class: "btn btn-primary", id: "create-project", onclick: () => editProject(null, policies.items).then((saved) => saved && reload()) }, "Create project")
    : null;

  const rows = projects.items.map((project) => h("tr", { dataset: { projectId: project.id } },
    h("td", {}, h("strong", { class: "project-name" }, project.name), h("div", { class: "muted mono" }, project.id)),
    h("td", { class: "project-policy" }, project.policy_id
      ? h("a", { href: `/policies?policy=${encodeURIComponent(project.policy_id)}` }, policyNames.get(project.policy_id) || project.policy_id)
      : h("span", { class: "muted" }, "Organization default")),
    h("td", { class: "project-metadata" }, Object.keys(project.metadata).length
      ? Object.entries(project.metadata).map(([k, v]) => h("span", { class: "badge badge-meta" }, `${k}=${v}`))
      : h("span", { class: "muted" }, "–")),
    h("td", { class: "nowrap" }, fmtTime(project.created_at)),
    manage ? h("td", { class: "row-actions" },
      h("button", { type: "button", class: "btn btn-small edit-project", onclick: () => editProject(project, policies.items).then((saved) => saved && reload()) }, "Edit"),
      h("button", {
        type: "button", class: "btn btn-small btn-danger delete-project",
        onclick: async () => {
          const deleted = await confirmAction({
            id: "delete-project-dialog", title: `Delete ${project.name}?`, label: "Delete project",
            text: "Its screenings stay in the requests list; guard clients can no longer screen for this project.",
            action: () => api.del(`/v1/projects/${encodeURIComponent(project.id)}`),
          });
          if (deleted) reload();
        },
      }, "Delete")) : null));

  mount(root,
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, "Projects"),
        h("p", { class: "subtitle" }, "Separate integrations of the guard, each with its policy and metadata for analysis and SIEM logs.")),
      h("div", { class: "actions" }, create)),
    projects.items.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "data", id: "projects-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Project"), h("th", {}, "Policy"), h("th", {}, "Metadata"), h("th", {}, "Created"), manage ? h("th", {}, "") : null)),
        h("tbody", {}, rows)))
      : notice("No projects yet", manage ? "Create one to screen an integration with its own policy." : "An admin of your organization can create one."));
  root.dataset.loaded = "true";
}

function metadataRow(key = "", value = "") {
  const row = h("div", { class: "meta-row" },
    h("input", { type: "text", class: "meta-key", placeholder: "key", value: key, maxlength: 64, "aria-label": "Metadata key" }),
    h("input", { type: "text", class: "meta-value", placeholder: "value", value, maxlength: 256, "aria-label": "Metadata value" }),
    h("button", { type: "button", class: "btn btn-small btn-ghost", title: "Remove", "aria-label": "Remove metadata", onclick: () => row.remove() }, "✕"));
  return row;
}

// The create/edit dialog; resolves with the saved project, or undefined when cancelled.
function editProject(project, policies) {
  const name = h("input", { type: "text", id: "project-name", required: true, maxlength: 200, value: project ? project.name : "" });
  const policy = h("select", { id: "project-policy" },
    h("option", { value: "" }, "Organization default"),
    policies.map((p) => h("option", { value: p.id, selected: project && project.policy_id === p.id }, `${p.name} (v${p.version})`)));
  const rows = h("div", { class: "meta-rows", id: "project-metadata" },
    Object.entries(project ? project.metadata : {}).map(([k, v]) => metadataRow(k, v)));
  const add = h("button", { type: "button", class: "btn btn-small", id: "add-metadata", onclick: () => rows.append(metadataRow()) }, "Add metadata");

  return openDialog({
    id: "project-dialog",
    title: project ? `Edit ${project.name}` : "Create project",
    submitLabel: project ? "Save project" : "Create project",
    body: [
      field("Name", name),
      field("Policy", policy, "Left at the default, the project follows the organization's default policy."),
      h("label", {}, "Metadata"),
      h("p", { class: "hint" }, "Key/value pairs attached to every screening of this project (dashboard, requests, SIEM export)."),
      rows, add,
    ],
    onSubmit: async () => {
      const metadata = {};
      for (const row of rows.querySelectorAll(".meta-row")) {
        const key = row.querySelector(".meta-key").value.trim();
        if (key) metadata[key] = row.querySelector(".meta-value").value;
      }
      // null on an edit goes back to the org's default policy; left out on a create, the same
      const body = { name: name.value.trim(), metadata, policy_id: policy.value || null };
      if (!project) return api.post("/v1/projects", body);
      return api.patch(`/v1/projects/${encodeURIComponent(project.id)}`, body);
    },
  });
}
