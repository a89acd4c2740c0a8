// Data filters of the Dashboard and Requests pages (the seed's "Data Filters"): a project
// dropdown, a relative time frame or an absolute start/end, and "Update data". Their state is
// the URL's query string — project_id, range, from, to — so a filtered view can be shared.
// The API takes the same parameters (DESIGN.md: range=5m|…|30d or from/to, project_id).

import { api } from "./api.js";
import { h } from "./dom.js";

export const RANGES = [
  ["5m", "5 minutes"], ["15m", "15 minutes"], ["1h", "1 hour"], ["3h", "3 hours"],
  ["6h", "6 hours"], ["24h", "24 hours"], ["7d", "7 days"], ["30d", "30 days"],
];
export const DEFAULT_RANGE = "24h";

// The filter part of the URL as API parameters: {range} or {from, to}, plus project_id.
export function filterParams(query) {
  const params = {};
  const projects = query.getAll("project_id").filter(Boolean);
  if (projects.length) params.project_id = projects;
  if (query.get("from") || query.get("to")) {
    if (query.get("from")) params.from = query.get("from");
    if (query.get("to")) params.to = query.get("to");
  } else {
    params.range = query.get("range") || DEFAULT_RANGE;
  }
  return params;
}

// <input type=datetime-local> value (local time) ↔ RFC 3339 UTC.
function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value); // datetime-local values parse as local time
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

let projectsCache = null;

async function projectOptions() {
  if (!projectsCache) {
    projectsCache = api.get("/v1/projects").then(
      (answer) => (Array.isArray(answer) ? answer : answer.items || []),
      () => { projectsCache = null; return []; },
    );
  }
  return projectsCache;
}

// The filter bar. `onRefresh` is called by "Update data" (the URL is unchanged when the
// window is relative, so the page re-reads "now"); every other change goes through setQuery.
export function renderFilters({ query, setQuery, onRefresh, windowText }) {
  const absolute = Boolean(query.get("from") || query.get("to"));
  const range = absolute ? null : query.get("range") || DEFAULT_RANGE;

  const projectSelect = h("select", {
    id: "filter-project", "aria-label": "Project",
    onchange: () => setQuery({ project_id: projectSelect.value || null, cursor: null }),
  }, h("option", { value: "" }, "All projects"));
  const selected = query.get("project_id");
  if (selected) projectSelect.append(h("option", { value: selected, selected: true }, selected));
  projectOptions().then((projects) => {
    projectSelect.replaceChildren(h("option", { value: "" }, "All projects"));
    const known = new Set();
    for (const p of projects) {
      known.add(p.id);
      projectSelect.append(h("option", { value: p.id, selected: p.id === selected }, p.name || p.id));
    }
    if (selected && !known.has(selected)) projectSelect.append(h("option", { value: selected, selected: true }, selected));
  });

  const relative = h("div", { class: "segmented", role: "group", "aria-label": "Relative time frame", id: "filter-range" },
    RANGES.map(([value, label]) => h("button", {
      type: "button", title: `Last ${label}`, dataset: { range: value },
      "aria-pressed": value === range ? "true" : "false",
      onclick: () => setQuery({ range: value, from: null, to: null, cursor: null }),
    }, value)));

  const start = h("input", { type: "datetime-local", id: "filter-from", "aria-label": "Start", value: toLocalInput(query.get("from")) });
  const end = h("input", { type: "datetime-local", id: "filter-to", "aria-label": "End", value: toLocalInput(query.get("to")) });
  const apply = h("button", {
    type: "button", class: "btn", id: "filter-apply",
    onclick: () => {
      const from = fromLocalInput(start.value);
      const to = fromLocalInput(end.value);
      if (!from && !to) return;
      setQuery({ from, to, range: null, cursor: null });
    },
  }, "Apply");
  const update = h("button", {
    type: "button", class: "btn btn-primary", id: "filter-update",
    title: absolute ? "Reload this period" : "Refresh to the most recent window",
    onclick: () => onRefresh(),
  }, "Update data");

  return h("div", { class: "filters", id: "filters" },
    h("div", { class: "group" }, h("span", {}, "Project"), projectSelect),
    h("div", { class: "group" }, h("span", {}, "Last"), relative),
    h("div", { class: "group" }, h("span", {}, "From"), start, h("span", {}, "to"), end, apply),
    update,
    h("span", { class: "window", id: "filter-window" }, windowText || ""));
}

export function describeWindow(start, end) {
  const fmt = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  return `${fmt(start)} – ${fmt(end)}`;
}
