"""Names for graph nodes: explicit `name=`, variable names (`name_tensors`), parameter names, else op-derived."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from chainrule.engine.tensor import Tensor

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.#]*$")
_NUMBER = re.compile(r"^[0-9.]+(e[-+]?[0-9]+)?$")


def name_tensors(namespace: Mapping[str, Any] | Any, overwrite: bool = False) -> dict[str, Tensor]:
    """Set each tensor's `.name` from the variable that holds it: `cr.name_tensors(locals())`.

    Also accepts a `cr.nn.Module` (names its parameters `0.weight`, ...). Tensors that already have a
    name keep it unless `overwrite=True`; names starting with `_` are skipped; a tensor held by two
    variables takes the first. Returns {name: tensor} for the tensors it named.
    """
    if hasattr(namespace, "named_parameters") and not isinstance(namespace, Mapping):
        items = list(namespace.named_parameters())
    elif isinstance(namespace, Mapping):
        items = list(namespace.items())
    else:
        raise TypeError(f"name_tensors: expected a dict such as locals() or a cr.nn.Module, got "
                        f"{type(namespace).__name__}")
    named: dict[str, Tensor] = {}
    seen: set[int] = set()
    for key, value in items:
        if not isinstance(key, str) or key.startswith("_") or not isinstance(value, Tensor):
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        if value.name is None or overwrite:
            value.name = key
            named[key] = value
    return named


def disambiguate(bases: list[str | None], fallback: list[str]) -> list[str]:
    """Unique names: explicit names first; every name used more than once gets #1, #2... in order.

    `bases[i]` is node i's explicit name or None; `fallback[i]` its derived name (op name, 'leaf').
    """
    chosen = [b if b is not None else f for b, f in zip(bases, fallback)]
    counts: dict[str, int] = {}
    for name in chosen:
        counts[name] = counts.get(name, 0) + 1
    taken = {n for n, c in counts.items() if c == 1}
    seen: dict[str, int] = {}
    out = []
    for name in chosen:
        if counts[name] == 1:
            out.append(name)
            continue
        k = seen.get(name, 0)
        while True:
            k += 1
            candidate = f"{name}#{k}"
            if candidate not in taken:
                break
        seen[name] = k
        taken.add(candidate)
        out.append(candidate)
    return out


def factor(formula: str) -> str:
    """A formula as a factor of a product: parenthesized when it has spaces (`(1 if z > 0 else 0)`)."""
    if " " in formula and not (formula.startswith("(") and formula.endswith(")")):
        return f"({formula})"
    return formula


def symbol(name: str) -> str:
    """A name as it appears inside a formula: parenthesized unless it is an identifier or a plain number."""
    if _IDENT.match(name) or _NUMBER.match(name):
        return name
    return f"({name})"


def substitute(formula: str, arg_names: tuple[str, ...], names: list[str]) -> str:
    """Replace the op's argument names in a formula by the names of the actual inputs (one pass)."""
    mapping = {a: symbol(n) for a, n in zip(arg_names, names) if a and n}
    if not mapping:
        return formula
    return _pattern(tuple(sorted(mapping, key=len, reverse=True))).sub(lambda m: mapping[m.group(1)], formula)


@functools.lru_cache(maxsize=256)
def _pattern(args: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(a) for a in args)
    return re.compile(r"(?<![A-Za-z0-9_])(" + alternatives + r")(?![A-Za-z0-9_])")
