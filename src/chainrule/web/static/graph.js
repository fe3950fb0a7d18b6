// Graph lab: POST /api/graph (or /api/graph/upload) and step the forward, then the backward pass.
import { $, api, el, fmt, latest, showError, svg } from "/static/common.js";

const NODE_W = 140, NODE_H = 58, COL_W = 250, ROW_H = 92, PAD = 24;
let view = null;
let step = 0;
let currentViewer = null;

function readUrl() {
  const params = new URLSearchParams(location.search);
  const vars = {};
  for (const [k, v] of params) {
    if (k.startsWith("v.") && v.trim() !== "" && Number.isFinite(Number(v))) vars[k.slice(2)] = Number(v);
  }
  return { expr: params.get("expr") ?? "(3*x + 1)**2", vars, step: Number(params.get("step") || 0) };
}

function writeUrl() {
  if (!view || view.uploaded) return;
  const params = new URLSearchParams();
  params.set("expr", view.expression);
  for (const [k, v] of Object.entries(view.variables)) params.set(`v.${k}`, String(v));
  if (step) params.set("step", String(step));
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

const total = () => (view ? view.forward.length + view.backward.length : 0);

function visible() {
  const F = view.forward.length;
  const computed = new Set(view.forward.slice(0, Math.min(step, F)));
  const back = view.backward.slice(0, Math.max(0, step - F));
  const withGrad = new Set(back.map((b) => b.node));
  const edgesDone = new Set(back.flatMap((b) => b.edges));
  for (const n of view.nodes) {
    if (n.kind !== "op") computed.add(n.id);
    if (n.kind === "variable" && step > F) {
      const outs = view.edges.filter((e) => e.from === n.id);
      if (outs.length && outs.every((e) => edgesDone.has(e.id))) withGrad.add(n.id);
      if (!outs.length && n.id === view.output) withGrad.add(n.id);
    }
  }
  const current = step === 0 ? null : step <= F ? view.forward[step - 1] : view.backward[step - F - 1].node;
  const activeEdges = step > F ? new Set(view.backward[step - F - 1].edges) : new Set();
  return { computed, withGrad, edgesDone, current, activeEdges, backward: step > F };
}

function drawGraph() {
  const box = $("#graph");
  box.replaceChildren();
  const pos = {};
  let maxCol = 0, maxRow = 0;
  for (const n of view.nodes) {
    pos[n.id] = { x: PAD + n.col * COL_W, y: PAD + n.row * ROW_H };
    maxCol = Math.max(maxCol, n.col); maxRow = Math.max(maxRow, n.row);
  }
  const W = PAD * 2 + maxCol * COL_W + NODE_W, H = PAD * 2 + maxRow * ROW_H + NODE_H;
  box.setAttribute("viewBox", `0 0 ${W} ${H}`);
  box.setAttribute("width", W);
  box.setAttribute("height", H);
  const v = visible();
  const byId = Object.fromEntries(view.nodes.map((n) => [n.id, n]));
  for (const e of view.edges) {
    const a = pos[e.from], b = pos[e.to];
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    const g = svg("g", { class: `edge${v.activeEdges.has(e.id) ? " active" : ""}`, "data-edge": e.id },
      svg("path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
    if (v.edgesDone.has(e.id) && e.local !== null && typeof e.local === "number") {
      g.append(svg("text", { x: x1 + 6, y: y1 - 6, "data-contribution": e.id,
        text: `\u00d7${fmt(e.local)} = ${fmt(e.contribution)}` }));
    }
    box.append(g);
  }
  for (const n of view.nodes) {
    const p = pos[n.id];
    const cls = ["node", n.kind];
    if (n.id === v.current) cls.push(v.backward ? "current-back" : "current");
    const showValue = v.computed.has(n.id);
    const showGrad = v.withGrad.has(n.id);
    const title = `${n.expr}\nvalue ${fmt(n.value)}${n.grad !== null ? `\ngradient ${fmt(n.grad)}` : ""}`;
    const label = n.kind === "op" ? `${n.label}  ${n.name ?? ""}` : n.label;
    box.append(svg("g", { class: cls.join(" "), "data-node": n.id, transform: `translate(${p.x},${p.y})` },
      svg("title", { text: title }),
      svg("rect", { width: NODE_W, height: NODE_H, rx: 8 }),
      svg("text", { x: 8, y: 17, text: label.length > 20 ? `${label.slice(0, 19)}\u2026` : label }),
      svg("text", { class: "value", x: 8, y: 34, "data-value": n.id, text: showValue ? `= ${fmt(n.value)}` : "= ?" }),
      n.kind === "constant" ? null :
        svg("text", { class: "grad", x: 8, y: 51, "data-grad": n.id, text: showGrad ? `grad ${fmt(n.grad)}` : "" })));
  }
  void byId;
}

function caption() {
  const F = view.forward.length;
  const byId = Object.fromEntries(view.nodes.map((n) => [n.id, n]));
  if (step === 0) return "Inputs are set. Press \u25b6 (or \u2192) to run the forward pass node by node.";
  if (step <= F) {
    const n = byId[view.forward[step - 1]];
    return `forward ${step}/${F}: ${n.name} = ${n.expr} = ${fmt(n.value)}`;
  }
  const b = view.backward[step - F - 1];
  const n = byId[b.node];
  const parts = b.edges.map((id) => view.edges.find((e) => e.id === id))
    .filter((e) => e.local !== null)
    .map((e) => `to ${byId[e.from].expr}: ${fmt(b.upstream)} \u00d7 ${fmt(e.local)}${e.formula ? ` (${e.formula})` : ""} = ${fmt(e.contribution)}`);
  return `backward ${step - F}/${view.backward.length}: at ${n.expr}, upstream gradient ${fmt(b.upstream)}; ` +
    (parts.length ? parts.join("; ") : "no gradient flows to its inputs");
}

function drawStep() {
  $("#step").max = String(total());
  $("#step").value = String(step);
  $("#step-label").textContent = `${step}/${total()}`;
  $("#caption").textContent = caption();
  drawGraph();
  document.body.dataset.step = String(step);
  writeUrl();
}

function drawTables() {
  $("#table").replaceChildren(...view.table.map((r) => el("tr", { "data-node": r.node },
    el("td", { class: "mono", text: r.kind === "op" ? `${r.name}: ${r.expr}` : r.expr }),
    el("td", { class: "num", text: fmt(r.value) }),
    el("td", { class: "num", "data-grad": r.node, text: fmt(r.grad) }),
    el("td", { class: "mono", text: r.how }))));
  $("#chains").replaceChildren(...view.chains.map((c) => {
    const paths = c.paths.map((p, k) => el("div", { class: "path" },
      el("p", { class: "eq", text: `${c.paths.length > 1 ? `path ${k + 1}: ` : ""}` +
        p.factors.map((f) => fmt(f.value)).join(" \u00d7 ") + ` = ${fmt(p.product)}` }),
      el("ul", { class: "muted mono" }, ...p.factors.map((f) => el("li", {
        text: `d(${f.of}) / d(${f.wrt}) = ${f.formula ?? "?"} = ${fmt(f.value)}` })))));
    return el("div", { "data-variable": c.variable },
      el("h2", { text: `d out / d${c.variable} = ${fmt(c.grad)}` + ((c.path_count ?? c.paths.length) > 1 ? ` (sum of ${fmt(c.path_count ?? c.paths.length)} paths)` : "") }),
      ...paths, c.truncated ? el("p", { class: "muted", text: c.note ?? "more paths not listed" }) : null);
  }));
}

// The shared graph viewer of chainrule.viz (window.CRGraph, the same stepping as g.to_html()) shows the
// engine's graph document when there is one; otherwise the lab's own stepper below does.
function mountViewer(v, startStep) {
  const host = $("#viewer");
  const useViewer = Boolean(v.document && window.CRGraph);
  host.hidden = !useViewer;
  $("#lab-stepper").hidden = useViewer;
  document.body.dataset.viewer = useViewer ? "crgraph" : "lab";
  if (!useViewer) { currentViewer = null; return false; }
  const root = el("div", { "data-title": "Step the forward pass, then the backward pass" });
  host.replaceChildren(root);
  const viewer = window.CRGraph.mount(root, v.document);
  currentViewer = viewer;
  const go = viewer.go.bind(viewer);
  viewer.go = (s) => {  // keep the step in the URL
    go(s);
    if (viewer === currentViewer) { step = viewer.step; writeUrl(); }
  };
  if (startStep) viewer.go(startStep);
  return true;
}

function show(v, startStep = 0) {
  view = v;
  step = Math.max(0, Math.min(startStep, total()));
  $("#graph-title").textContent = v.uploaded ? "Uploaded graph" : `Computational graph of ${v.expression}`;
  drawTables();
  if (!mountViewer(v, startStep)) drawStep();
  else writeUrl();
  const link = $("#download");
  link.hidden = false;
  const exported = v.document ?? v;
  link.href = URL.createObjectURL(new Blob([JSON.stringify(exported, null, 1)], { type: "application/json" }));
  link.download = "graph.json";
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

function varInputs(vars) {
  const box = $("#vars");
  box.replaceChildren(...Object.entries(vars).map(([k, v]) => el("label", {}, `${k} = `,
    el("input", { type: "number", step: "any", "data-var": k, value: String(v), "aria-label": `value of ${k}`,
      oninput: () => build(0) }))));
}

function currentVars() {
  const vars = {};
  for (const input of box().querySelectorAll("input[data-var]")) {
    const n = Number(input.value);
    if (input.value.trim() !== "" && Number.isFinite(n)) vars[input.dataset.var] = n;
  }
  return vars;
}
const box = () => $("#vars");

const build = latest(async (startStep = 0, vars = null) => {
  try {
    const v = await api("/api/graph", { expression: $("#expr").value, variables: vars ?? currentVars() });
    showError("");
    const names = Object.keys(v.variables).join(",");
    if (names !== [...box().querySelectorAll("input[data-var]")].map((i) => i.dataset.var).join(",")) varInputs(v.variables);
    show(v, startStep);
  } catch (e) {
    showError(e.message);
  }
});

$("#expr-form").addEventListener("submit", (ev) => { ev.preventDefault(); build(0); });
$("#first").addEventListener("click", () => { step = 0; drawStep(); });
$("#prev").addEventListener("click", () => { step = Math.max(0, step - 1); drawStep(); });
$("#next").addEventListener("click", () => { step = Math.min(total(), step + 1); drawStep(); });
$("#last").addEventListener("click", () => { step = total(); drawStep(); });
$("#step").addEventListener("input", () => { step = Number($("#step").value); drawStep(); });
document.addEventListener("keydown", (ev) => {
  if (!view || ev.target instanceof HTMLInputElement || document.body.dataset.viewer !== "lab") return;
  if (ev.key === "ArrowRight" || ev.key === " ") step = Math.min(total(), step + 1);
  else if (ev.key === "ArrowLeft") step = Math.max(0, step - 1);
  else if (ev.key === "Home") step = 0;
  else if (ev.key === "End") step = total();
  else return;
  ev.preventDefault();
  drawStep();
});
$("#upload").addEventListener("change", async () => {
  const file = $("#upload").files[0];
  if (!file) return;
  try {
    if (file.size > 400 * 1024) throw new Error("the file is too large (at most 400 KiB)");
    let graph;
    try { graph = JSON.parse(await file.text()); } catch { throw new Error("the file is not valid JSON"); }
    const v = await api("/api/graph/upload", { graph });
    showError("");
    $("#vars").replaceChildren();
    show(v, 0);
  } catch (e) {
    showError(e.message);
  }
});

api("/api/functions").then((f) => { $("#fn-list").textContent = f.functions.map((x) => x.name).join(", "); }).catch(() => {});
const initial = readUrl();
$("#expr").value = initial.expr;
build(initial.step, initial.vars);
