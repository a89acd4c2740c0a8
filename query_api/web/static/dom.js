// A tiny element builder: h("a", {href: "/x", class: "btn", onclick: fn}, "text", child, [more]).
// Attributes: `class`, `style` (string), `dataset` (object), `on<event>` (listener), booleans
// (true sets, false/null/undefined omits), anything else via setAttribute. Children: strings,
// numbers, nodes, arrays (flattened); null/undefined/false are skipped.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "value" || name === "checked" || name === "selected") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces every child of `el`.
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function fmtInt(n) {
  return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
}

export function fmtPct(rate) {
  return rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 1)}%`;
}

// "Nov 24, 10:22:36": compact, for table rows (local time zone).
export function fmtShortTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const month = d.toLocaleString("en-US", { month: "short" });
  return `${month} ${d.getDate()}, ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;  // screening itself takes ~1 ms
}

// "2026-11-24 10:22:36" in the browser's local time zone.
export function fmtTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// A message block for empty states and errors.
export function notice(title, text, kind = "empty") {
  return h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("strong", {}, title), text ? h("p", {}, text) : null);
}

// Text with its PII masks (<EMAIL>, <CREDIT_CARD>, …) as highlighted spans.
const MASK = /<[A-Z][A-Z_]*>/g;

export function masked(text) {
  if (text === null || text === undefined) return [];
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(MASK)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(h("span", { class: "mask" }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
