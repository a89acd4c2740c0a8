// Requests (GET /v1/requests), with the Detections tab (flagged only): project, time, type,
// detected detectors, latency, region, custom metadata and the masked preview; newest first,
// "Load more" follows the API's keyset cursor (page size: `limit` in the URL, default 50).
// A row opens its Request details.

import { api } from "../api.js";
import { fmtInt, fmtMs, fmtShortTime, fmtTime, h, masked, mount, notice } from "../dom.js";
import { filterParams, renderFilters } from "../filters.js";

const PAGE_SIZE = 50;
const KIND_LABELS = { prompt: "Prompt", output: "Output", conversation: "Conversation" };

export async function render(root, ctx) {
  const detections = ctx.query.get("tab") === "detections";
  sessionStorage.setItem("guardstream.requests-url", location.pathname + location.search);
  const controller = new AbortController();
  const tbody = h("tbody");
  const status = h("div", { class: "list-status", id: "requests-status" });
  const more = h("button", { type: "button", class: "btn", id: "load-more", hidden: true }, "Load more");
  const tableWrap = h("div", { class: "table-wrap", hidden: true },
    h("table", { class: "data", id: "requests-table" },
      h("colgroup", {}, [125, 150, null, 185, 80, 115, 190].map((w) => h("col", { style: w ? `width: ${w}px` : null }))),
      h("thead", {}, h("tr", {},
        h("th", {}, "Time"), h("th", {}, "Project · type"), h("th", {}, "Input"),
        h("th", {}, "Result"), h("th", { class: "num" }, "Latency"), h("th", {}, "Region"), h("th", {}, "Metadata"))),
      tbody));
  const body = h("div", { id: "requests-body", class: "stack" }, tableWrap, status, h("div", { class: "actions" }, more));
  let cursor = null;
  let shown = 0;

  async function loadPage(reset) {
    if (reset) {
      cursor = null;
      shown = 0;
      tbody.replaceChildren();
      tableWrap.hidden = true;
      mount(status, h("p", { class: "muted" }, "Loading…"));
    }
    more.disabled = true;
    const limit = Math.min(500, Math.max(1, Number(ctx.query.get("limit")) || PAGE_SIZE));
    const params = { ...filterParams(ctx.query), limit, cursor };
    if (detections) params.flagged = "true";
    let page;
    try {
      page = await api.get("/v1/requests", params, { signal: controller.signal });
    } catch (err) {
      if (err.name === "AbortError") return;
      mount(status, notice("Could not load requests", err.message, "error"));
      return;
    }
    tbody.append(...page.items.map((item) => row(item, ctx)));
    shown += page.items.length;
    cursor = page.next_cursor;
    tableWrap.hidden = shown === 0;
    more.hidden = !cursor;
    more.disabled = false;
    if (shown === 0) {
      mount(status, detections
        ? notice("No detections in this period", "Nothing was flagged. That is good news — or pick a longer time frame.")
        : notice("No requests in this period", "Pick a longer time frame or another project, or send screenings to the ingest API."));
    } else {
      mount(status, h("p", { class: "muted" }, `${fmtInt(shown)} ${detections ? "flagged requests" : "requests"} shown${cursor ? "" : " (all of this period)"}`));
    }
    body.dataset.loaded = "true";
    performance.mark("guardstream:data-painted");
  }
  more.addEventListener("click", () => loadPage(false));

  const tabLink = (tab, label) => {
    const query = new URLSearchParams(location.search);
    if (tab) query.set("tab", tab); else query.delete("tab");
    const search = query.toString();
    const active = (tab === "detections") === detections;
    return h("a", { href: `/requests${search ? `?${search}` : ""}`, class: active ? "active" : null, id: `tab-${tab || "all"}`, "aria-current": active ? "page" : null }, label);
  };

  mount(root,
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, "Requests"), h("p", { class: "subtitle" }, "Every screening request, newest first; click one for its details"))),
    renderFilters({ query: ctx.query, setQuery: ctx.setQuery, onRefresh: () => loadPage(true) }),
    h("nav", { class: "tabs", "aria-label": "Requests tabs" }, tabLink(null, "All requests"), tabLink("detections", "Detections")),
    body);
  await loadPage(true);
  return () => controller.abort();
}

function row(item, ctx) {
  const href = `/requests/${encodeURIComponent(item.event_id)}`;
  const metadata = Object.entries(item.metadata || {});
  return h("tr", {
    class: "clickable", dataset: { eventId: item.event_id, flagged: String(item.flagged) },
    onclick: (event) => { if (!event.target.closest("a")) ctx.navigate(href); },
  },
  h("td", { class: "nowrap", title: fmtTime(item.received_at) }, fmtShortTime(item.received_at)),
  h("td", {}, h("div", { class: "ellipsis" }, item.project_name || item.project_id || h("span", { class: "muted" }, "no project")),
    h("div", { class: "muted small" }, KIND_LABELS[item.kind] || item.kind)),
  h("td", {}, h("a", { href, class: "preview", title: item.preview || "" },
    item.preview === null ? h("span", { class: "muted" }, "prompt logging disabled") : masked(item.preview))),
  h("td", { class: "result" }, item.flagged
    ? [h("span", { class: "badge badge-flagged" }, "Flagged"), item.detected.map((d) => h("span", { class: "badge badge-detector" }, d))]
    : h("span", { class: "badge badge-ok" }, "Not flagged")),
  h("td", { class: "num nowrap" }, fmtMs(item.latency_ms)),
  h("td", { class: "nowrap" }, item.region || "–"),
  h("td", { class: "meta" }, metadata.length ? metadata.map(([k, v]) => h("span", { class: "badge badge-meta" }, `${k}=${v}`)) : h("span", { class: "muted" }, "–")));
}
