#!/usr/bin/env python
"""Rewrite reads of a tensor's private storage, `x._data`, as the public accessor `x.array` (same slot, same
speed; engine/tensor.py). Stores (`x._data = ...`, `x._data += ...`) are left alone: they belong to the engine
and the in-place machinery of ops.

    python scripts/convert_data_reads.py src/chainrule/nn src/chainrule/optim ...   # files or folders

A one-off migration tool (issue 12): once no package outside the engine reads `._data` (tests/test_layering.py
lists the packages still allowed to), delete it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def convert(source: str) -> tuple[str, int]:
    """`source` with every load of an attribute named `_data` renamed to `array`, and how many."""
    tree = ast.parse(source)
    spots = sorted(((n.end_lineno, n.end_col_offset) for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute) and n.attr == "_data" and isinstance(n.ctx, ast.Load)),
                   reverse=True)
    lines = source.splitlines(keepends=True)
    for line, end in spots:
        text = lines[line - 1]
        start = end - len("_data")
        assert text[start:end] == "_data", (line, text)
        lines[line - 1] = text[:start] + "array" + text[end:]
    return "".join(lines), len(spots)


def main(paths: list[str]) -> int:
    files = [f for p in map(Path, paths) for f in (sorted(p.rglob("*.py")) if p.is_dir() else [p])]
    total = 0
    for f in files:
        new, n = convert(f.read_text(encoding="utf-8"))
        if n:
            f.write_text(new, encoding="utf-8")
            print(f"{f}: {n}")
            total += n
    print(f"{total} reads converted")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
