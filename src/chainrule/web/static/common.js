// Shared helpers for the playground pages: the JSON API, number formatting, URL state, errors.
// Every number shown comes from the server (the chainrule engine); this file only displays.
import "/static/viz/format.js";  // sets globalThis.crFormatNumber

export async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  let data;
  try {
    data = await response.json();
  } catch {
    throw new Error(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(data.error || `error ${response.status}`);
  return data;
}

// The one number format of every page: crFormatNumber of the shared /static/viz/format.js (the graph viewer's
// and the widgets' too; Python twin: chainrule.utils.numbers.format_number). -24 -> "-24.0", 1/3 -> "0.3333",
// 732582.0243 -> "7.326e5", 1e-5 -> "1e-5", -0 -> "0.0", null -> "—".
export const fmt = globalThis.crFormatNumber;

const PAGES = [["/graph", "Graph lab"], ["/neuron", "Neuron"], ["/two-inputs", "Two inputs"], ["/flip", "Diagonal flip"],
  ["/depth", "Depth"]];

// The header and navigation, the same on every page.
function renderNav() {
  const header = document.querySelector("header.top");
  if (!header || header.childElementCount) return;
  header.append(el("a", { class: "brand", href: "/", text: "chainrule" }),
    el("nav", {}, ...PAGES.map(([href, label]) => el("a", { href, text: label,
      "aria-current": location.pathname === href ? "page" : null }))));
}

export function $(selector, root = document) { return root.querySelector(selector); }
export function $$(selector, root = document) { return [...root.querySelectorAll(selector)]; }

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.setAttribute("class", v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

// URL state: ?k=v pairs. readState keeps only keys present in defaults (numbers parsed).
export function readState(defaults) {
  const params = new URLSearchParams(location.search);
  const state = { ...defaults };
  for (const [k, d] of Object.entries(defaults)) {
    if (!params.has(k)) continue;
    const raw = params.get(k);
    if (typeof d === "number") {
      const n = Number(raw);
      if (raw.trim() !== "" && Number.isFinite(n)) state[k] = n;
    } else if (Array.isArray(d)) {
      const bits = raw.split("").map(Number);
      if (bits.length === d.length && bits.every((b) => b === 0 || b === 1)) state[k] = bits;
    } else state[k] = raw;
  }
  return state;
}

export function writeState(state) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) {
    if (v === undefined || v === null) continue;
    params.set(k, Array.isArray(v) ? v.join("") : String(v));
  }
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

export function showError(message) {
  const box = $("#error");
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

// A slider + number box pair bound to state[key]; calls onchange(value) on input.
export function bindNumber(key, state, onchange) {
  const range = $(`#${key}-range`);
  const box = $(`#${key}`);
  const set = (v) => {
    if (range) range.value = v;
    if (box) box.value = v;
  };
  set(state[key]);
  const handle = (source) => () => {
    const v = Number(source.value);
    if (source.value.trim() === "" || !Number.isFinite(v)) return;
    state[key] = v;
    if (source === range && box) box.value = v;
    if (source === box && range) range.value = v;
    onchange(v);
  };
  if (range) range.addEventListener("input", handle(range));
  if (box) box.addEventListener("input", handle(box));
  return set;
}

// Run `fn` with the latest arguments only: a new call while one is in flight replaces the queued one.
export function latest(fn) {
  let running = false;
  let queued = null;
  const run = async (...args) => {
    if (running) { queued = args; return; }
    running = true;
    try { await fn(...args); } finally {
      running = false;
      if (queued) { const next = queued; queued = null; run(...next); }
    }
  };
  return run;
}

export function markReady(root = document.body) {
  root.dataset.ready = String(Number(root.dataset.ready || 0) + 1);
}

renderNav();
