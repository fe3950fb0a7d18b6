// chainrule Jupyter widgets (anywidget). Displays `result` computed by the kernel's engine; writes `params`.

// The one number format of every page: crFormatNumber, from chainrule/viz/static/format.js, which the Python
// loader (chainrule.widgets._anywidgets._asset) puts in front of this module with the graph viewer.
const fmt = crFormatNumber;

function h(tag, attrs = {}, ...children) {
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

function setParams(model, patch) {
  model.set("params", { ...model.get("params"), ...patch });
  model.save_changes();
}

const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
function ownKeys(event) { if (SLIDER_KEYS.has(event.key)) event.stopPropagation(); }

function slider(model, key, label, lo, hi, step) {
  const value = model.get("params")[key];
  const out = h("span", { class: "crw-num", text: fmt(value) });
  // The slider's own keys stay with the slider: data-lm-suppress-shortcuts makes JupyterLab (Lumino, which
  // handles keydown in the capture phase for its notebook shortcuts) leave them alone, and stopping them here
  // keeps page-wide listeners (a graph viewer shown in the same notebook steps on ArrowLeft/Right) from
  // taking them; the browser still moves the slider.
  const input = h("input", { type: "range", min: lo, max: hi, step, value, "data-param": key, "aria-label": label,
    "data-lm-suppress-shortcuts": "true", onkeydown: ownKeys,
    oninput: () => { out.textContent = fmt(Number(input.value)); setParams(model, { [key]: Number(input.value) }); } });
  const sync = () => { const v = model.get("params")[key]; input.value = v; out.textContent = fmt(v); };
  return { row: h("label", { class: "crw-control" }, h("span", { text: label }), input, out), sync };
}

function cell(key) { return h("span", { class: "crw-num", "data-out": key, text: "\u2014" }); }
function put(root, key, v) { const n = root.querySelector(`[data-out="${key}"]`); if (n) n.textContent = fmt(v); }

const RENDERERS = {
  neuron(model, root) {
    const sliders = [["x", "x"], ["w", "w"], ["b", "b"], ["t", "t"]].map(([k, l]) => slider(model, k, l, -5, 5, 0.1));
    const gate = h("span", { class: "crw-gate", "data-out": "gate" });
    root.append(
      h("div", { class: "crw-controls" }, ...sliders.map((s) => s.row)),
      h("div", { class: "crw-eq" }, "z = ", cell("z"), "  a = ReLU(z) = ", cell("a"), "  ", gate, "  L = (a \u2212 t)\u00b2 = ", cell("L")),
      h("div", { class: "crw-eq" }, "dL/dw = dL/da ", cell("dL_da"), " \u00d7 da/dz ", cell("da_dz"), " \u00d7 dz/dw ", cell("dz_dw"),
        " = ", cell("product"), "   (w.grad = ", cell("grad_w"), ")"),
      h("div", { class: "crw-eq" }, h("button", { type: "button", text: "w \u2190 w \u2212 lr\u00b7dL/dw", onclick: () =>
        setParams(model, { w: model.get("result").update.w }) }), "  new loss ", cell("upd_L")));
    return (r) => {
      sliders.forEach((s) => s.sync());
      put(root, "z", r.forward.z); put(root, "a", r.forward.a); put(root, "L", r.forward.L);
      put(root, "dL_da", r.factors.dL_da); put(root, "da_dz", r.factors.da_dz); put(root, "dz_dw", r.factors.dz_dw);
      put(root, "product", r.product); put(root, "grad_w", r.grads.w); put(root, "upd_L", r.update.L);
      gate.textContent = r.gate === "open" ? "gate open" : "gate closed";
      gate.dataset.state = r.gate;
    };
  },
  "two-inputs"(model, root) {
    const sliders = [["a1", "a1"], ["a2", "a2"], ["w1", "w1"], ["w2", "w2"], ["b", "b"], ["y", "y"]]
      .map(([k, l]) => slider(model, k, l, -5, 5, 0.1));
    root.append(h("div", { class: "crw-controls" }, ...sliders.map((s) => s.row)),
      h("div", { class: "crw-eq" }, "z = ", cell("z"), "  a = ", cell("a"), "  C = ", cell("C")),
      h("div", { class: "crw-eq" }, "\u03b4 = dC/dz = ", cell("delta"), "  dC/dw1 = \u03b4\u00b7a1 = ", cell("w1"),
        "  dC/dw2 = \u03b4\u00b7a2 = ", cell("w2")));
    return (r) => {
      sliders.forEach((s) => s.sync());
      put(root, "z", r.forward.z); put(root, "a", r.forward.a); put(root, "C", r.forward.C);
      put(root, "delta", r.factors.delta); put(root, "w1", r.grads.w1); put(root, "w2", r.grads.w2);
    };
  },
  flip(model, root) {
    const bits = (key) => h("div", { class: "crw-pixels" }, ...[0, 1, 2, 3].map((i) => h("button", {
      type: "button", "data-bit": `${key}${i}`, onclick: () => {
        const p = model.get("params");
        setParams(model, { [key]: p[key].map((v, j) => (j === i ? 1 - v : v)), steps: 0 });
      } })));
    const output = h("div", { class: "crw-pixels crw-out", "data-out": "y-image" });
    const units = h("div", { class: "crw-units" });
    const info = h("div", { class: "crw-eq", "data-out": "info" });
    const task = h("div", { class: "crw-task", "data-out": "task" });
    const try444 = h("button", { type: "button", "data-act": "try-444", text: "try the 4 \u2192 4 \u2192 4 network",
      onclick: () => setParams(model, { hidden: 4, train: true, steps: 0 }) });
    root.append(h("div", { class: "crw-row" }, h("div", {}, "input x", bits("x")), h("div", {}, "target t", bits("t")),
      h("div", {}, "output y", output),
      h("div", {}, h("button", { type: "button", text: "SGD step", onclick: () =>
        setParams(model, { steps: model.get("result").inputs.steps + 1 }) }),
      h("button", { type: "button", "data-act": "train", text: "train until solved", onclick: () =>
        setParams(model, { train: true, steps: 0 }) }),
      h("button", { type: "button", "data-act": "reset", text: "reset weights", onclick: () =>
        setParams(model, { train: false, steps: 0 }) }),
      info)), units, task, try444);
    const names = (list, prefix) => list.map((i) => `${prefix}${i + 1}`).join(", ") || "none";
    return (r) => {
      for (const key of ["x", "t"]) {
        root.querySelectorAll(`[data-bit^="${key}"]`).forEach((b, i) => {
          b.textContent = String(r.inputs[key][i]);
          b.setAttribute("aria-pressed", r.inputs[key][i] ? "true" : "false");
        });
      }
      output.replaceChildren(...r.forward.y.map((v, i) => {
        const level = Math.min(Math.max(v, 0), 1);
        const px = h("span", { class: `crw-pixel${level > 0.5 ? " crw-on" : ""}`, "data-pixel": i, text: fmt(v, 2) });
        px.style.setProperty("--crw-level", `${Math.round(level * 100)}%`);
        return px;
      }));
      const nh = r.forward.h.length;
      info.textContent = `4\u2192${nh}\u21924, step ${r.inputs.steps}, loss ${fmt(r.forward.loss)}` +
        `${r.solved ? " (output = target)" : ""}; zero rows of dL/dW1: ${names(r.zero_rows.W1, "x")}; ` +
        `of dL/dW2: ${names(r.zero_rows.W2, "h")}`;
      units.replaceChildren(...r.forward.z1.map((z, j) => {
        const dead = r.dead.includes(j);
        return h("div", { class: `crw-unit${dead ? " crw-dead" : ""}`, "data-unit": j, "data-dead": dead ? "true" : "false",
          text: `h${j + 1}: z = ${fmt(z)}, h = ${fmt(r.forward.h[j])}, dL/dz = ${fmt(r.grads.z1[j])}${dead ? " \u2014 dead" : ""}` });
      }));
      const t = r.task;
      task.textContent = !t ? "" : t.solved
        ? `trained on all 16 images: zero error after ${t.epochs} epochs`
        : `trained on all 16 images: stopped after ${t.epochs} epochs, ${t.errors} of 16 still wrong. ${t.why || ""}`;
      try444.hidden = !(t && !t.solved && r.inputs.hidden === 3);
    };
  },
  depth(model, root) {
    const d = slider(model, "depth", "depth", 1, 60, 1);
    const s = slider(model, "scale", "scale", 0.05, 4, 0.05);
    const act = h("select", { "data-lm-suppress-shortcuts": "true", onkeydown: ownKeys, onchange: () => setParams(model, { activation: act.value }) },
      ...["relu", "tanh", "sigmoid", "linear"].map((a) => h("option", { value: a, text: a })));
    const bars = h("div", { class: "crw-bars" });
    const verdict = h("div", { class: "crw-eq" });
    root.append(h("div", { class: "crw-controls" }, d.row, s.row, act), verdict, bars);
    return (r) => {
      d.sync(); s.sync(); act.value = r.inputs.activation;
      verdict.textContent = r.verdict;
      bars.replaceChildren(...r.layers.map((l) => h("div", { class: "crw-bar-row" },
        h("span", { text: `layer ${l.layer}` }), h("span", { class: "crw-num", text: fmt(l.delta_norm) }))));
    };
  },
  graph(model, root) {
    // the shared graph viewer of chainrule.viz (graph.js, loaded before this file): graph, steps and tables
    const host = h("div", { "data-cr-graph": "", "data-title": "Step the forward pass, then the backward pass" });
    root.append(host);
    return (r) => {
      if (window.CRGraph && r.document) window.CRGraph.mount(host, r.document, { tables: r.tables });
    };
  },
};

export default {
  render({ model, el }) {
    const root = h("div", { class: `crw crw-${model.get("kind")}` });
    const error = h("div", { class: "crw-error" });
    el.append(error, root);
    const update = RENDERERS[model.get("kind")](model, root);
    const draw = () => {
      error.textContent = model.get("error") || "";
      const r = model.get("result");
      if (r && Object.keys(r).length) update(r);
      root.dataset.updates = String(Number(root.dataset.updates || 0) + 1);
    };
    model.on("change:result", draw);
    model.on("change:error", draw);
    draw();
    return () => { model.off("change:result", draw); model.off("change:error", draw); };
  },
};
