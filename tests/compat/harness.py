"""Run a PyTorch program twice, under torch and under chainrule with only its imports changed, and collect
the `RESULT` it defines.

A program in `programs/` is plain PyTorch code: it imports `torch` (and `torch.nn`, `torch.utils.data`, ...
with the usual aliases), computes, and leaves a dict `RESULT` of what should agree between the two runs
(tensors, numbers, shapes, strings, nested lists/dicts of them). It may set `TOLERANCE = (rtol, atol)`.
Under chainrule the import lines are rewritten (`import torch` -> `import chainrule as torch`,
`from torch.X import Y` -> `from chainrule.X import Y`, `import torch.X as Y` -> `import chainrule.X as Y`)
and nothing else: that is the promise a user relies on. Each run is its own process, so seeds, default
dtypes and hooks of one program never reach another, and the chainrule run checks that torch was never
imported.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

PROGRAMS = Path(__file__).parent / "programs"

_IMPORT_PLAIN = re.compile(r"^(\s*)import torch\s*$")
_IMPORT_ALIASED = re.compile(r"^(\s*)import torch((?:\.\w+)*) as (\w+)\s*$")
_FROM = re.compile(r"^(\s*)from torch((?:\.\w+)*) import (.+)$")


def to_chainrule(source: str) -> str:
    """The program with its torch imports pointed at chainrule; any other line is left as it is."""
    lines = []
    for line in source.splitlines():
        if m := _IMPORT_PLAIN.match(line):
            line = f"{m[1]}import chainrule as torch"
        elif m := _IMPORT_ALIASED.match(line):
            line = f"{m[1]}import chainrule{m[2]} as {m[3]}"
        elif m := _FROM.match(line):
            line = f"{m[1]}from chainrule{m[2]} import {m[3]}"
        elif re.match(r"^\s*(import|from)\s+torch\b", line):
            raise ValueError(f"an import form the harness does not rewrite: {line.strip()!r}")
        lines.append(line)
    return "\n".join(lines) + "\n"


_RUNNER = r"""
import json, sys, types
path, engine, source = sys.argv[1], sys.argv[2], sys.stdin.read()

def plain(v):
    if hasattr(v, "detach") and hasattr(v, "tolist"):
        return {"tensor": v.detach().cpu().tolist(), "dtype": str(v.dtype).split(".")[-1],
                "shape": list(v.shape)}
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, float) and v != v:
        return "nan"
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(f"RESULT holds a {type(v).__name__}: use tensors, numbers, strings, lists and dicts")

module = types.ModuleType("__main__")
module.__file__ = path
sys.modules["__main__"] = module
exec(compile(source, path, "exec"), module.__dict__)
out = {"result": plain(module.RESULT), "tolerance": list(getattr(module, "TOLERANCE", (1e-4, 1e-5)))}
if engine == "chainrule":
    out["torch_imported"] = "torch" in sys.modules
print("\n@@RESULT@@" + json.dumps(out))
"""


def run(program: Path, engine: str, timeout: float = 300) -> dict[str, Any]:
    """Run `program` under "torch" or "chainrule" in a fresh interpreter; return its RESULT and tolerance."""
    source = program.read_text()
    if engine == "chainrule":
        source = to_chainrule(source)
    done = subprocess.run([sys.executable, "-c", _RUNNER, str(program), engine], input=source,
                          capture_output=True, text=True, timeout=timeout, cwd=program.parent)
    if done.returncode != 0 or "@@RESULT@@" not in done.stdout:
        raise AssertionError(f"{program.name} failed under {engine} (exit {done.returncode}):\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return json.loads(done.stdout.rsplit("@@RESULT@@", 1)[1])


def compare(a: Any, b: Any, rtol: float, atol: float, where: str = "RESULT") -> list[str]:
    """Differences between two plain results (numbers within rtol/atol; everything else equal)."""
    import numpy as np

    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in compare(a[k], b[k], rtol, atol, f"{where}[{k!r}]")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in a + b):
            x, y = np.asarray(a, np.float64), np.asarray(b, np.float64)
            ok = np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
            return [] if ok else [f"{where}: max |diff| {np.nanmax(np.abs(x - y)):.3g} ({a[:6]} vs {b[:6]})"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in compare(x, y, rtol, atol, f"{where}[{i}]")]
    numbers = isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool)
    if numbers and (isinstance(a, float) or isinstance(b, float)):
        return [] if np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True) else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]
