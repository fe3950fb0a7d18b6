// Two-input playground: POST /api/two-inputs and show delta and delta x input per weight.
import { $, api, bindNumber, fmt, latest, readState, showError, writeState } from "/static/common.js";

const DEFAULTS = { a1: 1, a2: 0.5, w1: 0.8, w2: -0.4, b: 0.2, y: 1 };
const state = readState(DEFAULTS);
const text = (id, v) => { $(id).textContent = fmt(v); };

function render(r) {
  const f = r.forward;
  text("#out-w1a1", f.w1a1); text("#out-w2a2", f.w2a2); text("#out-z", f.z); text("#out-a", f.a); text("#out-C", f.C);
  const gate = $("#gate");
  gate.dataset.state = r.gate;
  gate.textContent = r.gate === "open" ? "gate open" : "gate closed";
  text("#f-dC_da", r.factors.dC_da); text("#f-da_dz", r.factors.da_dz); text("#delta", r.factors.delta);
  const d = fmt(r.factors.delta);
  $("#how-w1").textContent = `\u03b4 \u00d7 a\u2081 = ${d} \u00d7 ${fmt(r.factors.dz_dw1)}`;
  $("#how-w2").textContent = `\u03b4 \u00d7 a\u2082 = ${d} \u00d7 ${fmt(r.factors.dz_dw2)}`;
  $("#how-b").textContent = `\u03b4 \u00d7 1 = ${d}`;
  text("#grad-w1", r.grads.w1); text("#grad-w2", r.grads.w2); text("#grad-b", r.grads.b);
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

const refresh = latest(async () => {
  writeState(state);
  try {
    render(await api("/api/two-inputs", state));
    showError("");
  } catch (e) {
    showError(e.message);
  }
});
for (const key of Object.keys(DEFAULTS)) bindNumber(key, state, () => refresh());
refresh();
