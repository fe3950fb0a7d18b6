"""Command-line interface: `chainrule <command>`."""
