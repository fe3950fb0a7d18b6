/* chainrule graph viewer: lays out a graph document (docs/graph-schema.md) left to right and steps
   through its forward and backward passes. It only displays numbers and texts from the document:
   every value, gradient, local derivative and sum was computed by chainrule in Python.
   Reusable: CRGraph.mount(rootElement, graphDocument). */
(function () {
  "use strict";
  if (window.CRGraph) { window.CRGraph.mountAll(); return; }  /* a second copy on the page (Jupyter): reuse the first */
  var SVGNS = "http://www.w3.org/2000/svg";
  var W = 170, H = 64, HGAP = 110, VGAP = 22, MAX_BOXES = 1500;
  var state = { active: null };  /* the viewer the keys go to: the one used last */

  function el(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clip(t, n) { n = n || 28; return t.length <= n ? t : t.slice(0, n - 1) + "\u2026"; }

  /* the smallest scroll that shows [lo, hi] (with its margin) in a viewport of `size` at `pos`: a box already
     in view never moves the view, so the graph's edges are not scrolled out of sight for nothing */
  function scrollToShow(pos, size, lo, hi) {
    if (lo < pos || hi - lo > size) return Math.max(0, lo);
    if (hi > pos + size) return hi - size;
    return pos;
  }

  /* longest-path layering + barycenter ordering (same algorithm as chainrule/viz/layout.py) */
  function layout(ids, links) {
    var inputs = {}, outputs = {}, i, k;
    ids.forEach(function (id) { inputs[id] = []; outputs[id] = []; });
    links.forEach(function (l) {
      if (inputs[l[0]] && inputs[l[1]] && l[0] !== l[1]) { inputs[l[1]].push(l[0]); outputs[l[0]].push(l[1]); }
    });
    var remaining = {}, ready = [], order = [];
    ids.forEach(function (id) {
      remaining[id] = new Set(inputs[id]).size;
      if (!remaining[id]) ready.push(id);
    });
    var seen = new Set();
    while (ready.length) {
      var n = ready.shift();
      order.push(n);
      outputs[n].forEach(function (t) {
        var key = n + "\u0000" + t;
        if (seen.has(key)) return;
        seen.add(key);
        if (--remaining[t] === 0) ready.push(t);
      });
    }
    var layer = {};
    order.forEach(function (n) {
      var m = -1;
      inputs[n].forEach(function (s) { if (layer[s] > m) m = layer[s]; });
      layer[n] = m + 1;
    });
    for (i = order.length - 1; i >= 0; i--) {
      var s = order[i];
      if (!inputs[s].length && outputs[s].length) {
        var mn = Infinity;
        outputs[s].forEach(function (t) { if (layer[t] < mn) mn = layer[t]; });
        layer[s] = Math.max(0, mn - 1);
      }
    }
    var nl = 0;
    ids.forEach(function (id) { if (layer[id] + 1 > nl) nl = layer[id] + 1; });
    var rows = [];
    for (i = 0; i < nl; i++) rows.push([]);
    ids.forEach(function (id) { rows[layer[id]].push(id); });
    var pos = {};
    rows.forEach(function (r) { r.forEach(function (id, j) { pos[id] = j; }); });
    function sweep(r, nb) {
      var keyed = r.map(function (id) {
        var ps = nb[id].map(function (x) { return pos[x]; });
        var key = ps.length ? ps.reduce(function (a, b) { return a + b; }, 0) / ps.length : pos[id];
        return [key, pos[id], id];
      });
      keyed.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      var out = keyed.map(function (x) { return x[2]; });
      out.forEach(function (id, j) { pos[id] = j; });
      return out;
    }
    for (k = 0; k < 4; k++) {
      for (i = 1; i < nl; i++) rows[i] = sweep(rows[i], inputs);
      for (i = nl - 2; i >= 0; i--) rows[i] = sweep(rows[i], outputs);
    }
    var tallest = 1;
    rows.forEach(function (r) { if (r.length > tallest) tallest = r.length; });
    var placed = {};
    rows.forEach(function (r, li) {
      var off = (tallest - r.length) * (H + VGAP) / 2;
      r.forEach(function (id, j) {
        placed[id] = { x: li * (W + HGAP) + W / 2 + 10, y: off + j * (H + VGAP) + H / 2 + 10 };
      });
    });
    return { placed: placed, width: nl * (W + HGAP) + 20, height: tallest * (H + VGAP) + 20 };
  }

  function Viewer(root, doc) {
    var self = this;
    this.root = root;
    this.doc = doc;
    this.nodes = {};
    doc.nodes.forEach(function (n) { self.nodes[n.id] = n; });
    this.edges = {};
    doc.edges.forEach(function (e) { self.edges[e.id] = e; });
    this.groups = {};
    doc.groups.forEach(function (g) { self.groups[g.id] = g; });
    this.ops = doc.nodes.filter(function (n) { return n.kind === "op"; })
      .sort(function (a, b) { return a.forward_index - b.forward_index; });
    this.F = this.ops.length;
    this.B = doc.backward_steps.length;
    this.total = this.F + 1 + (this.B ? this.B + 1 : 0);
    this.step = 0;
    this.selected = null;
    this.collapsed = new Set();
    if (doc.default_view === "groups") {
      doc.groups.forEach(function (g) { if (!g.parent) self.collapsed.add(g.id); });
    }
    this.build();
    this.render();
  }

  Viewer.prototype.build = function () {
    var self = this, r = this.root;
    r.textContent = "";
    var head = h("div", "crg-head");
    head.appendChild(h("h2", "crg-title", r.getAttribute("data-title") || ("Graph of " + this.nodes[this.doc.root].name)));
    this.doc.notices.forEach(function (t) { head.appendChild(h("p", "crg-notice", t)); });
    r.appendChild(head);
    var bar = h("div", "crg-controls");
    function button(act, label, title) {
      var b = h("button", "crg-btn", label);
      b.setAttribute("data-act", act);
      b.type = "button";
      if (title) b.title = title;
      b.addEventListener("click", function () { state.active = self; self.act(act); });
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
    this.slider.addEventListener("input", function () { state.active = self; self.go(parseInt(self.slider.value, 10)); });
    bar.appendChild(this.slider);
    button("next", "\u203A", "next step (\u2192)");
    this.pos = h("span", "crg-pos");
    bar.appendChild(this.pos);
    if (this.doc.groups.length) {
      button("expand-all", "Expand all");
      button("collapse-all", "Collapse all");
    }
    r.appendChild(bar);
    var tops = this.doc.groups.filter(function (g) { return !g.parent; });
    if (tops.length && tops.length <= 60) {
      var gbar = h("div", "crg-groups");
      gbar.appendChild(h("span", "crg-k", "Groups (click to collapse or expand):"));
      this.groupButtons = {};
      tops.forEach(function (g) {
        var b = h("button", "crg-group-toggle", g.label);
        b.type = "button";
        b.setAttribute("data-group", g.id);
        b.addEventListener("click", function () {
          state.active = self;
          if (self.collapsed.has(g.id)) self.collapsed.delete(g.id); else self.collapsed.add(g.id);
          self.render();
        });
        gbar.appendChild(b);
        self.groupButtons[g.id] = b;
      });
      r.appendChild(gbar);
    }
    var top = h("div", "crg-top");
    this.stepBox = h("div", "crg-step");
    top.appendChild(this.stepBox);
    this.detail = h("div", "crg-detail");
    this.detail.appendChild(h("p", "crg-hint", "Hover or click a node to see its formula and numbers."));
    top.appendChild(this.detail);
    r.appendChild(top);
    var main = h("div", "crg-main");
    this.canvas = h("div", "crg-canvas");
    main.appendChild(this.canvas);
    r.appendChild(main);
    r.addEventListener("mousedown", function () { state.active = self; });
    state.active = state.active || this;
  };

  Viewer.prototype.act = function (a) {
    var F = this.F;
    if (a === "next") this.go(this.step + 1);
    else if (a === "prev") this.go(this.step - 1);
    else if (a === "forward") this.go(this.step < F ? this.step + 1 : (this.step > F ? 0 : F));
    else if (a === "backward") this.go(this.step <= F ? F + 1 : this.step + 1);
    else if (a === "home") this.go(0);
    else if (a === "end") this.go(this.total - 1);
    else if (a === "expand-all") { this.collapsed.clear(); this.render(); }
    else if (a === "collapse-all") {
      var self = this;
      this.doc.groups.forEach(function (g) { if (!g.parent) self.collapsed.add(g.id); });
      this.render();
    }
  };

  Viewer.prototype.go = function (s) {
    this.step = Math.max(0, Math.min(this.total - 1, s));
    this.render();
  };

  Viewer.prototype.phase = function () {
    if (this.step <= this.F) return { name: "forward", k: this.step };
    return { name: "backward", k: this.step - this.F - 1 };
  };

  /* which box shows a node: itself, or its outermost collapsed group */
  Viewer.prototype.boxOf = function (nid) {
    var n = this.nodes[nid], best = null, self = this;
    (n.groups || []).forEach(function (gid) {
      var g = gid, top = null;
      while (g) { if (self.collapsed.has(g)) top = g; g = self.groups[g].parent; }
      if (top && (!best || self.groups[best].kind !== "module")) best = top;
    });
    return best || nid;
  };

  Viewer.prototype.gradText = function (n, k) {
    /* the latest recorded gradient state of node n after k backward steps (-1: the seed) */
    var text = null, complete = false;
    (n.grad_states || []).forEach(function (st) {
      if (st.step < k) { text = st.text; complete = st.complete; }
    });
    return text === null ? null : { text: text, complete: complete };
  };

  Viewer.prototype.current = function () {
    var p = this.phase();
    if (p.name === "forward") return p.k > 0 ? { node: this.ops[p.k - 1].id, edges: [] } : null;
    if (p.k === 0) return { node: this.doc.root, edges: [] };
    var st = this.doc.backward_steps[p.k - 1];
    return { node: st.node, edges: st.edges, step: st };
  };

  Viewer.prototype.render = function () {
    var self = this, p = this.phase(), cur = this.current();
    this.root.setAttribute("data-phase", p.name);
    this.root.setAttribute("data-step", String(this.step));
    this.slider.value = String(this.step);
    this.pos.textContent = p.name === "forward"
      ? "Forward " + p.k + " of " + this.F
      : "Backward " + p.k + " of " + this.B;
    this.root.querySelector('[data-act="prev"]').disabled = this.step === 0;
    this.root.querySelector('[data-act="next"]').disabled = this.step === this.total - 1;
    this.root.querySelector('[data-act="backward"]').disabled = !this.B || this.step === this.total - 1;
    var gb = this.groupButtons || {}, coll = this.collapsed;
    Object.keys(gb).forEach(function (gid) { gb[gid].setAttribute("aria-pressed", coll.has(gid) ? "true" : "false"); });
    this.renderStep(p, cur);
    this.renderGraph(p, cur);
    if (this.selected) this.showDetail(this.selected);
  };

  Viewer.prototype.renderStep = function (p, cur) {
    var box = this.stepBox, self = this;
    box.textContent = "";
    if (p.name === "forward") {
      if (p.k === 0) {
        box.appendChild(h("p", "crg-line", "Forward pass: the inputs are known; press Forward (or \u2192) to compute each node from its inputs, left to right."));
      } else {
        box.appendChild(h("p", "crg-line crg-forward-text", this.ops[p.k - 1].forward_text));
      }
      return;
    }
    var rootNode = this.nodes[this.doc.root];
    if (p.k === 0) {
      box.appendChild(h("p", "crg-line", "Backward pass starts at " + rootNode.name + " with d" + this.doc.loss_name + "/d" + rootNode.name + " = " + this.doc.seed.text + "."));
      return;
    }
    var st = cur.step, n = this.nodes[st.node];
    box.appendChild(h("p", "crg-line crg-upstream", "At " + n.name + " = " + n.expression + ": upstream gradient d" + this.doc.loss_name + "/d" + n.name + " = " + (st.upstream ? st.upstream.text : "?")));
    var list = h("ul", "crg-contribs");
    st.edges.forEach(function (eid) {
      var e = self.edges[eid], src = self.nodes[e.source];
      if (!e.text) {
        list.appendChild(h("li", "crg-none", src.name + ": no gradient (it does not require grad)"));
        return;
      }
      var li = h("li", "crg-contrib");
      li.setAttribute("data-edge", eid);
      li.appendChild(h("span", "crg-eq", "d" + self.doc.loss_name + "/d" + src.name + " \u2190 upstream \u00D7 " + e.formula_factor + " = " + e.text));
      if (e.accumulated && e.accumulated.of > 1) {
        li.appendChild(h("span", "crg-acc", " accumulated at " + src.name + ": " + e.accumulated.text +
          " (" + e.accumulated.count + " of " + e.accumulated.of + " consumers)" + (e.accumulated.complete ? ", complete" : "")));
      }
      list.appendChild(li);
    });
    box.appendChild(list);
  };

  Viewer.prototype.renderGraph = function (p, cur) {
    var self = this, ids = [], seen = new Set(), members = {};
    this.doc.nodes.forEach(function (n) {
      var b = self.boxOf(n.id);
      (members[b] = members[b] || []).push(n.id);
      if (!seen.has(b)) { seen.add(b); ids.push(b); }
    });
    this.canvas.textContent = "";
    if (ids.length > MAX_BOXES) {
      this.canvas.appendChild(h("p", "crg-notice crg-too-many", ids.length + " boxes are too many to draw: collapse some groups."));
      return;
    }
    var links = [], pairSeen = new Set(), edgeOfPair = {};
    this.doc.edges.forEach(function (e) {
      var s = self.boxOf(e.source), t = self.boxOf(e.target), key = s + "\u0000" + t;
      if (s === t) return;
      if (!pairSeen.has(key)) { pairSeen.add(key); links.push([s, t]); edgeOfPair[key] = []; }
      edgeOfPair[key].push(e);
    });
    var L = layout(ids, links), P = L.placed;
    var svg = el("svg", { "class": "crg-svg", width: L.width, height: L.height, viewBox: "0 0 " + L.width + " " + L.height });
    var defs = el("defs", {});
    var marker = el("marker", { id: "crg-arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.appendChild(el("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "crg-arrowhead" }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    var curEdges = new Set(cur ? cur.edges : []);
    var curBox = cur ? this.boxOf(cur.node) : null;
    links.forEach(function (l) {
      var a = P[l[0]], b = P[l[1]], es = edgeOfPair[l[0] + "\u0000" + l[1]];
      var x1 = a.x + W / 2, y1 = a.y, x2 = b.x - W / 2, y2 = b.y, mx = (x1 + x2) / 2;
      var hot = es.some(function (e) { return curEdges.has(e.id); });
      var flows = es.some(function (e) { return e.flows; });
      var cls = "crg-edge" + (hot ? " crg-hot" : "") + (flows ? "" : " crg-noflow");
      var path = el("path", { d: "M " + x1 + " " + y1 + " C " + mx + " " + y1 + ", " + mx + " " + y2 + ", " + x2 + " " + y2, "class": cls, "marker-end": "url(#crg-arrow)" });
      path.setAttribute("data-edge", es[0].id);
      svg.appendChild(path);
      if (hot && es.length === 1 && es[0].text && es[0].text.length <= 40) {
        var label = el("text", { x: mx, y: (y1 + y2) / 2 - 4, "class": "crg-edge-label", "text-anchor": "middle" }, es[0].text);
        label.setAttribute("data-edge-label", es[0].id);
        svg.appendChild(label);
      }
    });
    ids.forEach(function (id) {
      var pt = P[id], g = el("g", { "class": "crg-box", "data-node": id, tabindex: "0" });
      var lines = [], title, kind;
      if (self.groups[id]) {
        var grp = self.groups[id];
        kind = "group";
        title = grp.label;
        lines = [members[id].length + " nodes (click to expand)"];
      } else {
        var n = self.nodes[id];
        kind = n.kind;
        var shown = n.kind !== "op" || p.name === "backward" || n.forward_index < p.k;
        var value = shown && n.value ? n.value.text : "\u2026";
        if (n.kind === "constant") {
          var named = n.explicit_name || (n.shape && n.shape.length > 0);
          title = named ? n.name : (n.value ? n.value.text : "?");
          lines = named ? ["data " + value] : [];
        } else {
          title = n.kind === "leaf" || !n.explicit_name ? n.name : n.name + " = " + n.op;
          var gt = p.name === "backward" ? self.gradText(n, p.k)
            : (!self.B && n.grad ? { text: n.grad.text, complete: true } : null);  /* no recorded steps: show what survived */
          lines = ["data " + value, "grad " + (gt ? gt.text + (gt.complete ? "" : " (so far)") : "\u2014")];
        }
      }
      var cls = "crg-box crg-" + kind + (id === curBox ? " crg-current" : "") + (id === self.selected ? " crg-selected" : "");
      g.setAttribute("class", cls);
      var bh = H;
      g.appendChild(el("rect", { x: pt.x - W / 2, y: pt.y - bh / 2, width: W, height: bh, rx: kind === "constant" || kind === "group" ? 12 : 3 }));
      g.appendChild(el("text", { x: pt.x, y: pt.y - bh / 2 + 16, "text-anchor": "middle", "class": "crg-box-title" }, clip(title)));
      lines.forEach(function (t, k) {
        var tx = el("text", { x: pt.x, y: pt.y - bh / 2 + 16 + 15 * (k + 1), "text-anchor": "middle", "class": k === 0 ? "crg-data" : "crg-grad" }, clip(t));
        g.appendChild(tx);
      });
      g.addEventListener("mouseenter", function () { self.showDetail(id); });
      g.addEventListener("click", function () {
        state.active = self;
        if (self.groups[id]) { self.collapsed.delete(id); self.selected = null; self.render(); return; }
        self.selected = self.selected === id ? null : id;
        self.render();
      });
      svg.appendChild(g);
    });
    this.canvas.appendChild(svg);
    if (curBox && P[curBox]) {  /* keep the current step's node in view */
      var c = this.canvas, pt = P[curBox];
      c.scrollLeft = scrollToShow(c.scrollLeft, c.clientWidth, pt.x - W / 2 - 10, pt.x + W / 2 + 10);
      c.scrollTop = scrollToShow(c.scrollTop, c.clientHeight, pt.y - H / 2 - 10, pt.y + H / 2 + 10);
    }
  };

  Viewer.prototype.showDetail = function (id) {
    var d = this.detail, self = this, p = this.phase();
    d.textContent = "";
    if (this.groups[id]) {
      var g = this.groups[id];
      d.appendChild(h("h3", "crg-detail-title", g.label));
      d.appendChild(h("p", "", g.nodes.length + " nodes; click the box to expand it."));
      return;
    }
    var n = this.nodes[id];
    d.appendChild(h("h3", "crg-detail-title", n.name));
    function row(k, v) {
      var r = h("div", "crg-kv");
      r.appendChild(h("span", "crg-k", k));
      r.appendChild(h("span", "crg-v", v));
      d.appendChild(r);
    }
    row("kind", n.kind + (n.grad_fn ? " (" + n.grad_fn + ")" : ""));
    if (n.module) row("module", n.module + " (" + n.module_type + ")");
    if (n.shape) row("shape", "[" + n.shape.join(", ") + "] " + n.dtype);
    if (n.expression) row("formula", n.name + " = " + n.expression);
    var shown = n.kind !== "op" || p.name === "backward" || n.forward_index < p.k;
    if (n.forward_text && shown) row("forward", n.forward_text);
    row("value", shown && n.value ? n.value.text : "\u2026");
    if (n.value && n.value.summary && shown) {
      var s = n.value.summary;
      row("value summary", "min " + s.min + ", max " + s.max + ", mean " + s.mean + ", norm " + s.norm);
    }
    if (n.grad) row("gradient d" + this.doc.loss_name + "/d" + n.name, n.grad.text);
    this.doc.edges.forEach(function (e) {
      if (e.target !== id) return;
      var src = self.nodes[e.source];
      var t = "d" + n.name + "/d" + src.name + " = " + e.formula_named + (e.local ? " = " + e.local.text : "");
      if (e.text) t += "; sends " + e.text;
      row("input " + e.arg, t);
    });
    this.doc.edges.forEach(function (e) {
      if (e.source !== id || !e.text) return;
      row("from " + self.nodes[e.target].name, e.text);
    });
  };

  function mount(root, doc) {
    var v = new Viewer(root, doc);
    root.crgViewer = v;
    return v;
  }

  document.addEventListener("keydown", function (ev) {
    var active = state.active;
    if (!active || (ev.target && /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName) && ev.target.type !== "range")) return;
    var map = { ArrowRight: "next", ArrowLeft: "prev", Home: "home", End: "end", f: "forward", b: "backward" };
    var a = map[ev.key];
    if (!a) return;
    ev.preventDefault();
    active.act(a);
  });

  function mountAll() {
    var roots = document.querySelectorAll("[data-cr-graph]:not([data-mounted])");
    Array.prototype.forEach.call(roots, function (root) {
      var data = root.querySelector("script.crg-data") || document.getElementById(root.getAttribute("data-source"));
      if (!data) return;
      var doc = JSON.parse(data.textContent);
      root.setAttribute("data-mounted", "1");
      mount(root, doc);
    });
  }

  window.CRGraph = { mount: mount, mountAll: mountAll, layout: layout, state: state };
  mountAll();
})();
