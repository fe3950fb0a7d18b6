"""The viewer's layout, run in Python: graph.js's `CRGraph.layout` (dagre) in an embedded V8 (mini-racer).

There is one layout of a graph, the browser viewer's (`static/graph.js` on the vendored `static/dagre.min.js`).
The static SVG (`to_svg`, the no-JavaScript picture of the offline page and of the notebook display) runs that
same code here, so it is the viewer's picture at its last step. V8 comes from the optional dependency
mini-racer (`pip install 'chainrule[viz]'`); the core needs only NumPy.

One V8 context per process, made on first use (about a quarter of a second) and kept; a lock serializes the
calls, so threads may draw at the same time. V8 does not survive os.fork(): a child forked after its parent
drew lays out in a fresh helper process instead.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from typing import Any

INSTALL_HINT = "pip install 'chainrule[viz]'"

_PRELUDE = """
var window = globalThis; var self = globalThis;
if (typeof structuredClone === "undefined") {  /* dagre copies plain arrays of names with it */
  globalThis.structuredClone = function (x) { return x === undefined ? x : JSON.parse(JSON.stringify(x)); };
}
"""

_lock = threading.Lock()
_context: Any = None
_context_pid: int | None = None


def available() -> bool:
    """True when mini-racer (the `viz` extra) is installed, so static pictures can be laid out."""
    try:
        import py_mini_racer  # noqa: F401
    except ImportError:
        return False
    return True


def _new_context() -> Any:
    try:
        from py_mini_racer import MiniRacer
    except ImportError as exc:
        raise ImportError("the static graph picture (to_svg) runs the viewer's layout (dagre) in V8, which needs "
                          f"the optional dependency mini-racer: {INSTALL_HINT}") from exc
    from chainrule.viz.html import static

    # made in a thread of its own: mini-racer adopts the caller's running asyncio loop if there is one (a
    # Jupyter kernel's), and on that loop it cannot apply a timeout; in a fresh thread it starts its own loop
    made: list[Any] = []
    failed: list[BaseException] = []

    def make() -> None:
        try:
            made.append(MiniRacer())
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread below
            failed.append(exc)

    maker = threading.Thread(target=make, name="chainrule-v8")
    maker.start()
    maker.join()
    if failed:
        raise failed[0]
    ctx = made[0]
    ctx.eval(_PRELUDE)
    ctx.eval(static("dagre.min.js"))
    ctx.eval(static("graph.js"))
    return ctx


@atexit.register
def _close() -> None:
    """Free V8 while the interpreter is whole: mini-racer's own cleanup at teardown can hang the exit."""
    global _context
    with _lock:
        ctx, _context = _context, None
    if ctx is not None and _context_pid == os.getpid():  # a forked child leaves its parent's V8 alone
        ctx.close()


def _keep_in_child() -> None:
    """A forked child never frees its parent's V8 (mini-racer's cleanup would wait for threads that did not
    fork): one extra reference keeps the inherited context alive until the process ends."""
    if _context is not None:
        import ctypes

        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_context))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_keep_in_child)


def layout(graph: Any, grouped: bool | None = None, timeout: float | None = None) -> dict[str, Any]:
    """The viewer's picture of `graph` (a `chainrule.explain.Graph` or its document dict) at its last step.

    grouped=None: what the viewer shows first (small graphs node by node, large ones as groups);
    True: every group closed; False: every node. Returns plain data: `width`, `height`, `line` (text line
    height), `notice`, `boxes` (id, kind, group, center x/y, w, h, title, full_title, lines) and `links`
    (id, source, target, edges, d: the SVG path, flows, label: x/y center, w, h, text, full or None).
    Raises ImportError naming the `viz` extra when mini-racer is not installed, TimeoutError when the layout
    takes longer than `timeout` seconds (dagre on a few hundred boxes with long edges can take seconds).
    """
    global _context, _context_pid
    doc = graph if isinstance(graph, dict) else graph.to_dict()
    which = {None: "initial", True: "none", False: "all"}[grouped]
    text = json.dumps(doc, ensure_ascii=False)  # a JavaScript literal: NaN and Infinity stay valid
    code = f"JSON.stringify(CRGraph.layout({text}, {json.dumps({'open': which})}))"
    with _lock:
        if _context_pid is not None and _context_pid != os.getpid():
            out = _in_subprocess(code, timeout)  # V8 does not survive os.fork(): a forked child asks a new process
        else:
            if _context is None:
                _context = _new_context()
                _context_pid = os.getpid()
            out = _context.eval(code, timeout_sec=timeout)  # its timeout error is a TimeoutError
    return json.loads(out)


def _in_subprocess(code: str, timeout: float | None) -> str:
    import subprocess
    import sys

    if not available():
        _new_context()  # raises the ImportError that names the extra
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    script = "from chainrule.viz.jslayout import _eval_stdin; _eval_stdin()"
    limit = None if timeout is None else timeout + 5  # and the helper's start
    try:
        run = subprocess.run([sys.executable, "-c", script], input=code.encode("utf-8"),
                             capture_output=True, env=env, check=False, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"the graph layout took more than {timeout} s") from exc
    if run.returncode:
        raise RuntimeError(f"the graph layout failed in a helper process: {run.stderr.decode(errors='replace')[-500:]}")
    return run.stdout.decode("utf-8")


def _eval_stdin() -> None:
    import sys

    ctx = _new_context()
    try:
        sys.stdout.buffer.write(ctx.eval(sys.stdin.buffer.read().decode("utf-8")).encode("utf-8"))
    finally:
        ctx.close()
