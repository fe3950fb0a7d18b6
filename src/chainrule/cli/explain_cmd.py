"""`chainrule explain SCRIPT.py [ARGS ...] [--format terminal|md|html|json] [--out DIR] [--max-backwards N]`

Runs the script with recording on (backward steps are kept through `cr.autograd.observe()`, nodes are
tagged with the `cr.nn.Module` that created them through global module hooks, both until the last
explained call; `cr.autograd.observe_calls()` tells when a call finished). After each `tensor.backward()`
or `cr.autograd.grad(...)` of one output that the script performs (including those inside `cr.grad`,
`cr.vjp`, ...), it prints the gradient table (variables of the calling code name the tensors) and writes the graph page
`backward_<k>.html` to DIR; `--format md` also writes the table as Markdown, `html` as an HTML table,
`json` the graph document. Exit status: the script's own (1 if it raised), 2 when it cannot be run.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

from chainrule.cli import limits
from chainrule.cli.script_args import split_script_args

FORMATS = ("terminal", "md", "html", "json")


_OPTIONS = {"--format": "format", "--out": "out", "--max-backwards": "max_backwards", "--timeout": "timeout"}
_FLAGS = {"--all-rows": "all_rows"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # One REMAINDER positional: explain's own options may also come after the script (as with trace).
    parser.add_argument("explain_argv", nargs=argparse.REMAINDER, metavar="SCRIPT [ARGS ...]",
                        help="the Python script to run, then its arguments (after '--' if they look like options)")
    parser.add_argument("--format", choices=FORMATS, default="terminal",
                        help="how to show each gradient table: terminal (default), md, html or json (the graph)")
    parser.add_argument("--out", metavar="DIR", default="chainrule-explain",
                        help="where to write the pages and files (default ./chainrule-explain)")
    parser.add_argument("--max-backwards", type=int, default=10, metavar="N",
                        help="explain at most the first N backward() / autograd.grad() calls (default 10)")
    parser.add_argument("--all-rows", action="store_true",
                        help="list every row of long gradient tables (default: rows that repeat, such as time "
                             "steps, are counted past 60 rows)")
    parser.add_argument("--timeout", type=limits.seconds, default=None, metavar="SECONDS",
                        help="stop the script after SECONDS of wall-clock time, keeping what was explained "
                             "(exit status 3; default: no limit)")


class _Explainer:
    def __init__(self, fmt: str, out: Path, limit: int, all_rows: bool = False) -> None:
        self.fmt, self.out, self.limit, self.all_rows = fmt, out, limit, all_rows
        self.count = 0
        self.skipped = 0
        self.unexplained = 0
        self.unexplained_backward = 0
        self.busy = False
        self.written: list[Path] = []

    def after_backward(self, output: Any, frame: Any, call: str = "backward") -> None:
        if self.busy:
            return
        self.count += 1
        if self.count > self.limit:
            self.skipped += 1
            return
        self.busy = True
        try:
            self._explain(output, frame, call)
        finally:
            self.busy = False

    def _explain(self, output: Any, frame: Any, call: str) -> None:
        from chainrule.explain import Graph
        from chainrule.explain.build import build_graph
        from chainrule.explain.tables import table_from_graph

        names = dict(frame.f_globals) if frame is not None else {}
        if frame is not None:
            names.update(frame.f_locals)
        try:
            graph = Graph(build_graph(output, names=names, what="chainrule explain"))
        except (TypeError, ValueError) as exc:
            print(f"chainrule explain: {call} #{self.count}: {exc}", file=sys.stderr)
            return
        table = table_from_graph(graph)
        if self.all_rows:
            table = table.show_all()
        k = self.count
        self.out.mkdir(parents=True, exist_ok=True)
        page = self.out / f"backward_{k}.html"
        graph.to_html(page, title=f"backward #{k}: graph of {graph.root['name']}")
        self.written.append(page)
        where = f" (line {frame.f_lineno})" if frame is not None else ""
        header = f"{call} #{k}{where}: {graph.root['name']} = {graph.root['value']['text']}"
        if self.fmt == "terminal":
            print(f"\n{header}")
            table.print()
        elif self.fmt == "md":
            text = f"## {header}\n\n{table.to_markdown()}"
            print("\n" + text)
            (self.out / f"backward_{k}.md").write_text(text, encoding="utf-8")
        elif self.fmt == "html":
            path = self.out / f"backward_{k}_table.html"
            page_text = f"<!DOCTYPE html><meta charset='utf-8'><h2>{html.escape(header)}</h2>{table.to_html()}"
            path.write_text(page_text, encoding="utf-8")
            print(f"\n{header}\n  table: {path}")
        else:
            path = self.out / f"backward_{k}.json"
            path.write_text(graph.to_json(indent=1), encoding="utf-8")
            print(f"\n{header}\n  graph document: {path}")
        print(f"  graph page: {page}")


def _caller_outside_chainrule() -> Any:
    """The script's frame that led to this call (the engine publishes the call from inside chainrule, and
    cr.grad and the other transforms call autograd.grad inside it): its line and variables are the ones that
    mean something to the user."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame = frame.f_back
    return frame


class _Recording:
    """Backward steps and module tags are recorded until the explainer's limit is reached, then no more:
    a long training script keeps only what the explained calls need."""

    def __init__(self, explainer: _Explainer) -> None:
        from chainrule.explain import record, record_modules

        self.explainer = explainer
        self.stack = contextlib.ExitStack()
        self.stack.enter_context(record())
        self.stack.enter_context(record_modules())

    def on_call(self, call: Any) -> None:
        explainer = self.explainer
        if explainer.busy:  # building an explanation may take gradients itself: those are not the script's
            return
        if len(call.outputs) == 1:
            explainer.after_backward(call.outputs[0], _caller_outside_chainrule(), call.kind)
        elif call.kind == "autograd.grad":
            explainer.unexplained += 1
        else:
            explainer.unexplained_backward += 1
        if explainer.count >= explainer.limit:
            self.stop()

    def stop(self) -> None:
        self.stack.close()


def _convert(dest: str, value: str) -> Any:
    if dest == "format" and value not in FORMATS:
        raise ValueError(f"must be one of {', '.join(FORMATS)}")
    if dest == "max_backwards":
        if not value.isdigit() or int(value) < 1:
            raise ValueError("must be a whole number, at least 1")
        return int(value)
    if dest == "timeout":
        try:
            return limits.seconds(value)
        except argparse.ArgumentTypeError as exc:
            raise ValueError(str(exc)) from None
    return value


def _split(args: Any) -> str | None:
    """Take explain's own options out of the script's arguments (those after '--' stay the script's)."""
    usage = "which script? usage: chainrule explain SCRIPT.py [ARGS ...] [--format ...] [--out DIR]"
    argv = list(args.explain_argv)
    end = argv.index("--", 1) if "--" in argv[1:] else len(argv)  # after a second '--': the script's own
    for flag, dest in _FLAGS.items():
        if flag in argv[1:end]:
            setattr(args, dest, True)
            argv = [a for k, a in enumerate(argv) if not (a == flag and 0 < k < end)]
    return split_script_args(args, argv, _OPTIONS, usage, _convert)


def run(args: Any) -> int:
    from chainrule.autograd import observe_calls

    problem = _split(args)
    if problem:
        print(f"chainrule explain: {problem}", file=sys.stderr)
        return 2
    path = args.script
    script_args = args.script_args
    if not os.path.isfile(path):
        print(f"chainrule explain: cannot open {path!r}: no such file", file=sys.stderr)
        return 2
    if args.max_backwards < 1:
        print("chainrule explain: --max-backwards must be at least 1", file=sys.stderr)
        return 2
    supervised = limits.supervise(getattr(args, "argv", None), args.timeout, "explain",
                                  "; what was explained before is kept")
    if supervised is not None:  # --timeout: the script ran in a supervised child process
        return supervised
    explainer = _Explainer(args.format, Path(args.out), args.max_backwards, getattr(args, "all_rows", False))
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [path, *script_args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    code = 0
    from chainrule.trace.limits import TimeLimitReached, time_limit

    stopped = False  # by a compile error or the time limit: no "nothing to explain"
    recording = _Recording(explainer)
    limits.script_starting(args.timeout)
    try:
        with time_limit(args.timeout), observe_calls(recording.on_call):
            runpy.run_path(path, run_name="__main__")
    except TimeLimitReached as exc:
        print(f"chainrule explain: stopped: {exc} (--timeout); the explanations so far are kept", file=sys.stderr)
        code = limits.TIMEOUT_EXIT
        stopped = True
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SyntaxError as exc:
        print(f"chainrule explain: {path} does not compile: {exc}", file=sys.stderr)
        code = 2
        stopped = True
    except Exception:  # the script's own error: show it, as Python would
        traceback.print_exc()
        code = 1
    finally:
        recording.stop()
        sys.argv, sys.path[:] = saved_argv, saved_path
        limits.script_finished()
    if explainer.count == 0 and not explainer.unexplained and not explainer.unexplained_backward and not stopped:
        print("chainrule explain: the script called no tensor.backward() or autograd.grad(): nothing to explain",
              file=sys.stderr)
    if explainer.skipped:
        print(f"chainrule explain: {explainer.skipped} more backward() / autograd.grad() calls were not explained "
              f"(--max-backwards {args.max_backwards})", file=sys.stderr)
    if explainer.unexplained:
        print(f"chainrule explain: {explainer.unexplained} autograd.grad() calls with several outputs were not "
              f"explained (one graph per output: call it once per output)", file=sys.stderr)
    if explainer.unexplained_backward:
        print(f"chainrule explain: {explainer.unexplained_backward} backward() calls with several outputs were not "
              f"explained (one graph per output: call it once per output)", file=sys.stderr)
    sys.stdout.flush()
    limits.exit_leaving_threads("explain", code)
    return code
