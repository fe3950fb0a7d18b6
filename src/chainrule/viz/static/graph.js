/* chainrule graph viewer: the one viewer of a graph document (docs/graph-schema.md) for the graph lab, the
   upload, the Jupyter widget, cr.graph(loss)'s rich display and the offline page (g.to_html()).
   It lays the graph out with dagre (dagre.min.js, vendored: see dagre.VENDORED.txt), and steps through the
   forward and backward passes. It only displays texts and numbers of the document and of its explain tables
   (chainrule.viz.tables): every value, gradient, local derivative and sum was computed by chainrule in Python.
   Use: CRGraph.mount(rootElement, graphDocument, {tables, step, onStep}). CRGraph.layout(graphDocument, {open})
   is the same layout without a page (box sizes from character counts, never measured): Python's static SVG
   (chainrule.viz.svg) runs it in V8, so the picture without JavaScript is this viewer's. */
(function () {
  "use strict";
  var VERSION = 2;
  if (window.CRGraph && window.CRGraph.version === VERSION) { window.CRGraph.mountAll(); return; }
  var D = typeof dagre !== "undefined" ? dagre : window.dagre;  /* eslint-disable-line no-undef */
  var SVGNS = "http://www.w3.org/2000/svg";
  var H = 58, LINE = 15, CHAR = 6.7, LABEL_CHAR = 6.7, LABEL_H = 18, MAX_LABEL = 46;
  var MAX_BOXES = 160;  /* more than this many boxes at once: the viewer groups (or splits a group) */
  var CHUNK = 40;  /* ops per group when a graph has no module or op groups to show */
  var uid = 0;

  function el(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function clip(t, n) { t = String(t); return t.length <= n ? t : t.slice(0, n - 1) + "\u2026"; }
  function editable(t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable) return true;
    if (t.tagName === "INPUT") return t.type !== "range" && t.type !== "button" && t.type !== "checkbox";
    return t.tagName === "TEXTAREA" || t.tagName === "SELECT";
  }

  /* ------------------------------------------------------------------ what is drawn: units and boxes */
  /* A unit is a box that stands for several nodes: a module (nn.Module call), a module's time step (when the
     document has them), one of the document's op groups, or a run of consecutive ops. Units open into
     their children; a unit with too many children opens into runs of them. */
  function moduleLabel(v, g) {  /* the document names the module after what it is: "fc1: Linear(64->32)" */
    return g.label || g.path || g.id;
  }

  function opsSummary(v, members) {
    var counts = {}, order = [];
    members.forEach(function (id) {
      var n = v.nodes[id];
      if (n.kind !== "op") return;
      if (!counts[n.op]) { counts[n.op] = 0; order.push(n.op); }
      counts[n.op]++;
    });
    return order.slice(0, 3).map(function (o) { return counts[o] > 1 ? o + " \u00D7" + counts[o] : o; }).join(", ") +
      (order.length > 3 ? ", \u2026" : "");
  }

  /* the node's position in the forward pass (leaves and constants: their first consumer's) */
  function forwardKey(v, id) {
    var n = v.nodes[id];
    if (n.kind === "op") return n.forward_index;
    var c = v.consumers[id];
    return c && c.length ? v.nodes[c[0].target].forward_index - 0.5 : -1;
  }

  function runs(v, parentId, items) {
    /* items: [{id, key, members}] in forward order -> units of at most CHUNK items */
    items.sort(function (a, b) { return a.key - b.key; });
    var out = [];
    for (var i = 0; i < items.length; i += CHUNK) {
      var part = items.slice(i, i + CHUNK), members = [];
      part.forEach(function (it) { members.push.apply(members, it.members); });
      var ops = members.filter(function (m) { return v.nodes[m].kind === "op"; })
        .map(function (m) { return v.nodes[m].forward_index; });
      var lo = Math.min.apply(null, ops.length ? ops : [0]) + 1, hi = Math.max.apply(null, ops.length ? ops : [0]) + 1;
      var named = part.filter(function (it) { return it.name; });  /* time steps: "t=0 \u2026 t=39" */
      var what = named.length ? span(named[0].name, named[named.length - 1].name) : "ops " + lo + "\u2013" + hi;
      out.push({ id: parentId + "/r" + i, label: what + " (" + opsSummary(v, members) + ")",
        members: members, items: part, kind: "run" });
    }
    return out;
  }

  function span(a, b) {  /* "LSTM layer 0, t=0" and "LSTM layer 0, t=39" -> "LSTM layer 0, t=0 \u2026 t=39" */
    if (a === b) return a;
    var cut = a.lastIndexOf(", ");
    return a + " \u2026 " + (cut > 0 && b.indexOf(a.slice(0, cut + 2)) === 0 ? b.slice(cut + 2) : b);
  }

  /* a call group (a module's call, a named scope such as a time step) as a unit; its nested call groups (the
     time steps of a layer) become its children when it is opened. Inside its parent it is named by what the
     parent's name does not say already ("t=3" inside "LSTM layer 0"). */
  function callUnit(v, g, parentName, free) {
    var members = g.nodes.filter(function (id) { return free(id) && v.nodes[id]; });
    var name = g.label || g.id;
    if (parentName && name.indexOf(parentName + ", ") === 0) name = name.slice(parentName.length + 2);
    return { id: "g:" + g.id, group: g, name: name, label: name + " (" + opsSummary(v, members) + ")",
      members: members, kind: "step", subgroups: v.callKids[g.id] || null };
  }

  function dn(name) {  /* a name inside d.../d...: an expression label gets parentheses, d(w*x + b) */
    name = String(name);
    return /^[A-Za-z_][A-Za-z0-9_.\[\]#]*$/.test(name) ? name : "(" + name + ")";
  }

  function buildUnits(v) {
    /* the top-level units: module groups when the document has them, time steps when it has those, then its
       op groups; nothing grouped -> single nodes (split into runs when too many to draw) */
    var doc = v.doc, units = [], taken = {};
    var byStep = {};
    doc.nodes.forEach(function (n) {
      if (typeof n.time_step === "number") (byStep[n.time_step] = byStep[n.time_step] || []).push(n.id);
    });
    var steps = Object.keys(byStep);
    if (steps.length > 1) {
      steps.sort(function (a, b) { return a - b; }).forEach(function (t) {
        units.push({ id: "t:" + t, label: "time step " + t + " (" + opsSummary(v, byStep[t]) + ")", members: byStep[t], kind: "step" });
        byStep[t].forEach(function (id) { taken[id] = 1; });
      });
    }
    /* one box per call of a module called again and again (a cell over time steps, a shared block): the
       document's "call" groups (docs/graph-schema.md), largest first so an outer call takes its inner ones */
    v.callKids = {};
    var calls = doc.groups.filter(function (g) { return g.kind === "call"; });
    function nested(g) { var p = g.parent && v.groups[g.parent]; return !!(p && p.kind === "call"); }
    calls.forEach(function (g) { if (nested(g)) (v.callKids[g.parent] = v.callKids[g.parent] || []).push(g); });
    calls.filter(function (g) { return !nested(g); })
      .sort(function (a, b) { return b.nodes.length - a.nodes.length; })
      .forEach(function (g) {
        var u = callUnit(v, g, null, function (id) { return !taken[id]; });
        if (u.members.length < 2) return;
        u.members.forEach(function (id) { taken[id] = 1; });
        units.push(u);
      });
    var mods = doc.groups.filter(function (g) { return g.kind === "module" && !g.parent; });
    /* op groups (same op at the same depth) only help a graph too large to draw node by node */
    var ops = doc.default_view === "groups" ? doc.groups.filter(function (g) { return g.kind !== "module" && !g.parent; }) : [];
    mods.concat(ops).forEach(function (g) {
      var members = g.nodes.filter(function (id) { return !taken[id] && v.nodes[id]; });
      if (g.kind === "module") {
        doc.groups.forEach(function (c) {  /* nested modules' nodes belong to the top module */
          var p = c;
          while (p && p.parent) p = v.groups[p.parent];
          if (c !== g && p === g) c.nodes.forEach(function (id) { if (!taken[id] && v.nodes[id] && members.indexOf(id) < 0) members.push(id); });
        });
      }
      if (members.length < 2) return;
      members.forEach(function (id) { taken[id] = 1; });
      units.push({ id: "g:" + g.id, group: g, label: g.kind === "module" ? moduleLabel(v, g) : opGroupLabel(v, g, members),
        members: members, kind: g.kind === "module" ? "module" : "ops" });
    });
    var singles = doc.nodes.filter(function (n) { return !taken[n.id]; })
      .map(function (n) { return { id: n.id, key: forwardKey(v, n.id), members: [n.id], node: true }; });
    if (units.length + singles.length > MAX_BOXES) {  /* still too many: runs of groups and nodes, in forward order */
      units.forEach(function (u) {
        u.key = Math.min.apply(null, u.members.map(function (m) { return forwardKey(v, m); }));
      });
      var all = runs(v, "top", units.concat(singles));
      return all.length > MAX_BOXES ? runs(v, "top2", all.map(function (r, i) { r.key = i; return r; })) : all;
    }
    return units.concat(singles.map(function (s) { return { id: s.id, node: true, members: [s.id] }; }));
  }

  function opGroupLabel(v, g, members) {
    var n = members.map(function (id) { return v.nodes[id]; });
    var kinds = {};
    n.forEach(function (x) { kinds[x.kind] = (kinds[x.kind] || 0) + 1; });
    if (kinds.op) return opsSummary(v, members) + " (forward " + (Math.min.apply(null, n.filter(function (x) { return x.kind === "op"; })
      .map(function (x) { return x.forward_index; })) + 1) + ")";
    var consumer = v.consumers[members[0]] && v.consumers[members[0]][0];
    var into = consumer ? v.nodes[consumer.target] : null;
    var names = n.map(function (x) { return x.name; });
    var what = names.length <= 3 ? names.join(", ") : names.slice(0, 2).join(", ") + " and " + (names.length - 2) + " more";
    return what + (into ? " \u2192 " + into.name : "");
  }

  function childrenOf(v, unit) {
    if (unit._children) return unit._children;
    var kids;
    if (unit.items) {  /* a run */
      kids = unit.items.length > MAX_BOXES ? runs(v, unit.id, unit.items) : unit.items.map(function (it) {
        return it.node ? { id: it.id, node: true, members: it.members } : it;
      });
    } else {
      var used = {}, subs = [], inside = {};
      unit.members.forEach(function (id) { inside[id] = 1; });
      (unit.subgroups || []).slice().sort(function (a, b) { return b.nodes.length - a.nodes.length; })
        .forEach(function (g) {  /* nested call groups (the time steps of a layer) first, each one unit */
          var u = callUnit(v, g, unit.name, function (id) { return inside[id] && !used[id]; });
          if (u.members.length < 2) return;
          u.id = unit.id + "/" + u.id;
          u.members.forEach(function (id) { used[id] = 1; });
          u.key = Math.min.apply(null, u.members.map(function (m) { return forwardKey(v, m); }));
          subs.push(u);
        });
      var items = subs.concat(unit.members.filter(function (id) { return !used[id]; })
        .map(function (id) { return { id: id, key: forwardKey(v, id), members: [id], node: true }; }));
      kids = items.length > MAX_BOXES ? runs(v, unit.id, items) : items.sort(function (a, b) { return a.key - b.key; })
        .map(function (it) { return it.node ? { id: it.id, node: true, members: it.members } : it; });
    }
    unit._children = kids;
    return kids;
  }

  /* ------------------------------------------------------------------ the viewer */
  /* the document indexed for drawing (no DOM): nodes, edges, groups, steps, the units and which are open */
  function index(v, doc) {
    v.doc = doc;
    v.nodes = {};
    doc.nodes.forEach(function (n) { v.nodes[n.id] = n; });
    v.edges = {};
    v.consumers = {};
    v.inputs = {};
    doc.edges.forEach(function (e) {
      v.edges[e.id] = e;
      (v.consumers[e.source] = v.consumers[e.source] || []).push(e);
      (v.inputs[e.target] = v.inputs[e.target] || []).push(e);
    });
    v.groups = {};
    doc.groups.forEach(function (g) { v.groups[g.id] = g; });
    v.ops = doc.nodes.filter(function (n) { return n.kind === "op"; })
      .sort(function (a, b) { return a.forward_index - b.forward_index; });
    v.F = v.ops.length;
    v.B = doc.backward_steps.length;
    v.total = v.F + 1 + (v.B ? v.B + 1 : 0);
    v.step = 0;
    v.open = {};
    v.units = buildUnits(v);
    if (doc.default_view !== "groups" && doc.nodes.length <= MAX_BOXES) {  /* small enough: start with every node */
      v.units.forEach(function (u) { if (!u.node) v.open[u.id] = true; });
    }
    return v;
  }

  function Viewer(root, doc, opts) {
    opts = opts || {};
    this.uid = ++uid;
    this.root = root;
    this.tables = opts.tables || null;
    this.onStep = opts.onStep || null;
    index(this, doc);
    this.selected = null;
    this.view = { s: 1, tx: 0, ty: 0 };
    this.build();
    this.relayout();
    this.go(opts.step || 0, false);
    if (!opts.step) this.initialView();
  }

  Viewer.prototype.build = function () {
    var self = this, r = this.root;
    r.textContent = "";
    r.classList.add("crg-root");
    /* JupyterLab: its shortcuts (b inserts a cell...) stay off while a key is meant for this viewer */
    r.setAttribute("data-lm-suppress-shortcuts", "true");
    var head = h("div", "crg-head");
    head.appendChild(h("h2", "crg-title", r.getAttribute("data-title") || ("Graph of " + this.nodes[this.doc.root].name)));
    this.doc.notices.forEach(function (t) {
      if (/too many to draw/.test(t)) return;  /* replaced by the notice of what is drawn */
      head.appendChild(h("p", "crg-notice", t));
    });
    this.drawNotice = h("p", "crg-notice crg-draw-notice");
    this.drawNotice.hidden = true;
    head.appendChild(this.drawNotice);
    r.appendChild(head);
    var bar = h("div", "crg-controls");
    function button(act, label, title, cls) {
      var b = h("button", "crg-btn" + (cls ? " " + cls : ""), label);
      b.setAttribute("data-act", act);
      b.type = "button";
      if (title) { b.title = title; b.setAttribute("aria-label", title); }
      b.addEventListener("click", function () { self.act(act, true); });
      bar.appendChild(b);
      return b;
    }
    button("forward", "Forward \u25B6", "step the forward pass (key f)");
    button("backward", "\u25C0 Backward", "step the backward pass (key b)");
    button("prev", "\u2039", "previous step (\u2190)");
    this.slider = h("input", "crg-slider");
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.max = String(this.total - 1);
    this.slider.value = "0";
    this.slider.setAttribute("aria-label", "step");
    this.slider.addEventListener("input", function () { self.go(parseInt(self.slider.value, 10), true); });
    bar.appendChild(this.slider);
    button("next", "\u203A", "next step (\u2192)");
    this.pos = h("span", "crg-pos");
    bar.appendChild(this.pos);
    var zoom = h("span", "crg-zoom");
    bar.appendChild(zoom);
    ["zoom-out:\u2212:zoom out (-)", "zoom-in:+:zoom in (+)", "fit:Fit:fit the graph to the view (0)"].forEach(function (s) {
      var p = s.split(":");
      var b = button(p[0], p[1], p[2], "crg-zoom-btn");
      zoom.appendChild(b);
    });
    if (this.units.some(function (u) { return !u.node; })) {
      button("expand-all", "Open all", "open every group");
      button("collapse-all", "Close all", "close every group");
    }
    r.appendChild(bar);
    var tops = this.units.filter(function (u) { return !u.node; });
    this.groupButtons = {};
    if (tops.length && tops.length <= 60) {
      var gbar = h("div", "crg-groups");
      gbar.appendChild(h("span", "crg-k", "Groups (click to open or close):"));
      tops.forEach(function (u) {
        var b = h("button", "crg-btn crg-group-toggle", u.label);
        b.type = "button";
        b.setAttribute("data-group", u.id);
        b.addEventListener("click", function () { self.toggle(u.id); });
        gbar.appendChild(b);
        self.groupButtons[u.id] = b;
      });
      r.appendChild(gbar);
    }
    this.stepBox = h("div", "crg-step");
    this.stepBox.setAttribute("aria-live", "polite");
    r.appendChild(this.stepBox);
    this.canvas = h("div", "crg-canvas");
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "group");
    this.canvas.setAttribute("aria-label", "graph: drag to pan, ctrl + wheel or +/- to zoom, 0 to fit, f/b to step");
    r.appendChild(this.canvas);
    this.detail = h("div", "crg-detail");
    this.detail.appendChild(h("p", "crg-hint", "Hover or click a node to see its formula and numbers."));
    r.appendChild(this.detail);
    if (this.tables) {
      this.tablesBox = h("div", "crg-tables");
      r.appendChild(this.tablesBox);
    }
    /* keys act only while the viewer has focus (never in a notebook cell or another text field) */
    r.addEventListener("keydown", function (ev) {
      if (editable(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var map = { ArrowRight: "next", ArrowLeft: "prev", Home: "home", End: "end", f: "forward", b: "backward",
        "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", "0": "fit" };
      var a = map[ev.key];
      if (!a) return;
      if (ev.target === self.slider && /Arrow|Home|End/.test(ev.key)) return;  /* the slider steps itself */
      ev.preventDefault();
      ev.stopPropagation();
      self.act(a, true);
    });
    this.bindPanZoom();
    var self2 = this;
    window.addEventListener("resize", function () {  /* a phone turned, a window resized: re-lay out if needed */
      var w = self2.canvas.clientWidth;
      if (!w || (w < 560) === self2.tb) return;
      self2.relayout();
      self2.paint();
      self2.fit();
    });
  };

  Viewer.prototype.bindPanZoom = function () {
    var self = this, c = this.canvas, drag = null;
    c.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0) return;
      c.focus({ preventScroll: true });
      drag = { x: ev.clientX, y: ev.clientY, tx: self.view.tx, ty: self.view.ty, moved: false, id: ev.pointerId };
    });
    c.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) { drag.moved = true; try { c.setPointerCapture(drag.id); } catch (e) { /* ignore */ } }
      self.view.tx = drag.tx + dx;
      self.view.ty = drag.ty + dy;
      self.applyView();
    });
    function end() { if (drag && drag.moved) self.justDragged = true; drag = null; }
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey && !ev.metaKey) return;  /* a plain wheel scrolls the page */
      ev.preventDefault();
      var rect = c.getBoundingClientRect();
      self.zoomAt(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - rect.left, ev.clientY - rect.top);
    }, { passive: false });
  };

  Viewer.prototype.zoomAt = function (f, cx, cy) {
    var v = this.view, s = Math.max(0.1, Math.min(3, v.s * f));
    v.tx = cx - (cx - v.tx) * s / v.s;
    v.ty = cy - (cy - v.ty) * s / v.s;
    v.s = s;
    this.applyView();
  };

  Viewer.prototype.act = function (a, user) {
    var F = this.F;
    if (a === "next") this.go(this.step + 1, user);
    else if (a === "prev") this.go(this.step - 1, user);
    else if (a === "forward") this.go(this.step < F ? this.step + 1 : (this.step > F ? 0 : F), user);
    else if (a === "backward") this.go(this.step <= F ? F + 1 : this.step + 1, user);
    else if (a === "home") this.go(0, user);
    else if (a === "end") this.go(this.total - 1, user);
    else if (a === "zoom-in") this.zoomAt(1.25, this.cw() / 2, this.ch() / 2);
    else if (a === "zoom-out") this.zoomAt(0.8, this.cw() / 2, this.ch() / 2);
    else if (a === "fit") this.fit();
    else if (a === "expand-all" || a === "collapse-all") {
      var self = this;
      this.open = {};
      if (a === "expand-all") {
        (function openAll(list) {
          list.forEach(function (u) { if (!u.node) { self.open[u.id] = true; openAll(childrenOf(self, u)); } });
        })(this.units);
        if (this.visibleBoxes().boxes.length > 1200) this.open = {};  /* too many at once: open one group at a time */
      }
      this.relayout();
      this.paint();
      this.fit();
    }
  };

  Viewer.prototype.toggle = function (id) {
    if (this.open[id]) {
      var self = this;
      Object.keys(this.open).forEach(function (k) { if (k === id || k.indexOf(id + "/") === 0) delete self.open[k]; });
    } else this.open[id] = true;
    this.relayout();
    this.paint();
    this.frameIds(this.boxesOfUnit(id), []);
  };

  Viewer.prototype.go = function (s, user) {
    this.step = Math.max(0, Math.min(this.total - 1, s));
    this.paint();
    this.frameStep(user);
    if (this.onStep) this.onStep(this.step);
  };

  Viewer.prototype.phase = function () {
    if (this.step <= this.F) return { name: "forward", k: this.step };
    return { name: "backward", k: this.step - this.F - 1 };
  };

  /* backward steps done so far (-1 in the forward pass: not even the seed) */
  Viewer.prototype.done = function () {
    var p = this.phase();
    return p.name === "forward" ? -1 : p.k;
  };

  Viewer.prototype.gradText = function (n) {
    var k = this.done(), text = null, complete = false;
    if (!this.B) return n.grad ? { text: n.grad.text, complete: true } : null;  /* no recorded steps: what survived */
    if (k < 0) return null;
    (n.grad_states || []).forEach(function (st) { if (st.step < k) { text = st.text; complete = st.complete; } });
    return text === null ? null : { text: text, complete: complete };
  };

  Viewer.prototype.edgeDone = function (e) {
    var k = this.done();
    if (!this.B) return !!e.text;  /* no recorded steps: nothing to step through */
    if (k < 0) return false;
    return e.step !== null && e.step !== undefined && e.step < k;
  };

  Viewer.prototype.valueShown = function (n) {
    var p = this.phase();
    return n.kind !== "op" || p.name === "backward" || n.forward_index < p.k;
  };

  Viewer.prototype.current = function () {
    var p = this.phase(), self = this;
    if (p.name === "forward") {
      if (!p.k) return null;
      var op = this.ops[p.k - 1];
      return { node: op.id, edges: (this.inputs[op.id] || []).map(function (e) { return e.id; }), forward: true };
    }
    if (p.k === 0) return { node: this.doc.root, edges: [] };
    var st = this.doc.backward_steps[p.k - 1];
    return { node: st.node, edges: st.edges.filter(function (id) { return self.edges[id]; }), step: st };
  };

  /* ------------------------------------------------------------------ layout (dagre) */
  Viewer.prototype.visibleBoxes = function () {
    var self = this, boxes = [], boxOf = {};
    function visit(unit) {
      if (unit.node) { boxes.push({ id: unit.id, node: self.nodes[unit.id] }); boxOf[unit.id] = unit.id; return; }
      if (self.open[unit.id]) { childrenOf(self, unit).forEach(visit); return; }
      boxes.push({ id: unit.id, unit: unit });
      unit.members.forEach(function (m) { boxOf[m] = unit.id; });
    }
    this.units.forEach(visit);
    return { boxes: boxes, boxOf: boxOf };
  };

  Viewer.prototype.boxesOfUnit = function (id) {
    var out = [];
    for (var b in this.P) if (b === id || b.indexOf(id + "/") === 0) out.push(b);
    var self = this, unit = null;
    (function find(list) {
      list.forEach(function (u) { if (u.id === id) unit = u; else if (!u.node && u._children) find(u._children); });
    })(this.units);
    if (unit) unit.members.forEach(function (m) { var b = self.boxOf[m]; if (b && out.indexOf(b) < 0) out.push(b); });
    return out;
  };

  Viewer.prototype.boxTexts = function (b) {
    if (b.unit) return { title: b.unit.label, lines: [b.unit.members.length + " nodes (click to open)"], kind: "group" };
    var n = b.node;
    if (n.kind === "constant") {
      var named = n.explicit_name || (n.shape && n.shape.length > 0);
      return { title: named ? n.name : (n.value ? n.value.text : "?"), lines: named ? ["data ?"] : [], kind: "constant" };
    }
    var title = n.kind === "leaf" || !n.explicit_name || !n.op ? n.name : n.name + " = " + n.op;
    return { title: title, lines: ["data ?", "grad ?"], kind: n.kind };
  };

  Viewer.prototype.edgeLabelTexts = function (e) {
    if (!e.flows) return null;
    var before = "local " + (e.formula_named || e.formula || "?");
    return { before: clip(before, MAX_LABEL), after: e.text ? clip(e.text, MAX_LABEL) : before };
  };

  Viewer.prototype.relayout = function () {
    /* narrow screens (phones): top to bottom */
    this.computeLayout(this.canvas.clientWidth > 0 && this.canvas.clientWidth < 560);
    this.drawSvg();
    this.updateNotice();
  };

  /* The layout of the visible boxes, without the DOM (Python's static SVG runs this too, in V8: see
     chainrule/viz/svg.py): box sizes from the texts' lengths (CHAR px per character, no measuring, so every
     renderer gets the same picture), dagre's ranks and edge points, label boxes, edge paths. Sets P (box
     centers and sizes), boxList, boxById, boxOf, links and the size W x H. tb: top to bottom (phones): the
     layout is computed left to right with each box turned by 90 degrees, then mirrored on the diagonal, so the
     routing below has one case only. */
  Viewer.prototype.computeLayout = function (tb) {
    var self = this, vb = this.visibleBoxes();
    this.tb = tb;
    this.boxOf = vb.boxOf;
    var g = new D.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: "LR", nodesep: 22, ranksep: 46, edgesep: 16, marginx: 14, marginy: 14 });
    g.setDefaultEdgeLabel(function () { return {}; });
    this.boxList = vb.boxes;
    this.boxById = {};
    vb.boxes.forEach(function (b) {
      var t = self.boxTexts(b), longest = t.title.length + 1;
      var widest = Math.max(longest, 14);
      if (b.node) {
        var n = b.node;
        [n.value && n.value.text, n.grad && n.grad.text].forEach(function (x) { if (x) widest = Math.max(widest, x.length + 6); });
        (n.grad_states || []).forEach(function (st) { widest = Math.max(widest, st.text.length + 15); });
      }
      b.w = Math.min(260, Math.max(104, Math.ceil(Math.min(widest, 36) * CHAR) + 18));
      b.h = t.lines.length ? 16 + LINE * (t.lines.length + 1) - 3 : 30;
      b.t = t;
      self.boxById[b.id] = b;
      g.setNode(b.id, tb ? { width: b.h, height: b.w } : { width: b.w, height: b.h });
    });
    var links = [], pairs = {}, manyBoxes = vb.boxes.length > 300;  /* labels only where they can be read */
    this.doc.edges.forEach(function (e) {
      var s = vb.boxOf[e.source], t = vb.boxOf[e.target];
      if (!s || !t || s === t) return;
      var grouped = !!(self.boxById[s].unit || self.boxById[t].unit);
      if (grouped) {
        var key = s + "\u0000" + t;
        if (pairs[key]) { pairs[key].edges.push(e); return; }
        pairs[key] = { id: "l" + links.length, s: s, t: t, edges: [e], grouped: true };
        links.push(pairs[key]);
      } else {
        links.push({ id: "l" + links.length, s: s, t: t, edges: [e], grouped: false,
          label: manyBoxes ? null : self.edgeLabelTexts(e) });
      }
    });
    links.forEach(function (l) {
      var lab = l.label, attrs = { minlen: 1 };
      if (lab) {
        var lw = Math.ceil(Math.max(lab.before.length, lab.after.length) * LABEL_CHAR) + 10;
        attrs.width = tb ? LABEL_H : lw;
        attrs.height = tb ? lw : LABEL_H;
        attrs.labelpos = "c";
      }
      g.setEdge(l.s, l.t, attrs, l.id);
    });
    D.layout(g);
    var P = {};
    vb.boxes.forEach(function (b) { var n = g.node(b.id); P[b.id] = { x: n.x, y: n.y, w: n.width, h: n.height }; });
    this.P = P;
    /* columns: every box and label of a rank shares its x; an edge crosses a column only horizontally, at the
       height dagre gave its dummy node, so it never passes behind a box */
    var colHalf = {};
    function col(x, w) { var k = Math.round(x); colHalf[k] = Math.max(colHalf[k] || 0, w / 2); }
    vb.boxes.forEach(function (b) { col(P[b.id].x, P[b.id].w); });
    links.forEach(function (l) {
      var ed = g.edge(l.s, l.t, l.id);
      l.points = ed.points;
      if (l.label) { l.lx = ed.x; l.ly = ed.y; l.lw = ed.width; l.lh = ed.height; col(ed.x, ed.width); }
    });
    /* ports: the edges into (out of) a box end (start) at distinct heights, in the order of where they come from */
    function spread(list, side) {
      var byBox = {};
      list.forEach(function (l) { var b = side === "in" ? l.t : l.s; (byBox[b] = byBox[b] || []).push(l); });
      Object.keys(byBox).forEach(function (b) {
        var ls = byBox[b], box = P[b];
        ls.sort(function (x, y) {
          var px = side === "in" ? x.points[x.points.length - 2] : x.points[1];
          var py = side === "in" ? y.points[y.points.length - 2] : y.points[1];
          return px.y - py.y;
        });
        var span = Math.max(0, box.h - 16), n = ls.length;
        ls.forEach(function (l, i) {
          var y = n === 1 ? box.y : box.y - span / 2 + span * i / (n - 1);
          if (side === "in") l.endY = y; else l.startY = y;
        });
      });
    }
    spread(links, "in");
    spread(links, "out");
    links.forEach(function (l) {
      var a = P[l.s], b = P[l.t], pts = l.points.slice(1, l.points.length - 1);
      var hs = colHalf[Math.round(a.x)] || a.w / 2, ht = colHalf[Math.round(b.x)] || b.w / 2;
      /* straight out of the source's column, across each column dagre routed it through, into the target's */
      var way = [[a.x + hs, l.startY]];
      pts.forEach(function (p) {
        var hw = colHalf[Math.round(p.x)] || 0;
        way.push([p.x - hw, p.y], [p.x + hw, p.y]);
      });
      way.push([b.x - ht, l.endY]);
      function xy(x, y) { return tb ? y.toFixed(1) + " " + x.toFixed(1) : x.toFixed(1) + " " + y.toFixed(1); }
      var d = "M " + xy(a.x + a.w / 2, l.startY) + " L " + xy(way[0][0], way[0][1]);
      for (var i = 1; i < way.length; i++) {
        var p0 = way[i - 1], p1 = way[i];
        if (i % 2 === 1) {  /* between columns: a curve that keeps moving right */
          var mx = (p0[0] + p1[0]) / 2;
          d += " C " + xy(mx, p0[1]) + ", " + xy(mx, p1[1]) + ", " + xy(p1[0], p1[1]);
        } else d += " L " + xy(p1[0], p1[1]);
      }
      if (ht - b.w / 2 > 0.5) d += " L " + xy(b.x - b.w / 2, l.endY);
      l.d = d;
    });
    this.links = links;
    var gg = g.graph();
    this.W = tb ? gg.height : gg.width;
    this.H = tb ? gg.width : gg.height;
    if (tb) {  /* mirror on the diagonal: boxes and labels back to screen coordinates */
      Object.keys(P).forEach(function (id) { var q = P[id]; P[id] = { x: q.y, y: q.x, w: q.h, h: q.w }; });
      links.forEach(function (l) {
        if (!l.label) return;
        var x = l.lx, w = l.lw;
        l.lx = l.ly; l.ly = x; l.lw = l.lh; l.lh = w;
      });
    }
  };

  Viewer.prototype.noticeText = function () {
    var groups = this.boxList.filter(function (b) { return b.unit; }).length;
    var singles = this.boxList.length - groups, n = this.doc.nodes.length;
    return groups ? n + " nodes, drawn as " + groups + (groups === 1 ? " group" : " groups") +
      (singles ? " and " + singles + " single " + (singles === 1 ? "node" : "nodes") : "") +
      ": click a group to open it." : "";
  };

  Viewer.prototype.updateNotice = function () {
    var text = this.noticeText();
    this.drawNotice.hidden = !text;
    this.drawNotice.textContent = text;
    this.root.setAttribute("data-boxes", String(this.boxList.length));
  };

  /* the texts of a box's lines at the current step */
  Viewer.prototype.boxLines = function (b) {
    if (!b.node) return b.t.lines;
    var n = b.node;
    var value = this.valueShown(n) && n.value ? n.value.text : "\u2026";
    if (n.kind === "constant") return b.t.lines.length ? [clip("data " + value, 36)] : [];
    var gt = this.gradText(n);
    return [clip("data " + value, 36), clip("grad " + (gt ? gt.text + (gt.complete ? "" : " (so far)") : "\u2014"), 36)];
  };

  Viewer.prototype.drawSvg = function () {
    var self = this, id = "crg" + this.uid;
    this.canvas.textContent = "";
    var svg = el("svg", { "class": "crg-svg", width: "100%", height: "100%" });
    var defs = el("defs", {});
    ["", "-hot"].forEach(function (suf) {
      var m = el("marker", { id: id + "-arrow" + suf, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "8",
        markerHeight: "8", markerUnits: "userSpaceOnUse", orient: "auto" });
      m.appendChild(el("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "crg-arrowhead" + (suf ? " crg-arrowhead-hot" : "") }));
      defs.appendChild(m);
    });
    svg.appendChild(defs);
    var vp = el("g", { "class": "crg-viewport" });
    svg.appendChild(vp);
    this.vp = vp;
    var edgeLayer = el("g", { "class": "crg-edges" }), labelLayer = el("g", { "class": "crg-labels" }),
      boxLayer = el("g", { "class": "crg-boxes" });
    this.edgeEls = {};
    this.labelEls = {};
    this.links.forEach(function (l) {
      var flows = l.edges.some(function (e) { return e.flows; });
      var path = el("path", { d: l.d, "class": "crg-edge" + (flows ? "" : " crg-noflow"), "marker-end": "url(#" + id + "-arrow)" });
      path.setAttribute("data-link", l.id);
      path.setAttribute("data-source", l.s);
      path.setAttribute("data-target", l.t);
      path.setAttribute("data-edge", l.edges[0].id);
      if (l.grouped) path.setAttribute("data-edges", l.edges.map(function (e) { return e.id; }).join(" "));
      edgeLayer.appendChild(path);
      l.path = path;
      l.edges.forEach(function (e) { self.edgeEls[e.id] = l; });
      if (l.label) {
        var lg = el("g", { "class": "crg-edge-label", "data-edge-label": l.edges[0].id });
        lg.appendChild(el("rect", { x: l.lx - l.lw / 2, y: l.ly - l.lh / 2, width: l.lw, height: l.lh, rx: 3 }));
        var tx = el("text", { x: l.lx, y: l.ly + 4, "text-anchor": "middle" }, l.label.before);
        lg.appendChild(tx);
        var full = l.edges[0].text || "";
        if (full.length > MAX_LABEL) lg.appendChild(el("title", {}, full));  /* the clipped text, whole */
        labelLayer.appendChild(lg);
        l.text = tx;
        l.labelEl = lg;
        self.labelEls[l.edges[0].id] = lg;
      }
    });
    this.boxEls = {};
    this.boxList.forEach(function (b) {
      var pt = self.P[b.id], t = b.t;
      var g = el("g", { "class": "crg-box crg-" + t.kind, "data-node": b.id, tabindex: "-1" });
      if (b.unit) g.setAttribute("data-group", b.id);
      g.appendChild(el("rect", { x: pt.x - b.w / 2, y: pt.y - b.h / 2, width: b.w, height: b.h,
        rx: t.kind === "constant" || t.kind === "group" ? 12 : 4 }));
      var top = pt.y - b.h / 2 + 15;
      g.appendChild(el("text", { x: pt.x, y: top, "text-anchor": "middle", "class": "crg-box-title" }, clip(t.title, 36)));
      b.lineEls = t.lines.map(function (line, k) {
        var x = el("text", { x: pt.x, y: top + LINE * (k + 1), "text-anchor": "middle", "class": k === 0 ? "crg-data" : "crg-grad" }, line);
        g.appendChild(x);
        return x;
      });
      g.appendChild(el("title", {}, t.title));
      g.addEventListener("mouseenter", function () { self.showDetail(b.id); });
      g.addEventListener("click", function () {
        if (self.justDragged) { self.justDragged = false; return; }
        if (b.unit) { self.toggle(b.id); return; }
        self.selected = self.selected === b.id ? null : b.id;
        self.paint();
      });
      boxLayer.appendChild(g);
      self.boxEls[b.id] = g;
      b.el = g;
    });
    vp.appendChild(edgeLayer);
    vp.appendChild(boxLayer);
    vp.appendChild(labelLayer);
    this.svg = svg;
    this.canvas.appendChild(svg);
    /* an overview of the whole graph when it does not fit the view */
    var ov = el("svg", { "class": "crg-overview", viewBox: "0 0 " + this.W + " " + this.H, preserveAspectRatio: "xMidYMid meet" });
    ov.setAttribute("aria-hidden", "true");
    this.boxList.forEach(function (b) {
      var p = self.P[b.id];
      ov.appendChild(el("rect", { x: p.x - p.w / 2, y: p.y - p.h / 2, width: p.w, height: p.h, "class": "crg-ov-box crg-ov-" + b.t.kind }));
    });
    this.ovView = el("rect", { "class": "crg-ov-view" });
    ov.appendChild(this.ovView);
    ov.addEventListener("pointerdown", function (ev) {
      ev.stopPropagation();
      var r = ov.getBoundingClientRect(), sc = Math.min(r.width / self.W, r.height / self.H);
      var ox = (r.width - self.W * sc) / 2, oy = (r.height - self.H * sc) / 2;
      var gx = (ev.clientX - r.left - ox) / sc, gy = (ev.clientY - r.top - oy) / sc;
      self.view.tx = self.cw() / 2 - gx * self.view.s;
      self.view.ty = self.ch() / 2 - gy * self.view.s;
      self.applyView();
    });
    this.overview = ov;
    this.canvas.appendChild(ov);
    var small = this.H + 8 < 520;
    this.canvas.style.height = small ? Math.max(180, Math.ceil(this.H) + 24) + "px" : "";
  };

  Viewer.prototype.cw = function () { return this.canvas.clientWidth || 800; };
  Viewer.prototype.ch = function () { return this.canvas.clientHeight || 400; };

  Viewer.prototype.applyView = function () {
    var v = this.view;
    this.vp.setAttribute("transform", "translate(" + v.tx.toFixed(1) + " " + v.ty.toFixed(1) + ") scale(" + v.s.toFixed(4) + ")");
    var big = this.W * v.s > this.cw() + 2 || this.H * v.s > this.ch() + 2;
    this.overview.style.display = big ? "" : "none";
    if (big) {
      this.ovView.setAttribute("x", String(-v.tx / v.s));
      this.ovView.setAttribute("y", String(-v.ty / v.s));
      this.ovView.setAttribute("width", String(this.cw() / v.s));
      this.ovView.setAttribute("height", String(this.ch() / v.s));
    }
    this.root.setAttribute("data-zoom", v.s.toFixed(3));
  };

  Viewer.prototype.fit = function () {
    var cw = this.cw(), ch = this.ch();
    var s = Math.max(0.1, Math.min(1.25, (cw - 8) / this.W, (ch - 8) / this.H));
    this.view = { s: s, tx: (cw - this.W * s) / 2, ty: (ch - this.H * s) / 2 };
    this.applyView();
  };

  Viewer.prototype.initialView = function () {
    var cw = this.cw(), ch = this.ch();
    var s = Math.min(1.25, (cw - 8) / this.W, (ch - 8) / this.H);
    if (s >= 0.7) { this.fit(); return; }
    /* too large to read whole: start at the inputs (the left end, or the top on a phone), readable, with the
       overview in the corner */
    var v = { s: Math.max(0.75, Math.min(1, s)), tx: 4, ty: 4 };
    if (this.tb) v.tx = this.W * v.s < cw ? (cw - this.W * v.s) / 2 : cw / 2 - this.W * v.s / 2;
    else v.ty = this.H * v.s < ch ? (ch - this.H * v.s) / 2 : ch / 2 - this.H * v.s / 2;
    this.view = v;
    this.applyView();
  };

  /* the rectangles (in layout coordinates) of boxes and labels */
  Viewer.prototype.rectOf = function (kind, id) {
    if (kind === "box") { var p = this.P[id]; return p ? [p.x - p.w / 2, p.y - p.h / 2, p.x + p.w / 2, p.y + p.h / 2] : null; }
    var l = this.edgeEls[id];
    if (!l || !l.label) return null;
    return [l.lx - l.lw / 2, l.ly - l.lh / 2, l.lx + l.lw / 2, l.ly + l.lh / 2];
  };

  Viewer.prototype.frameIds = function (boxIds, edgeIds) {
    var self = this, r = null;
    function add(q) {
      if (!q) return;
      r = r ? [Math.min(r[0], q[0]), Math.min(r[1], q[1]), Math.max(r[2], q[2]), Math.max(r[3], q[3])] : q.slice();
    }
    boxIds.forEach(function (b) { add(self.rectOf("box", b)); });
    edgeIds.forEach(function (e) { add(self.rectOf("label", e)); });
    if (!r) return;
    var v = this.view, cw = this.cw(), ch = this.ch(), pad = 14;
    var w = r[2] - r[0], hh = r[3] - r[1];
    if (w * v.s > cw - 2 * pad || hh * v.s > ch - 2 * pad) {
      var s = Math.max(0.1, Math.min((cw - 2 * pad) / w, (ch - 2 * pad) / hh));
      v.tx = cw / 2 - (r[0] + w / 2) * s;
      v.ty = ch / 2 - (r[1] + hh / 2) * s;
      v.s = s;
    } else {
      var x0 = r[0] * v.s + v.tx, x1 = r[2] * v.s + v.tx, y0 = r[1] * v.s + v.ty, y1 = r[3] * v.s + v.ty;
      if (x0 < pad || x1 > cw - pad) v.tx += cw / 2 - (x0 + x1) / 2;
      if (y0 < pad || y1 > ch - pad) v.ty += ch / 2 - (y0 + y1) / 2;
    }
    this.applyView();
  };

  /* the sender, the receiver and the edge labels of the current step */
  Viewer.prototype.stepItems = function () {
    var cur = this.current(), self = this;
    if (!cur) return null;
    var boxes = [this.boxOf[cur.node]];
    cur.edges.forEach(function (eid) {
      var e = self.edges[eid], b = self.boxOf[e.source];
      if (b && boxes.indexOf(b) < 0) boxes.push(b);
    });
    var labels = cur.edges.filter(function (eid) { return self.labelEls[eid]; });
    return { boxes: boxes.filter(Boolean), labels: labels };
  };

  Viewer.prototype.frameStep = function (user) {
    var it = this.stepItems();
    if (it) this.frameIds(it.boxes, it.labels);
    if (user) {  /* keep the canvas on screen when the page is longer than the window */
      var r = this.canvas.getBoundingClientRect(), vh = window.innerHeight || document.documentElement.clientHeight;
      if (r.top < 0 || r.bottom > vh) {
        var y = r.top < 0 ? r.top - 8 : Math.min(r.top - 8, r.bottom - vh + 8);
        window.scrollBy(0, y);
      }
    }
  };

  /* ------------------------------------------------------------------ painting a step */
  Viewer.prototype.paint = function () {
    var self = this, p = this.phase(), cur = this.current();
    this.root.setAttribute("data-phase", p.name);
    this.root.setAttribute("data-step", String(this.step));
    this.slider.value = String(this.step);
    this.pos.textContent = p.name === "forward" ? "Forward " + p.k + " of " + this.F : "Backward " + p.k + " of " + this.B;
    var focused = document.activeElement;
    this.root.querySelector('[data-act="prev"]').disabled = this.step === 0;
    this.root.querySelector('[data-act="next"]').disabled = this.step === this.total - 1;
    this.root.querySelector('[data-act="backward"]').disabled = !this.B || this.step === this.total - 1;
    if (focused && focused.disabled && this.root.contains(focused)) this.canvas.focus({ preventScroll: true });  /* keys keep working */
    Object.keys(this.groupButtons).forEach(function (gid) {
      self.groupButtons[gid].setAttribute("aria-pressed", self.open[gid] ? "true" : "false");
    });
    var curBox = cur ? this.boxOf[cur.node] : null, hot = {};
    (cur ? cur.edges : []).forEach(function (e) { hot[e] = 1; });
    var senders = {};
    if (cur) cur.edges.forEach(function (eid) { var b = self.boxOf[self.edges[eid].source]; if (b) senders[b] = 1; });
    this.boxList.forEach(function (b) {
      var cls = "crg-box crg-" + b.t.kind + (b.id === curBox ? " crg-current" : "") + (senders[b.id] ? " crg-peer" : "") +
        (b.id === self.selected ? " crg-selected" : "");
      b.el.setAttribute("class", cls);
      if (!b.node) return;
      self.boxLines(b).forEach(function (text, k) { if (b.lineEls[k]) b.lineEls[k].textContent = text; });
    });
    var id = "crg" + this.uid;
    this.links.forEach(function (l) {
      var isHot = l.edges.some(function (e) { return hot[e.id]; });
      var flows = l.edges.some(function (e) { return e.flows; });
      l.path.setAttribute("class", "crg-edge" + (isHot ? " crg-hot" : "") + (flows ? "" : " crg-noflow"));
      l.path.setAttribute("marker-end", "url(#" + id + "-arrow" + (isHot ? "-hot" : "") + ")");
      if (l.label) {
        var doneE = self.edgeDone(l.edges[0]);
        l.text.textContent = doneE ? l.label.after : l.label.before;
        l.labelEl.setAttribute("class", "crg-edge-label" + (isHot ? " crg-hot" : "") + (doneE ? " crg-done" : ""));
      }
    });
    this.renderStep(p, cur);
    this.renderTables();
    if (this.selected) this.showDetail(this.selected);
  };

  Viewer.prototype.renderStep = function (p, cur) {
    var box = this.stepBox, self = this, L = this.doc.loss_name;
    box.textContent = "";
    if (p.name === "forward") {
      box.appendChild(h("p", "crg-line" + (p.k ? " crg-forward-text" : ""), p.k ? (this.ops[p.k - 1].forward_text || this.ops[p.k - 1].name)
        : "Forward pass: the inputs are known; press Forward (or f) to compute each node from its inputs, left to right."));
      return;
    }
    var rootNode = this.nodes[this.doc.root];
    if (p.k === 0) {
      box.appendChild(h("p", "crg-line", "Backward pass starts at " + rootNode.name + " with d" + dn(L) + "/d" + dn(rootNode.name) + " = " + this.doc.seed.text + "."));
      return;
    }
    var st = cur.step, n = this.nodes[st.node];
    box.appendChild(h("p", "crg-line crg-upstream", "At " + n.name + (n.expression ? " = " + n.expression : "") +
      ": upstream gradient d" + dn(L) + "/d" + dn(n.name) + " = " + (st.upstream ? st.upstream.text : "?")));
    var list = h("ul", "crg-contribs");
    st.edges.forEach(function (eid) {
      var e = self.edges[eid];
      if (!e) return;
      var src = self.nodes[e.source];
      if (!e.text) { list.appendChild(h("li", "crg-none", src.name + ": no gradient (it does not require grad)")); return; }
      var li = h("li", "crg-contrib");
      li.setAttribute("data-edge", eid);
      li.appendChild(h("span", "crg-eq", "d" + dn(L) + "/d" + dn(src.name) + " \u2190 upstream \u00D7 " + e.formula_factor + " = " + e.text));
      if (e.accumulated && e.accumulated.of > 1) {
        li.appendChild(h("span", "crg-acc", " accumulated at " + src.name + ": " + e.accumulated.text +
          " (" + e.accumulated.count + " of " + e.accumulated.of + " consumers)" + (e.accumulated.complete ? ", complete" : "")));
      }
      list.appendChild(li);
    });
    box.appendChild(list);
  };

  /* ------------------------------------------------------------------ the explain tables, step by step */
  Viewer.prototype.rowDone = function (nodeId) {
    var n = this.nodes[nodeId], k = this.done();
    if (!n) return false;
    if (!this.B) return true;
    if (k < 0) return false;
    if (nodeId === this.doc.root) return true;
    return (n.grad_states || []).some(function (st) { return st.complete && st.step < k; });
  };

  Viewer.prototype.renderTables = function () {
    if (!this.tables) return;
    var self = this, t = this.tables, box = this.tablesBox, L = this.doc.loss_name, pending = "\u2026";
    box.textContent = "";
    var gsec = h("section", "crg-table-sec");
    gsec.appendChild(h("h3", "crg-sub", "Gradient table"));
    var wrap = h("div", "crg-table-wrap");
    var table = h("table", "crg-table"), thead = h("thead"), tr = h("tr");
    ["gradient", "value", "how it got there"].forEach(function (c, i) { tr.appendChild(h("th", i === 1 ? "crg-num" : "", c)); });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = h("tbody");
    (t.gradient_table || []).forEach(function (r) {
      var done = self.rowDone(r.node), row = h("tr");
      row.setAttribute("data-node", r.node);
      row.setAttribute("data-done", done ? "1" : "0");
      row.appendChild(h("td", "crg-mono", r.location));
      var v = h("td", "crg-num crg-mono", done ? r.grad : pending);
      v.setAttribute("data-grad", r.node);
      row.appendChild(v);
      var how = done ? r.how : (self.done() < 0 ? "computed in the backward pass" : "waiting for " +
        (r.terms.length === 1 ? "its consumer" : "its " + r.terms.length + " consumers"));
      row.appendChild(h("td", "crg-mono" + (done ? "" : " crg-pending"), how));
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    gsec.appendChild(wrap);
    box.appendChild(gsec);
    var psec = h("section", "crg-table-sec");
    psec.appendChild(h("h3", "crg-sub", "Chain-rule factors (sum over paths)"));
    (t.paths || []).forEach(function (v) {
      var div = h("div", "crg-var");
      div.setAttribute("data-variable", v.name);
      var allDone = self.rowDone(v.node);
      div.appendChild(h("h4", "crg-var-title", "d" + dn(v.loss) + "/d" + dn(v.name) + " = " + (allDone ? v.grad : pending) +
        (v.count > 1 ? " (sum of " + v.count_text + " paths)" : "")));
      v.paths.forEach(function (path, k) {
        var pd = h("div", "crg-path"), known = 0;
        var ul = h("ul", "crg-factors");
        /* loss side first, as the chapter writes the chain: each factor appears at its backward step */
        for (var i = path.edges.length - 1; i >= 0; i--) {
          var eid = path.edges[i], e = eid ? self.edges[eid] : null;
          var shown = e ? self.edgeDone(e) : allDone;
          if (shown) known++;
          var top = path.names[i + 1], bottom = path.names[i];
          var li = h("li", "crg-mono" + (shown ? "" : " crg-pending"), "d" + dn(top) + "/d" + dn(bottom) + " = " +
            (e ? e.formula_named : "?") + " = " + (shown ? path.factors[i] : pending));
          if (eid) li.setAttribute("data-edge", eid);
          ul.appendChild(li);
        }
        var complete = known === path.edges.length;
        pd.appendChild(h("p", "crg-eq", (v.paths.length > 1 ? "path " + (k + 1) + ": " : "") + path.names.join(" \u2192 ") +
          ": " + (complete ? path.factors.slice().reverse().join(" \u00D7 ") + " = " + fmtNum(path.product) : pending)));
        pd.appendChild(ul);
        div.appendChild(pd);
      });
      if (v.paths.length > 1 && v.total !== null) {
        div.appendChild(h("p", "crg-eq crg-sum", allDone ? "sum over paths = " + v.paths.map(function (p) { return fmtNum(p.product); }).join(" + ") +
          " = " + fmtNum(v.total) + " = d" + dn(v.loss) + "/d" + dn(v.name) : "sum over paths: " + pending));
      }
      if (v.note) div.appendChild(h("p", "crg-hint", v.note));
      (v.notes || []).forEach(function (n) { div.appendChild(h("p", "crg-hint", n)); });
      psec.appendChild(div);
    });
    (t.notes || []).forEach(function (n) { psec.appendChild(h("p", "crg-hint", n)); });
    box.appendChild(psec);
  };

  function fmtNum(x) {  // the one number format of chainrule (format.js, loaded before this file)
    return x === null || x === undefined ? "?" : crFormatNumber(x);
  }

  Viewer.prototype.showDetail = function (id) {
    var d = this.detail, self = this, L = this.doc.loss_name;
    d.textContent = "";
    var b = this.boxById[id];
    if (!b) return;
    if (b.unit) {
      d.appendChild(h("h3", "crg-detail-title", b.unit.label));
      d.appendChild(h("p", "", b.unit.members.length + " nodes; click the box to open it."));
      return;
    }
    var n = b.node;
    d.appendChild(h("h3", "crg-detail-title", n.name));
    function row(k, v) {
      var r = h("div", "crg-kv");
      r.appendChild(h("span", "crg-k", k));
      r.appendChild(h("span", "crg-v", v));
      d.appendChild(r);
    }
    row("kind", n.kind + (n.grad_fn ? " (" + n.grad_fn + ")" : ""));
    if (n.module) row("module", n.module + (n.module_type ? " (" + n.module_type + ")" : ""));
    if (n.shape) row("shape", "[" + n.shape.join(", ") + "] " + (n.dtype || ""));
    if (n.expression) row("formula", n.name + " = " + n.expression);
    var shown = this.valueShown(n);
    if (n.forward_text && shown) row("forward", n.forward_text);
    row("value", shown && n.value ? n.value.text : "\u2026 (not computed yet)");
    if (n.value && n.value.summary && shown) {
      var s = n.value.summary;
      row("value summary", "min " + s.min + ", max " + s.max + ", mean " + s.mean + ", norm " + s.norm);
    }
    if (n.kind !== "constant") {
      var gt = this.gradText(n);
      row("gradient d" + dn(L) + "/d" + dn(n.name), gt ? gt.text + (gt.complete ? "" : " (so far)") : "\u2026 (the backward pass has not reached it)");
    }
    (this.inputs[id] || []).forEach(function (e) {
      var src = self.nodes[e.source];
      var t = "d" + dn(n.name) + "/d" + dn(src.name) + " = " + e.formula_named;
      if (self.edgeDone(e)) t += (e.local ? " = " + e.local.text : "") + (e.text ? "; sends " + e.text : "");
      row("input " + e.arg, t);
    });
  };

  function mount(root, doc, opts) {
    root.setAttribute("data-cr-graph", "");
    root.setAttribute("data-mounted", "1");
    var v = new Viewer(root, doc, opts);
    root.crgViewer = v;
    root.setAttribute("data-mounted", "1");
    return v;
  }

  function mountAll() {
    var roots = document.querySelectorAll("[data-cr-graph]:not([data-mounted])");
    Array.prototype.forEach.call(roots, function (root) {
      var data = root.querySelector("script.crg-data") || document.getElementById(root.getAttribute("data-source"));
      if (!data) return;
      var doc = JSON.parse(data.textContent), tablesEl = root.querySelector("script.crg-tables");
      var tables = tablesEl ? JSON.parse(tablesEl.textContent) : null;
      root.setAttribute("data-mounted", "1");
      mount(root, doc, { tables: tables });
    });
  }

  /* The viewer's picture at its last step (every value and gradient known), laid out by the viewer's own code,
     as plain data without the DOM: chainrule.viz.svg draws it as the static SVG (run in V8 by mini-racer).
     opts.open: "initial" (the viewer's first view, the default), "none" (every group closed), "all" (every node). */
  function layoutDocument(doc, opts) {
    opts = opts || {};
    var v = index(Object.create(Viewer.prototype), doc);
    if (opts.open === "none" || opts.open === "all") v.open = {};
    if (opts.open === "all") {
      (function openAll(list) {
        list.forEach(function (u) { if (!u.node) { v.open[u.id] = true; openAll(childrenOf(v, u)); } });
      })(v.units);
    }
    v.step = v.total - 1;
    v.computeLayout(false);
    return {
      width: v.W, height: v.H, line: LINE, notice: v.noticeText(),
      boxes: v.boxList.map(function (b) {
        var p = v.P[b.id];
        return { id: b.id, kind: b.t.kind, group: !!b.unit, x: p.x, y: p.y, w: p.w, h: p.h, title: clip(b.t.title, 36),
          full_title: b.t.title, lines: v.boxLines(b) };
      }),
      links: v.links.map(function (l) {
        var e = l.edges[0];
        return { id: l.id, source: l.s, target: l.t, edges: l.edges.map(function (x) { return x.id; }), d: l.d,
          flows: l.edges.some(function (x) { return x.flows; }),
          label: l.label ? { x: l.lx, y: l.ly, w: l.lw, h: l.lh, text: v.edgeDone(e) ? l.label.after : l.label.before,
            full: e.text || "" } : null };
      })
    };
  }

  window.CRGraph = { version: VERSION, mount: mount, mountAll: mountAll, layout: layoutDocument };
  if (typeof document === "undefined") return;  /* no page (V8 in Python): the layout only */
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
