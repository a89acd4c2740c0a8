// Dashboard (GET /v1/dashboard): cards for requests, flagged and detection rate; requests
// and detections over time by detector type; requests by type; the latency histogram with
// p50/p95/p99 marked; the per-project table, sortable by name or detection rate.

import { api } from "../api.js";
import { baseOptions, bucketLabel, colorFor, loadChartJs, markersPlugin } from "../charts.js";
import { fmtInt, fmtMs, fmtPct, h, mount, notice } from "../dom.js";
import { describeWindow, filterParams, renderFilters } from "../filters.js";

const KIND_LABELS = { prompt: "Prompt", output: "Output", conversation: "Conversation" };

export async function render(root, ctx) {
  const charts = [];
  const body = h("div", { id: "dashboard-body", class: "stack" }, h("p", { class: "muted" }, "Loading…"));
  const windowText = h("span");
  const controller = new AbortController();

  async function load() {
    const chartJs = loadChartJs(); // in parallel with the data
    let data;
    try {
      data = await api.get("/v1/dashboard", filterParams(ctx.query), { signal: controller.signal });
    } catch (err) {
      if (err.name === "AbortError") return;
      mount(body, notice("Could not load the dashboard", err.message, "error"));
      return;
    }
    const filters = root.querySelector("#filter-window");
    if (filters) filters.textContent = describeWindow(data.window.start, data.window.end);
    charts.splice(0).forEach((c) => c.destroy());
    mount(body, ...content(data, ctx));
    let Chart = null;
    try {
      Chart = await chartJs;
    } catch (err) {
      body.prepend(notice("Charts unavailable", err.message, "error"));
    }
    if (Chart && data.totals.requests > 0) charts.push(...drawCharts(Chart, root, data));
    body.dataset.loaded = "true";
    performance.mark("guardstream:data-painted");
  }

  mount(root,
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, "Dashboard"), h("p", { class: "subtitle" }, "Screening activity of your guard integrations"))),
    renderFilters({ query: ctx.query, setQuery: ctx.setQuery, onRefresh: () => load(), windowText }),
    body);
  await load();
  return () => {
    controller.abort();
    charts.forEach((c) => c.destroy());
  };
}

function content(data, ctx) {
  const { totals } = data;
  const cards = h("div", { class: "grid grid-4", id: "cards" },
    stat("Requests", fmtInt(totals.requests), "card-requests", byTypeHint(data.by_type)),
    stat("Flagged", fmtInt(totals.flagged), "card-flagged", "flagged by at least one detector"),
    stat("Detection rate", fmtPct(totals.detection_rate), "card-rate", "flagged / requests"),
    stat("Latency p50 / p95", data.latency_ms.p50 === null ? "–" : `${fmtMs(data.latency_ms.p50)} / ${fmtMs(data.latency_ms.p95)}`, "card-latency",
      data.latency_ms.p99 === null ? "no requests" : `p99 ${fmtMs(data.latency_ms.p99)}`));
  if (totals.requests === 0) {
    return [cards, notice("No requests in this period", "Pick a longer time frame or another project, or send screenings to the ingest API.")];
  }
  return [
    cards,
    h("div", { class: "grid grid-2" },
      chartCard("Requests over time", "Requests and flagged requests per bucket", "chart-requests"),
      chartCard("Detections over time", "By detector type (spikes show attacks)", "chart-detections"),
      chartCard("Requests by type", "Prompts, model outputs and conversations", "chart-types"),
      chartCard("Latency distribution", "Guard latency, with p50 / p95 / p99", "chart-latency")),
    projectsTable(data.projects, ctx),
  ];
}

function byTypeHint(byType) {
  if (!byType.length) return "no requests";
  return byType.map((k) => `${fmtInt(k.requests)} ${(KIND_LABELS[k.kind] || k.kind).toLowerCase()}`).join(" · ");
}

function stat(label, value, id, hint) {
  return h("div", { class: "card stat", id },
    h("div", { class: "label" }, label), h("div", { class: "value" }, value), h("div", { class: "hint" }, hint));
}

function chartCard(title, subtitle, id) {
  return h("div", { class: "card" },
    h("div", { class: "card-header" }, h("h2", {}, title), h("span", { class: "muted" }, subtitle)),
    h("div", { class: "chart-box" }, h("canvas", { id, role: "img", "aria-label": title })));
}

// --- projects table -------------------------------------------------------------------

const COLUMNS = [
  { key: "name", label: "Project", sortable: true },
  { key: "requests", label: "Requests", num: true },
  { key: "flagged", label: "Detections", num: true },
  { key: "detection_rate", label: "Detection rate", num: true, sortable: true },
];

export function sortProjects(projects, key, order) {
  const sign = order === "asc" ? 1 : -1;
  return [...projects].sort((a, b) => {
    const primary = key === "name" ? a.name.localeCompare(b.name) : a[key] - b[key];
    return sign * primary || a.name.localeCompare(b.name);
  });
}

function projectsTable(projects, ctx) {
  let key = ["name", "detection_rate"].includes(ctx.query.get("sort")) ? ctx.query.get("sort") : "detection_rate";
  let order = ctx.query.get("order") === "asc" ? "asc" : "desc";
  const tbody = h("tbody");
  const head = h("tr");

  function draw() {
    mount(head, COLUMNS.map((col) => h("th", { class: col.num ? "num" : null, "aria-sort": col.key === key ? (order === "asc" ? "ascending" : "descending") : null },
      col.sortable
        ? h("button", {
          type: "button", class: col.key === key ? "sort-btn sorted" : "sort-btn", dataset: { sort: col.key },
          title: `Sort by ${col.label.toLowerCase()}; click again to reverse`,
          onclick: () => {
            order = col.key === key ? (order === "asc" ? "desc" : "asc") : (col.key === "name" ? "asc" : "desc");
            key = col.key;
            const query = new URLSearchParams(location.search);
            query.set("sort", key);
            query.set("order", order);
            history.replaceState(null, "", `${location.pathname}?${query}`);
            draw();
          },
        }, col.label, h("span", { class: "arrow" }, col.key === key ? (order === "asc" ? "▲" : "▼") : "↕"))
        : col.label)));
    mount(tbody, sortProjects(projects, key, order).map((p) => h("tr", { dataset: { project: p.project_id || "" } },
      h("td", {}, p.project_id ? h("a", { href: `/requests?project_id=${encodeURIComponent(p.project_id)}` }, p.name) : h("span", { class: "muted" }, p.name)),
      h("td", { class: "num" }, fmtInt(p.requests)),
      h("td", { class: "num" }, fmtInt(p.flagged)),
      h("td", { class: "num" }, fmtPct(p.detection_rate)))));
  }
  draw();
  return h("div", { class: "card" },
    h("div", { class: "card-header" }, h("h2", {}, "Projects"), h("span", { class: "muted" }, "Detections and detection rate per project")),
    projects.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "data", id: "projects-table" }, h("thead", {}, head), tbody))
      : notice("No projects in this period", null));
}

// --- charts ---------------------------------------------------------------------------

function drawCharts(Chart, root, data) {
  const canvas = (id) => root.querySelector(`#${id}`);
  const labels = data.timeseries.map((p) => bucketLabel(p.start, data.window.bucket_seconds));
  const made = [];

  made.push(new Chart(canvas("chart-requests"), {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "Requests", data: data.timeseries.map((p) => p.requests), borderColor: colorFor(0), backgroundColor: "rgba(79,70,229,.12)", fill: true, pointRadius: 0, borderWidth: 2, tension: 0 },
        { label: "Flagged", data: data.timeseries.map((p) => p.flagged), borderColor: colorFor(1), backgroundColor: "rgba(224,71,91,.12)", fill: true, pointRadius: 0, borderWidth: 2, tension: 0 },
      ],
    },
    options: baseOptions({ scales: { x: { ticks: { maxTicksLimit: 10, maxRotation: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  }));

  const types = data.by_detector.map((d) => d.detector_type);
  made.push(new Chart(canvas("chart-detections"), {
    type: "bar",
    data: {
      labels,
      datasets: types.map((type, i) => ({
        label: type, data: data.timeseries.map((p) => p.detections[type] || 0), backgroundColor: colorFor(i + 1), stack: "d",
      })),
    },
    options: baseOptions({
      scales: { x: { stacked: true, ticks: { maxTicksLimit: 10, maxRotation: 0 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { labels: { boxWidth: 10, font: { size: 11 } } } },
    }),
  }));

  made.push(new Chart(canvas("chart-types"), {
    type: "bar",
    data: {
      labels: data.by_type.map((k) => KIND_LABELS[k.kind] || k.kind),
      datasets: [
        { label: "Not flagged", data: data.by_type.map((k) => k.requests - k.flagged), backgroundColor: colorFor(0), stack: "t" },
        { label: "Flagged", data: data.by_type.map((k) => k.flagged), backgroundColor: colorFor(1), stack: "t" },
      ],
    },
    options: baseOptions({ indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } }),
  }));

  const buckets = data.latency_ms.histogram;
  const bucketNames = buckets.map((b, i) => (b.le === null ? `> ${buckets[i - 1] ? buckets[i - 1].le : 0}` : `≤ ${b.le}`));
  const marks = [["p50", "#10b981"], ["p95", "#f59e0b"], ["p99", "#e0475b"]]
    .filter(([name]) => data.latency_ms[name] !== null)
    .map(([name, color]) => ({ x: histogramPosition(buckets, data.latency_ms[name]), label: `${name} ${fmtMs(data.latency_ms[name])}`, color }));
  made.push(new Chart(canvas("chart-latency"), {
    type: "bar",
    data: { labels: bucketNames, datasets: [{ label: "Requests", data: buckets.map((b) => b.count), backgroundColor: "rgba(79,70,229,.75)" }] },
    options: baseOptions({
      layout: { padding: { top: 44 } },
      plugins: { legend: { display: false }, markers: { marks } },
      scales: { x: { title: { display: true, text: "latency (ms)" }, ticks: { maxRotation: 0, autoSkip: true } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
    }),
    plugins: [markersPlugin],
  }));
  return made;
}

// Where a latency falls on the histogram's category axis: bucket index + fraction within it.
export function histogramPosition(buckets, value) {
  let lower = 0;
  for (let i = 0; i < buckets.length; i++) {
    const upper = buckets[i].le;
    if (upper === null || value <= upper) {
      const frac = upper === null || upper === lower ? 0.5 : (value - lower) / (upper - lower);
      return i + Math.min(1, Math.max(0, frac));
    }
    lower = upper;
  }
  return buckets.length - 0.5;
}
