// Graph lab: POST /api/graph (or /api/graph/upload) and show the answer with the shared graph viewer of
// chainrule.viz (window.CRGraph: the same viewer as cr.graph(loss).to_html(), the widget and the notebook).
// The answer is the one model: the graph document and its explain tables; this page only keeps the URL.
import { $, api, el, latest, showError } from "/static/common.js";

const CHAPTER = { expr: "(3*x + 1)**2", vars: { x: 2 } };  // the chapter's example: 49 forward, 42 backward
let current = null;  // {expression, variables, uploaded}

function readUrl() {
  const params = new URLSearchParams(location.search);
  const vars = {};
  for (const [k, v] of params) {
    if (k.startsWith("v.") && v.trim() !== "" && Number.isFinite(Number(v))) vars[k.slice(2)] = Number(v);
  }
  const expr = params.get("expr");
  if (expr === null) return { expr: CHAPTER.expr, vars: { ...CHAPTER.vars, ...vars }, step: Number(params.get("step") || 0) };
  return { expr, vars, step: Number(params.get("step") || 0) };
}

function writeUrl(step) {
  if (!current || current.uploaded) return;
  const params = new URLSearchParams();
  params.set("expr", current.expression);
  for (const [k, v] of Object.entries(current.variables)) params.set(`v.${k}`, String(v));
  if (step) params.set("step", String(step));
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

function show(answer, startStep = 0) {
  current = answer;
  $("#graph-title").textContent = answer.uploaded ? "Uploaded graph" : `Computational graph of ${answer.expression}`;
  const root = el("div", { "data-title": "Step the forward pass, then the backward pass" });
  $("#viewer").replaceChildren(root);
  window.CRGraph.mount(root, answer.document, { tables: answer.tables, step: startStep, onStep: writeUrl });
  writeUrl(startStep);
  const link = $("#download");
  link.hidden = false;
  link.href = URL.createObjectURL(new Blob([JSON.stringify(answer.document, null, 1)], { type: "application/json" }));
  link.download = "graph.json";
  document.body.dataset.viewer = "crgraph";
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

function varInputs(vars) {
  $("#vars").replaceChildren(...Object.entries(vars).map(([k, v]) => el("label", {}, `${k} = `,
    el("input", { type: "number", step: "any", "data-var": k, value: String(v), "aria-label": `value of ${k}`,
      oninput: () => build(0) }))));
}

function currentVars() {
  const vars = {};
  for (const input of $("#vars").querySelectorAll("input[data-var]")) {
    const n = Number(input.value);
    if (input.value.trim() !== "" && Number.isFinite(n)) vars[input.dataset.var] = n;
  }
  return vars;
}

const build = latest(async (startStep = 0, vars = null) => {
  try {
    const answer = await api("/api/graph", { expression: $("#expr").value, variables: vars ?? currentVars() });
    showError("");
    const names = Object.keys(answer.variables).join(",");
    if (names !== [...$("#vars").querySelectorAll("input[data-var]")].map((i) => i.dataset.var).join(",")) {
      varInputs(answer.variables);
    }
    show(answer, startStep);
  } catch (e) {
    showError(e.message);
  }
});

$("#expr-form").addEventListener("submit", (ev) => { ev.preventDefault(); build(0); });
$("#upload").addEventListener("change", async () => {
  const file = $("#upload").files[0];
  if (!file) return;
  try {
    if (file.size > 4000 * 1024) throw new Error("the file is too large (at most 4000 KiB)");
    let graph;
    try { graph = JSON.parse(await file.text()); } catch { throw new Error("the file is not valid JSON"); }
    const answer = await api("/api/graph/upload", { graph });
    showError("");
    $("#vars").replaceChildren();
    show(answer, 0);
  } catch (e) {
    showError(e.message);
  }
});

api("/api/functions").then((f) => { $("#fn-list").textContent = f.functions.map((x) => x.name).join(", "); }).catch(() => {});
const initial = readUrl();
$("#expr").value = initial.expr;
build(initial.step, initial.vars);
