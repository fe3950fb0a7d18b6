// Neuron playground: sliders -> POST /api/neuron -> display the engine's numbers.
import { $, api, bindNumber, fmt, latest, readState, showError, writeState } from "/static/common.js";

const DEFAULTS = { x: 2, w: 1.5, b: -1, t: 3, lr: 0.1 };
const state = readState(DEFAULTS);
let last = null;
const losses = [];
const setters = {};

const text = (id, v) => { $(id).textContent = fmt(v); };

function render(r) {
  const f = r.forward;
  const { x, w, b, t } = r.inputs;
  text("#out-wx", f.wx); text("#out-z", f.z); text("#out-a", f.a); text("#out-L", f.L);
  $("#eq-z").textContent = `z = w\u00b7x + b = ${fmt(w)} \u00d7 ${fmt(x)} + (${fmt(b)}) = ${fmt(f.z)}`;
  $("#eq-a").textContent = `a = ReLU(z) = max(0, ${fmt(f.z)}) = ${fmt(f.a)}`;
  $("#eq-L").textContent = `L = (a \u2212 t)\u00b2 = (${fmt(f.a)} \u2212 ${fmt(t)})\u00b2 = ${fmt(f.L)}`;
  const gate = $("#gate");
  gate.dataset.state = r.gate;
  gate.textContent = r.gate === "open" ? "open (z > 0)" : "closed (z \u2264 0)";
  $("#gate-box").classList.toggle("closed", r.gate === "closed");
  text("#f-dL_da", r.factors.dL_da); text("#f-da_dz", r.factors.da_dz); text("#f-dz_dw", r.factors.dz_dw);
  text("#product", r.product); text("#grad-w", r.grads.w); text("#grad-b", r.grads.b);
  text("#upd-w", r.update.w); text("#upd-L", r.update.L);
  $("#history").textContent = losses.length ? `loss after each update: ${losses.map((v) => fmt(v)).join(" \u2192 ")}` : "";
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

const refresh = latest(async () => {
  writeState(state);
  try {
    last = await api("/api/neuron", state);
    showError("");
    render(last);
  } catch (e) {
    showError(e.message);
  }
});

for (const key of Object.keys(DEFAULTS)) setters[key] = bindNumber(key, state, () => refresh());

$("#step").addEventListener("click", () => {
  if (!last) return;
  if (!losses.length) losses.push(last.forward.L);
  if (!last.update.in_range) { showError("the update would move w outside [-10, 10]: lower the learning rate"); return; }
  state.w = last.update.w;
  losses.push(last.update.L);
  setters.w(state.w);
  refresh();
});
$("#reset").addEventListener("click", () => {
  Object.assign(state, DEFAULTS);
  losses.length = 0;
  for (const [k, set] of Object.entries(setters)) set(state[k]);
  refresh();
});
refresh();
