// Diagonal-flip playground: bits, steps, network size and training in the URL; POST /api/flip recomputes
// everything from the fixed weights (or from the weights trained on all 16 images). This file only draws.
import { $, $$, api, bindNumber, el, fmt, latest, readState, showError, svg, writeState } from "/static/common.js";

const DEFAULTS = { x: [1, 1, 0, 0], t: [1, 0, 1, 0], lr: 0.1, steps: 0, hidden: 3, train: 0 };
const state = readState(DEFAULTS);
let last = null;
const SUB = ["\u2081", "\u2082", "\u2083", "\u2084"];
const PIXEL = ["top-left", "top-right", "bottom-left", "bottom-right"];
const clamp01 = (v) => Math.min(Math.max(v, 0), 1);

function renderBits(id, bits) {
  $$(`#${id} button`).forEach((b, i) => {
    b.setAttribute("aria-pressed", bits[i] ? "true" : "false");
    b.textContent = String(bits[i]);
    b.setAttribute("aria-label", `${id === "x-bits" ? "input" : "target"} pixel ${i + 1} (${PIXEL[i]}): ${bits[i]}`);
  });
}

// The output as a 2x2 image: grey level = y clipped to [0, 1]; the value printed in each pixel.
function renderOutput(y) {
  $("#y-out").replaceChildren(...y.map((v, i) => {
    const level = clamp01(v);
    const pixel = el("div", { class: `pixel${level > 0.5 ? " light-text" : ""}`, "data-pixel": i,
      title: `y${i + 1} (${PIXEL[i]}) = ${fmt(v)}`, text: fmt(v, 2) });
    pixel.style.setProperty("--level", `${Math.round(level * 100)}%`);  // CSSOM: allowed by the page's CSP
    return pixel;
  }));
  $("#y-out").setAttribute("aria-label", `output image: ${y.map((v) => fmt(v, 2)).join(", ")}`);
}

// --- the network drawing ----------------------------------------------------------------------------------
const NET = { W: 560, H: 300, r: 19, cols: [80, 280, 480] };

function layerY(n, i) {
  const gap = 64;
  return NET.H / 2 + (i - (n - 1) / 2) * gap;
}

function drawNetwork(r) {
  const box = $("#net");
  const nh = r.forward.h.length;
  box.setAttribute("viewBox", `0 0 ${NET.W} ${NET.H}`);
  box.replaceChildren();
  const pos = {
    x: r.inputs.x.map((_, i) => [NET.cols[0], layerY(4, i)]),
    h: r.forward.h.map((_, j) => [NET.cols[1], layerY(nh, j)]),
    y: r.forward.y.map((_, k) => [NET.cols[2], layerY(4, k)]),
  };
  const gmax = Math.max(1e-12, ...r.grads.W1.flat().map(Math.abs), ...r.grads.W2.flat().map(Math.abs));
  const edges = svg("g", { class: "edges" });
  const edge = (name, i, j, from, to, w, g) => {
    const zero = g === 0;
    const width = zero ? 1 : 0.8 + 7 * (Math.abs(g) / gmax);
    edges.append(svg("line", { class: `edge${zero ? " faded" : ""}`, x1: from[0] + NET.r, y1: from[1],
      x2: to[0] - NET.r, y2: to[1], "stroke-width": width.toFixed(2), "data-edge": `${name}-${i}-${j}`,
      "data-zero": zero ? "true" : "false" },
    svg("title", { text: `${name}[${i + 1},${j + 1}] = ${fmt(w)}, dL/d${name}[${i + 1},${j + 1}] = ${fmt(g)}` })));
  };
  r.params.W1.forEach((row, i) => row.forEach((w, j) => edge("W1", i, j, pos.x[i], pos.h[j], w, r.grads.W1[i][j])));
  r.params.W2.forEach((row, j) => row.forEach((w, k) => edge("W2", j, k, pos.h[j], pos.y[k], w, r.grads.W2[j][k])));
  box.append(edges);
  const hmax = Math.max(1, ...r.forward.h);
  const unit = (layer, i, [cx, cy], name, value, level, valueAt, dead = false) => {
    const g = svg("g", { class: `unit ${layer}${dead ? " dead" : ""}`, "data-layer": layer, "data-unit": i,
      "data-dead": dead ? "true" : "false" },
    svg("circle", { class: "base", cx, cy, r: NET.r }),
    svg("circle", { class: "level", cx, cy, r: NET.r, "fill-opacity": dead ? 0 : (0.85 * clamp01(level)).toFixed(3) }),
    svg("text", { class: "name", x: cx, y: cy + 4, "text-anchor": "middle", text: name }),
    svg("text", { class: "value", x: cx + valueAt[0], y: cy + valueAt[1], "text-anchor": valueAt[2], text: value }),
    svg("title", { text: `${name}${dead ? " (dead: ReLU\u2032 = 0)" : ""}: ${value}` }));
    box.append(g);
  };
  r.inputs.x.forEach((v, i) => unit("input", i, pos.x[i], `x${SUB[i]}`, String(v), v, [-NET.r - 6, 4, "end"]));
  r.forward.h.forEach((v, j) => unit("hidden", j, pos.h[j], `h${j + 1}`, fmt(v, 3), v / hmax,
    [0, NET.r + 14, "middle"], r.dead.includes(j)));
  r.forward.y.forEach((v, k) => unit("output", k, pos.y[k], `y${k + 1}`, fmt(v, 3), v, [NET.r + 6, 4, "start"]));
  box.append(svg("text", { class: "layer-label", x: NET.cols[0], y: 16, "text-anchor": "middle", text: "input x" }),
    svg("text", { class: "layer-label", x: NET.cols[1], y: 16, "text-anchor": "middle", text: `hidden h (${nh})` }),
    svg("text", { class: "layer-label", x: NET.cols[2], y: 16, "text-anchor": "middle", text: "output y" }));
}

// --- tables ------------------------------------------------------------------------------------------------
function table(columns, rows, deadCols = []) {
  const head = el("tr", {}, el("th", { scope: "col", text: "" }), ...columns.map((c, j) => el("th", { scope: "col",
    class: `num${deadCols.includes(j) ? " dead-col" : ""}`, text: c })));
  return el("table", { class: "vectors" }, el("thead", {}, head), el("tbody", {}, ...rows.map(([name, values]) =>
    el("tr", {}, el("th", { scope: "row", text: name }), ...values.map((v, j) => el("td", {
      class: `num${deadCols.includes(j) ? " dead" : ""}`, text: typeof v === "number" ? fmt(v) : String(v) }))))));
}

function matrix(title, w, g, zeroRows, zeroCols, rowNames, colNames, deadRows = [], deadCols = []) {
  const head = el("tr", {}, el("th", { scope: "col", text: `${title} | dL/d${title}` }),
    ...colNames.map((c, j) => el("th", { scope: "col", class: `num${deadCols.includes(j) ? " dead-col" : ""}`, text: c })));
  const table = el("table", { class: "matrix", "data-matrix": title }, el("thead", {}, head));
  const body = el("tbody");
  w.forEach((row, i) => {
    const zero = zeroRows.includes(i);
    const tr = el("tr", { class: `${zero ? "zero-row" : ""}${deadRows.includes(i) ? " dead-row" : ""}`, "data-row": i,
      "data-zero": zero ? "true" : "false" }, el("th", { scope: "row", text: rowNames[i] }));
    row.forEach((v, j) => tr.append(el("td", { class: zeroCols.includes(j) ? "zero-col" : "",
      title: `weight ${fmt(v)}, gradient ${fmt(g[i][j])}`, text: `${fmt(v)} | ${fmt(g[i][j])}` })));
    body.append(tr);
  });
  table.append(body);
  return el("div", {}, el("p", { class: "muted", text: "each cell: weight | gradient" }), table);
}

function curve(values, title) {
  $("#curve-title").textContent = title;
  const box = $("#curve");
  box.replaceChildren();
  if (!values.length) return;
  const W = 400, H = 180, pad = 28;
  const max = Math.max(...values, 1e-12);
  const n = Math.max(values.length - 1, 1);
  const pts = values.map((v, i) => `${(pad + (i / n) * (W - 2 * pad)).toFixed(1)},${(H - pad - (v / max) * (H - 2 * pad)).toFixed(1)}`);
  box.append(svg("line", { class: "axis", x1: pad, y1: H - pad, x2: W - pad, y2: H - pad }),
    svg("line", { class: "axis", x1: pad, y1: pad, x2: pad, y2: H - pad }),
    svg("polyline", { class: "line", points: pts.join(" ") }),
    svg("text", { x: pad + 2, y: pad - 8, text: `max ${fmt(max)}` }),
    svg("text", { x: pad, y: H - 8, text: "0" }),
    svg("text", { x: W - pad, y: H - 8, "text-anchor": "end", text: `${values.length - 1}` }));
}

function renderTask(r) {
  const task = r.task;
  const box = $("#task");
  box.hidden = !task;
  document.body.dataset.task = task ? (task.solved ? "solved" : "unsolved") : "";
  if (!task) return;
  const arch = `4 \u2192 ${r.inputs.hidden} \u2192 4`;
  $("#task-summary").textContent = task.solved
    ? `${arch}: zero error after ${task.epochs} epochs: every output pixel of all 16 images is within 0.25 of its target (loss ${fmt(task.loss)}).`
    : `${arch}: stopped after ${task.epochs} epochs (loss ${fmt(task.loss)}) with ${task.errors} of the 16 images still wrong: ${task.wrong.join(", ")}.`;
  const why = $("#task-why");
  why.hidden = !task.why;
  why.textContent = task.why || "";
  $("#try-444").hidden = !(r.inputs.hidden === 3 && !task.solved);
  $("#back-434").hidden = r.inputs.hidden !== 4;
}

function render(r) {
  const nh = r.forward.h.length;
  $("#arch").textContent = `4 \u2192 ${nh} \u2192 4`;
  renderBits("x-bits", r.inputs.x);
  renderBits("t-bits", r.inputs.t);
  renderOutput(r.forward.y);
  $("#steps").textContent = String(r.inputs.steps);
  $("#loss").textContent = fmt(r.forward.loss);
  const solved = $("#solved");
  solved.textContent = r.solved ? "output = target" : "";
  solved.className = r.solved ? "pill gate" : "pill";
  solved.dataset.state = r.solved ? "open" : "";
  $("#weights-note").textContent = r.inputs.train
    ? `weights: trained on all 16 images${r.inputs.steps ? `, then ${r.inputs.steps} updates on this example` : ""}`
    : `weights: the fixed documented ones${r.inputs.steps ? `, then ${r.inputs.steps} updates on this example` : ""}`;
  drawNetwork(r);
  $("#dead-list").textContent = r.dead.length ? r.dead.map((j) => `h${j + 1}`).join(", ") : "none";
  const hn = r.forward.h.map((_, j) => `h${j + 1}`);
  $("#hidden-table").replaceChildren(table(hn, [
    ["z\u2081 = xW\u2081 + b\u2081", r.forward.z1], ["h = ReLU(z\u2081)", r.forward.h],
    ["ReLU\u2032(z\u2081)", r.relu_local], ["dL/dh", r.grads.h], ["dL/dz\u2081", r.grads.z1],
    ["dL/db\u2081", r.grads.b1], ["state", r.forward.h.map((_, j) => (r.dead.includes(j) ? "dead" : "open"))]], r.dead));
  const px = [1, 2, 3, 4].map((i) => `pixel ${i}`);
  $("#output-table").replaceChildren(table(px, [["x", r.inputs.x], ["y = hW\u2082 + b\u2082", r.forward.y],
    ["t", r.inputs.t], ["dL/dy = 2(y \u2212 t)", r.grads.y], ["dL/db\u2082", r.grads.b2]]));
  const xn = PIXEL.map((p, i) => `x${SUB[i]} (${p})`);
  $("#w1").replaceChildren(matrix("W1", r.params.W1, r.grads.W1, r.zero_rows.W1, r.zero_cols.W1, xn, hn, [], r.dead));
  $("#w2").replaceChildren(matrix("W2", r.params.W2, r.grads.W2, r.zero_rows.W2, [], hn, ["y1", "y2", "y3", "y4"],
    r.dead));
  if (r.task && !r.inputs.steps) curve(r.task.curve, "Loss on all 16 images, per epoch");
  else curve(r.curve, "Loss on this example, per update");
  renderTask(r);
  document.body.dataset.dead = r.dead.join(",");
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

const refresh = latest(async () => {
  try {
    last = await api("/api/flip", { ...state, train: Boolean(state.train) });
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
$("#train").addEventListener("click", () => { state.train = 1; state.steps = 0; refresh(); });
$("#try-444").addEventListener("click", () => { state.hidden = 4; state.train = 1; state.steps = 0; refresh(); });
$("#back-434").addEventListener("click", () => { state.hidden = 3; state.train = 0; state.steps = 0; refresh(); });
$("#reset").addEventListener("click", () => { state.steps = 0; state.train = 0; refresh(); });
refresh();
