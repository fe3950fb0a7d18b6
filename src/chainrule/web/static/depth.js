// Depth playground: POST /api/depth; bar chart of |dL/dz_k| per layer on a log10 axis.
import { $, api, bindNumber, el, fmt, latest, readState, showError, svg, writeState } from "/static/common.js";

const DEFAULTS = { depth: 20, activation: "tanh", scale: 1 };
const state = readState(DEFAULTS);
const SUPER = { "-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3", 4: "\u2074", 5: "\u2075", 6: "\u2076",
  7: "\u2077", 8: "\u2078", 9: "\u2079" };
const pow10 = (k) => `10${String(k).split("").map((c) => SUPER[c]).join("")}`;
const kind = (v) => (v < -2 ? "small" : v > 2 ? "large" : "mid");

// The chart keeps its aspect ratio (viewBox, no stretching). y: log10 |dL/dz_k| between whole powers of ten,
// labelled 10^k at every tick; x: the layer number; a legend for the bar colours.
function chart(layers) {
  const box = $("#chart");
  box.replaceChildren();
  const W = 600, H = 280, left = 52, right = 12, top = 14, bottom = 62;
  const logs = layers.map((l) => (l.delta_norm ? Math.log10(l.delta_norm) : null));
  const finite = logs.filter((v) => v !== null);
  const lo = Math.floor(Math.min(0, ...finite)), hi = Math.ceil(Math.max(0, ...finite));
  const span = Math.max(hi - lo, 1);
  const y = (v) => top + ((hi - v) / span) * (H - top - bottom);
  const plotW = W - left - right;
  const bw = plotW / layers.length;
  const every = Math.ceil(span / 8);
  const yTicks = [];
  for (let k = lo; k <= hi; k += 1) if ((k - lo) % every === 0 || k === 0) yTicks.push(k);
  box.append(...yTicks.map((k) => svg("g", { class: "tick y", "data-exponent": k },
    svg("line", { class: k === 0 ? "axis" : "grid", x1: left, y1: y(k), x2: W - right, y2: y(k) }),
    svg("text", { x: left - 6, y: y(k) + 4, "text-anchor": "end", text: pow10(k) }))));
  box.append(svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: H - bottom }),
    svg("line", { class: "axis", x1: left, y1: H - bottom, x2: W - right, y2: H - bottom }));
  logs.forEach((v, i) => {
    if (v === null) return;
    const base = Math.min(Math.max(0, lo), hi);
    const topY = Math.min(y(v), y(base)), h = Math.max(Math.abs(y(v) - y(base)), 1);
    box.append(svg("rect", { class: `bar ${kind(v)}`, x: left + i * bw + 1, y: topY, width: Math.max(bw - 2, 1), height: h,
      "data-layer": i + 1 }, svg("title", { text: `layer ${i + 1}: |dL/dz| = ${fmt(layers[i].delta_norm)}` })));
  });
  const step = Math.max(1, Math.ceil(layers.length / 12));
  layers.forEach((l, i) => {
    if (i % step && i !== layers.length - 1) return;
    box.append(svg("text", { class: "tick x", x: left + (i + 0.5) * bw, y: H - bottom + 15, "text-anchor": "middle",
      text: String(l.layer) }));
  });
  box.append(svg("text", { class: "axis-label", x: left + plotW / 2, y: H - bottom + 32, "text-anchor": "middle",
    text: "layer k (1 = nearest the input)" }));
  const legend = [["small", "below 10\u207b\u00b2"], ["mid", "10\u207b\u00b2 to 10\u00b2"], ["large", "above 10\u00b2"]];
  const lg = svg("g", { class: "legend" });
  legend.forEach(([cls, label], i) => {
    const x0 = left + i * 170;
    lg.append(svg("rect", { class: `bar ${cls}`, x: x0, y: H - 16, width: 12, height: 12 }),
      svg("text", { x: x0 + 17, y: H - 6, text: `|dL/dz\u2096| ${label}` }));
  });
  box.append(lg);
}

function render(r) {
  $("#verdict").textContent = r.verdict;
  $("#ratio").textContent = fmt(r.ratio);
  chart(r.layers);
  $("#rows").replaceChildren(...r.layers.map((l) => el("tr", { "data-layer": l.layer }, el("td", { text: String(l.layer) }),
    el("td", { class: "num", text: fmt(l.delta_norm) }), el("td", { class: "num", text: fmt(l.grad_norm) }),
    el("td", { class: "num", text: fmt(l.weight_norm) }), el("td", { class: "num", text: fmt(l.act_norm) }))));
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

const refresh = latest(async () => {
  writeState(state);
  try {
    render(await api("/api/depth", state));
    showError("");
  } catch (e) {
    showError(e.message);
  }
});
bindNumber("depth", state, () => refresh());
bindNumber("scale", state, () => refresh());
const act = $("#activation");
act.value = state.activation;
act.addEventListener("change", () => { state.activation = act.value; refresh(); });
refresh();
