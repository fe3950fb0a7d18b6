"""Entry point for the `chainrule` command: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help). Each module defines `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "tour": ("chainrule.cli.tour", "walk through the chapter's examples with forward values and gradients"),
    "trace": ("chainrule.cli.trace_cmd", "trace a Python script line by line with its execution state"),
    "explain": ("chainrule.cli.explain_cmd", "run a script; explain each backward(): gradient table and graph page"),
    "serve": ("chainrule.cli.serve_cmd", "serve the interactive playgrounds (graph lab, neuron, networks) locally"),
    "train": ("chainrule.cli.train", "train an MLP on a bundled dataset (progress, summary, checkpoint, loss plot)"),
}


def _version() -> str:
    """The version of the chainrule that is running (the package's own, also in a checkout)."""
    from chainrule.version import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainrule", description="The chain rule, made runnable and visible.")
    parser.add_argument("--version", action="version", version=f"chainrule {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(module_name)
        module.add_arguments(command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # to run the command again in a child (--timeout)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
