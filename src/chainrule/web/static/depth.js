// Depth playground: POST /api/depth; bar chart of log10 |dL/dz_k| per layer.
import { $, api, bindNumber, el, fmt, latest, readState, showError, svg, writeState } from "/static/common.js";

const DEFAULTS = { depth: 20, activation: "tanh", scale: 1 };
const state = readState(DEFAULTS);

function chart(layers) {
  const box = $("#chart");
  box.replaceChildren();
  const W = 600, H = 200, pad = 28;
  const logs = layers.map((l) => (l.delta_norm ? Math.log10(l.delta_norm) : null));
  const finite = logs.filter((v) => v !== null);
  const lo = Math.min(0, ...finite) - 0.5, hi = Math.max(0, ...finite) + 0.5;
  const y = (v) => H - pad - ((v - lo) / (hi - lo)) * (H - 2 * pad);
  const bw = (W - 2 * pad) / layers.length;
  box.append(svg("line", { class: "axis", x1: pad, y1: y(0), x2: W - pad, y2: y(0) }),
    svg("text", { x: 2, y: y(0) + 3, text: "1" }), svg("text", { x: 2, y: pad, text: `1e${Math.round(hi)}` }),
    svg("text", { x: 2, y: H - pad, text: `1e${Math.round(lo)}` }));
  logs.forEach((v, i) => {
    if (v === null) return;
    const top = Math.min(y(v), y(0)), h = Math.max(Math.abs(y(v) - y(0)), 1);
    box.append(svg("rect", { class: `bar${v < -2 ? " small" : v > 2 ? " large" : ""}`, x: pad + i * bw + 1, y: top,
      width: Math.max(bw - 2, 1), height: h, "data-layer": i + 1 }, svg("title", { text: `layer ${i + 1}: ${fmt(layers[i].delta_norm)}` })));
  });
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
