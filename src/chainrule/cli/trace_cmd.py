"""`chainrule trace SCRIPT.py [args] [--format terminal|json|md] [--html PATH] [--max-steps N] ...`

Runs the script (its output reaches the terminal unchanged) and then shows its trace. The tracer's
options may come before or after the script; the script's own arguments that look like the tracer's
options go after ``--``. Exit status: the script's own (0, its ``sys.exit`` code, 1 if it raised),
3 when a limit (--max-steps, --timeout) stopped it, 2 when the script cannot be read or compiled.
With ``--timeout`` the command runs in a child process that is killed if the script cannot be
interrupted in time (see ``chainrule.cli.limits``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from chainrule.cli import limits
from chainrule.cli.script_args import split_script_args

FORMATS = ("terminal", "json", "md")
_OPTIONS = {"--format": "format", "--html": "html", "--max-steps": "max_steps", "--max-iterations": "max_iterations",
            "-o": "output", "--output": "output", "--timeout": "timeout", "--max-output": "max_output"}  # fmt: skip


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from chainrule.trace.recorder import DEFAULT_MAX_ITERATIONS, DEFAULT_MAX_OUTPUT, DEFAULT_MAX_STEPS

    parser.usage = (
        "chainrule trace SCRIPT.py [ARGS ...] [--format terminal|json|md] [--html PATH] [-o PATH]\n"
        "                       [--max-steps N] [--max-iterations N] [--max-output N] [--timeout SECONDS]"
    )
    parser.epilog = (
        "The script's output appears as it runs; the trace follows (with --format json on stdout, "
        "the script's output goes to stderr). Exit status: the script's own; 3 if a limit "
        "(--max-steps, --timeout) stopped it; 2 for a missing or broken script. See docs/trace.md."
    )

    # One REMAINDER positional (not script + REMAINDER): argparse would otherwise swallow a '--'
    # that directly follows the script, and the tracer's options may also come after the script.
    parser.add_argument(
        "trace_argv",
        nargs=argparse.REMAINDER,
        metavar="SCRIPT [ARGS ...]",
        help="the Python script to run and trace, then its arguments (after '--' if they look like options)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="how to show the trace: terminal (default), json (versioned schema) or md",
    )
    parser.add_argument("--html", metavar="PATH", help="also write a self-contained lesson page to PATH")
    parser.add_argument("-o", "--output", metavar="PATH", help="write the --format view to PATH, not stdout")
    parser.add_argument(
        "--max-steps",
        type=_positive,
        default=DEFAULT_MAX_STEPS,
        metavar="N",
        help=f"stop the script after N executed lines (default {DEFAULT_MAX_STEPS})",
    )
    parser.add_argument("--max-iterations", type=_positive, default=DEFAULT_MAX_ITERATIONS, metavar="N",
                        help=f"iterations of each loop shown before '... more iterations' "
                             f"(default {DEFAULT_MAX_ITERATIONS})")  # fmt: skip
    parser.add_argument("--max-output", type=_count, default=DEFAULT_MAX_OUTPUT, metavar="N",
                        help=f"characters of the script's printed output kept in the trace; the rest still reaches "
                             f"the terminal (default {DEFAULT_MAX_OUTPUT:,})")
    parser.add_argument("--timeout", type=limits.seconds, default=None, metavar="SECONDS",
                        help="stop the script after SECONDS of wall-clock time and show what was recorded "
                             "(default: no limit)")


def _convert(dest: str, value: str) -> Any:
    if dest == "format" and value not in FORMATS:
        raise ValueError(f"must be one of {', '.join(FORMATS)}")
    convert = {"max_steps": _positive, "max_iterations": _positive, "max_output": _count, "timeout": limits.seconds}
    if dest in convert:
        try:
            return convert[dest](value)
        except argparse.ArgumentTypeError as exc:
            raise ValueError(str(exc)) from None
    return value


def _split_options(args: Any) -> str | None:
    """Take the tracer's own options out of the script's arguments (those after '--' stay)."""
    return split_script_args(args, args.trace_argv, _OPTIONS,
                             "which script? usage: chainrule trace SCRIPT.py [ARGS ...] [--format ...]", _convert)


def run(args: Any) -> int:
    problem = _split_options(args)
    if problem:
        print(f"chainrule trace: {problem}", file=sys.stderr)
        return 2
    path = args.script
    if not os.path.isfile(path):
        print(f"chainrule trace: cannot open {path!r}: no such file", file=sys.stderr)
        return 2
    supervised = limits.supervise(getattr(args, "argv", None), args.timeout, "trace",
                                  ", so there is no trace")
    if supervised is not None:
        return supervised
    code = _trace(args, path)
    limits.exit_leaving_threads("trace", code)
    return code


def _trace(args: Any, path: str) -> int:
    from chainrule.trace.recorder import Tracer

    fmt = args.format or ("terminal" if not args.html else None)
    to_stdout = fmt is not None and not args.output
    real_stdout = sys.stdout
    if fmt == "json" and to_stdout:
        sys.stdout = sys.stderr  # keep stdout pure JSON: the script's own output goes to stderr
    try:
        tracer = Tracer(max_steps=args.max_steps, max_iterations=args.max_iterations, max_output=args.max_output,
                        timeout=args.timeout)
        limits.script_starting(args.timeout)
        trace = tracer.run(path, args.script_args)
    except SyntaxError as exc:
        sys.stdout = real_stdout
        print(f"chainrule trace: {path} does not compile: {exc}", file=sys.stderr)
        return 2
    finally:
        sys.stdout = real_stdout
        limits.script_finished()
    sys.stdout.flush()
    if fmt is not None:
        if fmt == "json":
            text = trace.to_json() + "\n"
        elif fmt == "md":
            text = trace.to_markdown()
        else:
            text = ""
        if args.output:
            if fmt == "terminal":
                text = trace.to_text()
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
            print(f"chainrule trace: wrote the {fmt} trace to {args.output}", file=sys.stderr)
        elif fmt == "terminal":
            trace.print(file=sys.stdout)
        else:
            sys.stdout.write(text)
    if args.html:
        trace.to_html(args.html)
        print(f"chainrule trace: wrote the lesson page to {args.html}", file=sys.stderr)
    if trace.limit:
        print(f"chainrule trace: {trace.limit['message']}", file=sys.stderr)
    if "output_kept" in trace.stats:
        print(f"chainrule trace: the script printed {trace.stats['output_chars']:,} characters; the trace keeps the "
              f"first {trace.stats['output_kept']:,} (--max-output)", file=sys.stderr)
    return trace.exit_code
