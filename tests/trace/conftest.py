"""Helpers for the tracer's tests: write a script to a temporary file and trace it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from chainrule.trace import Trace, run


@pytest.fixture
def trace_code(tmp_path: Path) -> Callable[..., Trace]:
    """trace_code(source, argv=None, **options) -> Trace of that source run as a script."""

    def _trace(source: str, argv: list[str] | None = None, name: str = "script.py", **options: int) -> Trace:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
        return run(path, argv, **options)

    return _trace
