"""Capturing the script's printed output while letting it through unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Tee:
    """Stands in for sys.stdout: writes go through unchanged and are also recorded."""

    def __init__(self, target: Any, on_output: Callable[[str], None]) -> None:
        self._target = target
        self.on_output = on_output  # recorder.py checks whose Tee sys.stdout is

    def write(self, text: str) -> int:
        result = self._target.write(text)
        self.on_output(text)
        return result

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)
