// Request details (GET /v1/requests/{event_id}): the screened contents, masked (or "prompt
// logging disabled"), every check with its result, metadata, latency, region and the exact
// API response the guard returned, as formatted JSON.

import { api } from "../api.js";
import { fmtMs, fmtTime, h, masked, mount, notice } from "../dom.js";

const RESULT_LABELS = {
  l1_confident: "L1 confident", l2_very_likely: "L2 very likely", l3_likely: "L3 likely",
  l4_less_likely: "L4 less likely", l5_unlikely: "L5 unlikely",
};

export async function render(root, ctx) {
  // Back to the list as it was filtered (requests.js remembers it), else the plain list.
  const back = h("a", { href: sessionStorage.getItem("guardstream.requests-url") || "/requests", id: "back" }, "← Requests");
  mount(root, h("p", {}, back), h("p", { class: "muted" }, "Loading…"));
  let detail;
  try {
    detail = await api.get(`/v1/requests/${encodeURIComponent(ctx.params.event_id)}`);
  } catch (err) {
    mount(root, h("p", {}, back), notice(err.status === 404 ? "Request not found" : "Could not load the request", err.message, "error"));
    return;
  }
  mount(root,
    h("p", {}, back),
    h("div", { class: "page-header" },
      h("div", {},
        h("h1", {}, "Request details ", detail.flagged
          ? h("span", { class: "badge badge-flagged", id: "verdict" }, "Flagged")
          : h("span", { class: "badge badge-ok", id: "verdict" }, "Not flagged")),
        h("p", { class: "subtitle" }, `${fmtTime(detail.received_at)} · ${detail.project_name || detail.project_id || "no project"} · ${detail.kind}`))),
    h("div", { class: "grid grid-2", id: "request-details", dataset: { loaded: "true" } },
      h("div", { class: "stack" },
        h("div", { class: "card", id: "contents" }, h("h2", {}, "Contents"), contents(detail)),
        h("div", { class: "card", id: "checks" }, h("h2", {}, "Checks performed"), checks(detail))),
      h("div", { class: "stack" },
        h("div", { class: "card", id: "facts" }, h("h2", {}, "Request"), facts(detail)),
        h("div", { class: "card", id: "metadata" }, h("h2", {}, "Metadata"), metadata(detail)),
        h("div", { class: "card", id: "api-response" },
          h("div", { class: "card-header" }, h("h2", {}, "API response"),
            h("button", { type: "button", class: "btn btn-small", onclick: (e) => copy(e.target, JSON.stringify(detail.api_response, null, 2)) }, "Copy")),
          h("pre", { class: "json", id: "api-response-json" }, JSON.stringify(detail.api_response, null, 2))))));
  performance.mark("guardstream:data-painted");
}

function contents(detail) {
  if (detail.content_status === "prompt_logging_disabled" || !detail.content_logged) {
    return notice("Prompt logging disabled", "The organization had prompt logging turned off when this request was screened, so its contents were not stored.");
  }
  return [
    detail.pii_types.length
      ? h("p", { class: "muted" }, "PII masked: ", detail.pii_types.map((t) => h("span", { class: "badge badge-detector" }, t)))
      : null,
    detail.messages.map((m) => h("div", { class: "message" },
      h("div", { class: "role-label" }, m.role),
      h("div", { class: "content" }, m.content === null ? h("span", { class: "muted" }, "(no content)") : masked(m.content)))),
  ];
}

function checks(detail) {
  if (!detail.results.length) return notice("No detectors ran", "The policy of this request has no detector enabled.");
  const sorted = [...detail.results].sort((a, b) => Number(b.detected) - Number(a.detected) || a.detector_type.localeCompare(b.detector_type));
  return h("div", { class: "table-wrap" }, h("table", { class: "data", id: "checks-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Detector"), h("th", {}, "Result"), h("th", {}, "Detected"))),
    h("tbody", {}, sorted.map((r) => h("tr", { dataset: { detected: String(r.detected) } },
      h("td", { title: r.detector_id }, r.detector_type),
      h("td", { class: "nowrap" }, RESULT_LABELS[r.result] || r.result),
      h("td", {}, r.detected ? h("span", { class: "badge badge-flagged" }, "Detected") : h("span", { class: "badge badge-ok" }, "No")))))));
}

function facts(detail) {
  const rows = [
    ["Received", fmtTime(detail.received_at)],
    ["Project", detail.project_name ? `${detail.project_name} (${detail.project_id})` : detail.project_id || "none"],
    ["Type", detail.kind],
    ["Latency", fmtMs(detail.latency_ms)],
    ["Pipeline", fmtMs(detail.pipeline_ms)],
    ["Region", detail.region || "–"],
    ["Policy", detail.policy_id ? `${detail.policy_id} v${detail.policy_version}` : "–"],
    ["Request id", h("code", {}, detail.request_id)],
    ["Event id", h("code", {}, detail.event_id)],
  ];
  return h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function metadata(detail) {
  const entries = Object.entries(detail.metadata || {});
  if (!entries.length) return h("p", { class: "muted" }, "No custom metadata.");
  return h("dl", { class: "kv" }, entries.map(([k, v]) => [h("dt", {}, h("code", {}, k)), h("dd", {}, v)]));
}

async function copy(button, text) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}
