// Diagonal-flip playground: bits and steps in the URL; POST /api/flip recomputes from the fixed weights.
import { $, $$, api, bindNumber, el, fmt, latest, readState, showError, svg, writeState } from "/static/common.js";

const DEFAULTS = { x: [1, 1, 0, 0], t: [1, 0, 1, 0], lr: 0.1, steps: 0 };
const state = readState(DEFAULTS);
let last = null;

function renderBits(id, bits) {
  $$(`#${id} button`).forEach((b, i) => {
    b.setAttribute("aria-pressed", bits[i] ? "true" : "false");
    b.textContent = String(bits[i]);
    b.setAttribute("aria-label", `${id === "x-bits" ? "input" : "target"} pixel ${i}: ${bits[i]}`);
  });
}

function vectorRow(name, values, dead = []) {
  return el("tr", {}, el("th", { text: name }),
    ...values.map((v, j) => el("td", { class: `num${dead.includes(j) ? " dead" : ""}`, text: fmt(v) })));
}

function matrix(title, w, g, zeroRows, zeroCols, rowNames, colNames, deadRows = [], deadCols = []) {
  const head = el("tr", {}, el("th", { text: title }),
    ...colNames.map((c, j) => el("th", { class: `num${deadCols.includes(j) ? " dead-col" : ""}`, text: c })));
  const table = el("table", { class: "matrix", "data-matrix": title }, el("thead", {}, head));
  const body = el("tbody");
  w.forEach((row, i) => {
    const zero = zeroRows.includes(i);
    const tr = el("tr", { class: `${zero ? "zero-row" : ""}${deadRows.includes(i) ? " dead-row" : ""}`, "data-row": i,
      "data-zero": zero ? "true" : "false" }, el("td", { text: rowNames[i] }));
    row.forEach((v, j) => tr.append(el("td", { class: zeroCols.includes(j) ? "zero-col" : "",
      title: `weight ${fmt(v)}`, text: `${fmt(v)} | ${fmt(g[i][j])}` })));
    body.append(tr);
  });
  table.append(body);
  return el("div", {}, el("p", { class: "muted", text: "each cell: weight | gradient" }), table);
}

function curve(values) {
  const box = $("#curve");
  box.replaceChildren();
  if (!values.length) return;
  const W = 400, H = 180, pad = 24;
  const max = Math.max(...values, 1e-12);
  const n = Math.max(values.length - 1, 1);
  const pts = values.map((v, i) => `${pad + (i / n) * (W - 2 * pad)},${H - pad - (v / max) * (H - 2 * pad)}`);
  box.append(svg("line", { class: "axis", x1: pad, y1: H - pad, x2: W - pad, y2: H - pad }),
    svg("line", { class: "axis", x1: pad, y1: pad, x2: pad, y2: H - pad }),
    svg("polyline", { class: "line", points: pts.join(" ") }),
    svg("text", { x: pad + 2, y: pad - 6, text: `max ${fmt(max)}` }),
    svg("text", { x: W - pad - 60, y: H - 6, text: `step ${values.length - 1}` }));
}

function render(r) {
  renderBits("x-bits", r.inputs.x);
  renderBits("t-bits", r.inputs.t);
  $("#y-out").textContent = r.forward.y.map((v) => fmt(v, 2)).join("  ");
  $("#steps").textContent = String(r.inputs.steps);
  $("#loss").textContent = fmt(r.forward.loss);
  const solved = $("#solved");
  solved.textContent = r.solved ? "solved" : "";
  solved.className = r.solved ? "pill gate" : "pill";
  solved.dataset.state = r.solved ? "open" : "";
  const units = $("#units");
  units.replaceChildren(...r.forward.z1.map((z, j) => {
    const dead = r.dead.includes(j);
    return el("div", { class: `unit${dead ? " dead" : ""}`, "data-unit": j, "data-dead": dead ? "true" : "false" },
      el("div", { text: `hidden ${j + 1}` }),
      el("div", { text: `z = ${fmt(z)}` }), el("div", { text: `h = ${fmt(r.forward.h[j])}` }),
      el("div", { text: `dL/dz = ${fmt(r.grads.z1[j])}` }),
      dead ? el("div", { class: "tag", text: "DEAD: gate closed" }) : el("div", { class: "muted", text: "gate open" }));
  }));
  $("#dead-list").textContent = r.dead.length ? r.dead.map((j) => `hidden ${j + 1}`).join(", ") : "none";
  const vt = el("table", {}, el("tbody", {},
    vectorRow("x", r.inputs.x), vectorRow("z\u2081 = xW\u2081 + b\u2081", r.forward.z1, r.dead),
    vectorRow("h = ReLU(z\u2081)", r.forward.h, r.dead), vectorRow("y = hW\u2082 + b\u2082", r.forward.y),
    vectorRow("t", r.inputs.t), vectorRow("dL/dy = 2(y \u2212 t)", r.grads.y), vectorRow("dL/dh", r.grads.h, r.dead),
    vectorRow("ReLU\u2032(z\u2081)", r.relu_local, r.dead), vectorRow("dL/dz\u2081", r.grads.z1, r.dead),
    vectorRow("dL/db\u2081", r.grads.b1, r.dead), vectorRow("dL/db\u2082", r.grads.b2)));
  $("#vectors").replaceChildren(vt);
  const px = ["x\u2081 (top-left)", "x\u2082 (top-right)", "x\u2083 (bottom-left)", "x\u2084 (bottom-right)"];
  const hn = ["h1", "h2", "h3"];
  $("#w1").replaceChildren(matrix("W1", r.params.W1, r.grads.W1, r.zero_rows.W1, r.zero_cols.W1, px, hn, [], r.dead));
  $("#w2").replaceChildren(matrix("W2", r.params.W2, r.grads.W2, r.zero_rows.W2, [], hn, ["y1", "y2", "y3", "y4"],
    r.dead));
  curve(r.curve);
  document.body.dataset.dead = r.dead.join(",");
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

const refresh = latest(async (train = false) => {
  try {
    last = await api("/api/flip", { ...state, train });
    state.steps = last.inputs.steps;
    writeState(state);
    showError("");
    render(last);
  } catch (e) {
    showError(e.message);
  }
});

for (const [id, key] of [["x-bits", "x"], ["t-bits", "t"]]) {
  $$(`#${id} button`).forEach((b, i) => b.addEventListener("click", () => {
    state[key] = state[key].map((v, j) => (j === i ? 1 - v : v));
    state.steps = 0;
    refresh();
  }));
}
$("#flipped").addEventListener("click", () => {  // the server's flip of the current input
  if (!last) return;
  state.t = [...last.flipped];
  state.steps = 0;
  refresh();
});
bindNumber("lr", state, () => { state.steps = 0; refresh(); });
$("#sgd").addEventListener("click", () => { state.steps = Math.min(state.steps + 1, 2000); refresh(); });
$("#train").addEventListener("click", () => refresh(true));
$("#reset").addEventListener("click", () => { state.steps = 0; refresh(); });
refresh();
