(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function argsText(args) {
    return (args || []).map(function (a) { return a.name + "=" + a.repr; }).join(", ");
  }

  function tensorExtra(item) {
    if (!item || item.kind !== "tensor") return "";
    var parts = ["shape (" + (item.shape || []).join(", ") + (item.shape && item.shape.length === 1 ? ",)" : ")")];
    if (item.grad !== null && item.grad !== undefined) parts.push("grad " + item.grad);
    if (item.grad_fn) parts.push("grad_fn " + item.grad_fn);
    return parts.join(" · ");
  }

  // where a line's comment starts (-1 if none), skipping '#' inside one-line string literals
  function commentStart(line) {
    var quote = null;
    for (var i = 0; i < line.length; i++) {
      var c = line.charAt(i);
      if (quote) {
        if (c === "\\") i++;
        else if (c === quote) quote = null;
      } else if (c === "'" || c === '"') {
        quote = c;
      } else if (c === "#") {
        return i;
      }
    }
    return -1;
  }

  function setup(root) {
    if (root.getAttribute("data-cr-ready")) return;
    root.setAttribute("data-cr-ready", "1");
    var data = JSON.parse(root.querySelector("script.cr-data").textContent);
    var steps = data.steps || [];
    var code = root.querySelector(".cr-code");
    var intro = root.querySelector(".cr-intro");
    var pos = root.querySelector(".cr-pos");
    var where = root.querySelector(".cr-where");
    var explain = root.querySelector(".cr-explain");
    var state = root.querySelector(".cr-state");
    var output = root.querySelector(".cr-output");
    var summary = root.querySelector(".cr-summary");
    var hidden = {};
    (data.hidden || []).forEach(function (n) { hidden[n] = true; });
    var ran = {};
    steps.forEach(function (s) { ran[s.line] = true; });
    intro.textContent = data.intro || "";

    var rows = [];
    (data.source || []).forEach(function (text, i) {
      var n = i + 1;
      var li = el("li");
      li.setAttribute("data-line", String(n));
      if (hidden[n]) li.classList.add("cr-hidden");
      if (ran[n]) li.classList.add("cr-ran");
      li.appendChild(el("span", "cr-ln", n));
      var src = el("span", "cr-src");
      var cut = commentStart(text);
      src.appendChild(document.createTextNode(cut < 0 ? (text.length ? text : " ") : text.slice(0, cut)));
      if (cut >= 0) src.appendChild(el("span", "cr-comment", text.slice(cut)));
      li.appendChild(src);
      li.addEventListener("click", function () { jumpToLine(n); });
      code.appendChild(li);
      rows.push(li);
    });

    var current = 0;

    function section(title) {
      state.appendChild(el("h4", null, title));
    }

    function render() {
      rows.forEach(function (r) { r.classList.remove("cr-current"); });
      state.textContent = "";
      explain.textContent = "";
      if (!steps.length) {
        pos.textContent = "No steps were recorded";
        where.textContent = "";
        output.textContent = data.output || "";
        return;
      }
      var step = steps[current];
      pos.textContent = "Step " + (current + 1) + " of " + steps.length;
      root.setAttribute("data-step", String(current));
      root.setAttribute("data-line", String(step.line));
      var row = rows[step.line - 1];
      if (row) {
        row.classList.add("cr-current");
        var top = row.offsetTop, h = row.offsetHeight;
        if (top < code.scrollTop || top + h > code.scrollTop + code.clientHeight) {
          code.scrollTop = Math.max(0, top - code.clientHeight / 3);
        }
      }
      where.textContent = "";
      var label = step.event === "call" ? "Enter " + step.function + " (line " + step.line + ")" :
        step.event === "skipped" ? "Loop at line " + step.line :
        step.event === "limit" ? "Stopped at line " + step.line : "Line " + step.line;
      where.appendChild(el("span", null, label + " "));
      if (step.event === "line" || step.event === "call") {
        where.appendChild(el("code", null, (step.source || "").split("\n")[0]));
      }
      if (step.function && step.function !== "<module>" && step.event === "line") {
        where.appendChild(el("span", "cr-extra", " in " + step.function));
      }
      if (step.iteration !== null && step.iteration !== undefined && step.event === "line") {
        where.appendChild(el("span", "cr-extra", " · iteration " + step.iteration));
      }
      if (step.event === "line") explain.textContent = (data.explanations || {})[String(step.line)] || "";

      if (step.event === "call") {
        section("Arguments");
        valueTable(step.args || []);
      }
      if (step.substitution && step.substitution.length) {
        section("Computed");
        state.appendChild(el("div", "cr-compute", step.substitution.join(" = ")));
      }
      if (step.assigned && step.assigned.length) {
        section("Values");
        valueTable(step.assigned);
      }
      if (step.calls && step.calls.length) {
        section("Calls");
        var ul = el("ul", "cr-calls");
        step.calls.forEach(function (c) {
          var text = c.function + "(" + argsText(c.args) + ")";
          if (c.raised) text += " raised " + c.raised;
          else if (c.return) text += " \u2192 " + c.return.repr;
          ul.appendChild(el("li", "cr-mono", text));
        });
        state.appendChild(ul);
      }
      if (step.returned) {
        section("Returns");
        valueTable([Object.assign({ name: "return" }, step.returned)]);
      }
      if (step.printed) {
        section("Printed by this line");
        state.appendChild(el("pre", "cr-mono", step.printed.replace(/\n$/, "")));
      }
      if (step.exception) {
        var e = step.exception;
        var how = e.caught ? " (caught)" : e.propagated ? " (propagated here)" : " (raised here)";
        state.appendChild(el("div", "cr-exception", e.type + ": " + e.message + how));
      }
      if (step.note) state.appendChild(el("div", "cr-note", step.note));

      var text = data.output || "";
      var end = step.output_end || 0;
      var startOfLine = end - (step.printed || "").length;
      output.textContent = "";
      output.appendChild(document.createTextNode(text.slice(0, Math.max(0, startOfLine))));
      if (step.printed) output.appendChild(el("span", "cr-new", text.slice(Math.max(0, startOfLine), end)));
      output.scrollTop = output.scrollHeight;

      summary.textContent = "";
      if (current === steps.length - 1) {
        if (data.exception) {
          summary.appendChild(el("div", "cr-exception", "The script raised " + data.exception.type +
            (data.exception.line ? " at line " + data.exception.line : "") + ": " + data.exception.message));
        }
        if (data.limit) summary.appendChild(el("div", "cr-note", data.limit.message));
      }
      root.querySelector('[data-act="prev"]').disabled = current === 0;
      root.querySelector('[data-act="first"]').disabled = current === 0;
      root.querySelector('[data-act="next"]').disabled = current === steps.length - 1;
      root.querySelector('[data-act="last"]').disabled = current === steps.length - 1;
    }

    function valueTable(items) {
      var table = el("table");
      items.forEach(function (item) {
        var tr = el("tr");
        tr.appendChild(el("td", "cr-name", item.name));
        var td = el("td", "cr-val", item.repr);
        var extra = tensorExtra(item);
        if (extra) {
          td.appendChild(document.createElement("br"));
          td.appendChild(el("span", "cr-extra", extra));
        }
        tr.appendChild(td);
        table.appendChild(tr);
      });
      state.appendChild(table);
    }

    function go(i) {
      if (!steps.length) return;
      current = Math.max(0, Math.min(steps.length - 1, i));
      render();
    }

    function jumpToLine(n) {
      for (var k = 1; k <= steps.length; k++) {
        var i = (current + k) % steps.length;
        if (steps[i].line === n) { go(i); return; }
      }
    }

    var actions = {
      first: function () { go(0); },
      prev: function () { go(current - 1); },
      next: function () { go(current + 1); },
      last: function () { go(steps.length - 1); }
    };
    Array.prototype.forEach.call(root.querySelectorAll("[data-act]"), function (b) {
      b.addEventListener("click", function () { window.__crActive = root; actions[b.getAttribute("data-act")](); });
    });
    root.addEventListener("mousedown", function () { window.__crActive = root; });
    root.__crKey = function (ev) {
      var map = { ArrowRight: "next", ArrowDown: "next", ArrowLeft: "prev", ArrowUp: "prev", Home: "first", End: "last" };
      var act = map[ev.key];
      if (!act) return;
      ev.preventDefault();
      actions[act]();
    };
    if (!window.__crActive) window.__crActive = root;
    render();
  }

  if (!window.__crKeysBound) {
    window.__crKeysBound = true;
    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      var root = window.__crActive;
      if (root && root.__crKey) root.__crKey(ev);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-cr-trace]"), setup);
})();
