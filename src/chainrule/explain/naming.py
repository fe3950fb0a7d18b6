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
    depth = 0
    for c in formula:  # a space outside every parenthesis: more than one term
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == " " and depth == 0:
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
    out = _pattern(tuple(sorted(mapping, key=len, reverse=True))).sub(lambda m: mapping[m.group(1)], formula)
    return simplify(out)


@functools.lru_cache(maxsize=256)
def _pattern(args: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(a) for a in args)
    return re.compile(r"(?<![A-Za-z0-9_])(" + alternatives + r")(?![A-Za-z0-9_])")


# ---------------------------------------------------------------------- expression labels
ATOM = 9  # a name or a non-negative number: never parenthesized
MAX_LABEL = 28  # longer expression labels are shortened (operands replaced by "…")
_SHORT_OPERAND = 12
# op -> (text between operands, precedence, spaced): `w*x + b`, `a - 3`, `y^2`, `A @ B`
_INFIX_LABELS = {"add": ("+", 1, True), "sub": ("-", 1, True), "mul": ("*", 2, False), "div": ("/", 2, False),
                 "matmul": ("@", 2, True), "pow": ("^", 4, False)}
_UNARY_LABELS = {"neg": "-"}


def expression_precedence(text: str) -> int:
    """How tightly a label binds as an operand: names and plain non-negative numbers never need parentheses."""
    return ATOM if not text.startswith("-") else 3


def expression_label(op: str, operands: list[tuple[str, int]]) -> tuple[str, int]:
    """The label of an unnamed result from its operands' (label, precedence): `w*x + b`, `relu(w*x + b)`,
    `(a - t)^2`; shortened sensibly past MAX_LABEL characters (`relu(…) + b2`, then `relu(…)`)."""
    text, prec = _label(op, operands)
    if len(text) > MAX_LABEL:
        text, prec = _label(op, [(t, p) if len(t) <= _SHORT_OPERAND else ("…", ATOM) for t, p in operands])
    if len(text) > MAX_LABEL:
        text, prec = f"{op}(…)", ATOM
    return text, prec


def expression_text(op: str, operands: list[tuple[str, int]]) -> str:
    """An op applied to its operands, written out in full (no shortening): `w1*x + b1`, `relu(z1)`."""
    return _label(op, operands)[0]


def _label(op: str, operands: list[tuple[str, int]]) -> tuple[str, int]:
    if op in _INFIX_LABELS and len(operands) == 2:
        sym, prec, spaced = _INFIX_LABELS[op]
        (a, pa), (b, pb) = operands
        left = f"({a})" if pa < prec or (op == "pow" and pa <= prec) else a
        right = f"({b})" if pb < prec or (pb == prec and op in ("sub", "div", "matmul")) or \
            (op != "pow" and b.startswith("-")) else b
        return (f"{left} {sym} {right}" if spaced else f"{left}{sym}{right}"), prec
    if op in _UNARY_LABELS and len(operands) == 1:
        a, pa = operands[0]
        return f"{_UNARY_LABELS[op]}{a if pa > 3 else f'({a})'}", 3  # -(-a), not --a
    return f"{op}({', '.join(t for t, _ in operands)})", ATOM


# ---------------------------------------------------------------------- formulas as the chapter writes them
_NUM = r"-?\d+(?:\.\d+)?"
_MINUS_ONE = re.compile(r"\((" + _NUM + r")-1\)")
_DOUBLE_PARENS = re.compile(r"\(\(([^()]*)\)\)")
_POWER_ONE = re.compile(r"\^1(?![\d.])")
_NUMBER_TIMES_PAREN = re.compile(r"(?<![\w.)])(\d+(?:\.\d+)?)\*\(")


def simplify(formula: str) -> str:
    """Numbers worked out the way the chapter writes them: `2*(a - t)^(2-1)` -> `2(a - t)`."""
    def minus_one(m: re.Match) -> str:
        v = float(m.group(1)) - 1
        return str(int(v)) if v.is_integer() and "." not in m.group(1) else repr(v)

    out = _DOUBLE_PARENS.sub(r"(\1)", formula)
    out = _MINUS_ONE.sub(minus_one, out)
    out = _POWER_ONE.sub("", out)
    return _NUMBER_TIMES_PAREN.sub(r"\1(", out)


def caller_names(skip_package: str) -> dict[str, Any]:
    """The variables of the first calling frame outside `skip_package` (a directory), to name tensors the way
    the user's code does: `cr.explain.gradient_table(loss)` shows `w1`, `x` without `name_tensors`."""
    import os
    import sys

    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(skip_package + os.sep):
        frame = frame.f_back
    if frame is None:
        return {}
    names = dict(frame.f_globals) if frame.f_globals is not frame.f_locals else {}
    names.update(frame.f_locals)
    return names
