"""The formula language: an elementwise op's local derivatives written for people, and evaluable.

A formula is one expression over the op's argument names (`a`, `b`, `x`, ...) and its attributes
(`negative_slope`, `min`, ...), written the way the chapter writes it:

- numbers, `pi`; `+ - * /`, `//` (floor division, as Python's) and `^` for powers (`b*a^(b-1)`, `-a/b^2`);
- comparisons, also chained (`min <= x <= max`), `and`, `or`, `not`;
- cases as Python writes them: `1 if x > 0 else negative_slope`, `0 if a < b else 1/2 if a == b else 1`;
- the functions in `FUNCTIONS`: `exp ln log sqrt sin cos tan tanh sinh cosh atan sign abs floor erf
  sigmoid Phi phi isfinite signbit` (Phi and phi: the standard normal's CDF and density; isfinite: 1 for a
  finite number, 0 for NaN and the infinities; signbit: 1 for a negative number and -0, else 0; digamma and
  trigamma: the first two derivatives of ln Gamma; erfinv: the inverse of erf).

`evaluate(formula, values)` computes it elementwise with NumPy (cases become `np.where`, so both sides are
computed everywhere; NumPy's warnings are silenced): the op table's property test evaluates every formula at
sample points and compares it with the local derivative the engine applies. `check(formula)` parses one and
rejects unknown functions and syntax, so a typo in a formula fails when its op is declared.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np

from chainrule.engine.xp import np_erf, np_sign
from chainrule.ops import special


def _sigmoid(x: Any) -> Any:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def _normal_cdf(x: Any) -> Any:
    return 0.5 * (1.0 + np_erf(x / math.sqrt(2.0)))


def _normal_pdf(x: Any) -> Any:
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


FUNCTIONS: dict[str, Any] = {
    "exp": np.exp, "ln": np.log, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "atan": np.arctan, "sign": np_sign, "abs": np.abs,
    "floor": np.floor, "erf": np_erf, "sigmoid": _sigmoid, "Phi": _normal_cdf, "phi": _normal_pdf,
    "isfinite": np.isfinite, "signbit": np.signbit, "digamma": special.digamma, "trigamma": special.trigamma,
    "erfinv": special.erfinv,
}
CONSTANTS: dict[str, float] = {"pi": math.pi}

_BINARY: dict[type, Any] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                            ast.Div: operator.truediv, ast.FloorDiv: np.floor_divide, ast.Pow: operator.pow}
_COMPARE: dict[type, Any] = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
                             ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal}


@functools.cache
def check(formula: str) -> ast.expr:
    """The parsed formula; ValueError naming the formula when it is not in the language."""
    try:
        tree = ast.parse(formula.replace("^", "**"), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"formula {formula!r} does not parse: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
                raise ValueError(f"formula {formula!r}: unknown function {ast.unparse(node.func)!r} "
                                 f"(known: {', '.join(FUNCTIONS)})")
        elif not isinstance(node, (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp,
                                   ast.IfExp, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
            raise ValueError(f"formula {formula!r}: {type(node).__name__} is not part of the formula language")
        elif isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
            raise ValueError(f"formula {formula!r}: operator {type(node.op).__name__} is not part of the language")
        elif isinstance(node, ast.Compare) and any(type(op) not in _COMPARE for op in node.ops):
            raise ValueError(f"formula {formula!r}: only <, <=, >, >=, == and != compare")
    return tree


def names(formula: str) -> set[str]:
    """The argument and attribute names a formula reads (functions and constants excluded)."""
    return {n.id for n in ast.walk(check(formula)) if isinstance(n, ast.Name)} - set(FUNCTIONS) - set(CONSTANTS)


def evaluate(formula: str, values: Mapping[str, Any]) -> Any:
    """The formula's value, elementwise, with `values` bound to its names (arrays, NumPy or Python numbers)."""
    bound = {k: (np.float64(v) if type(v) in (int, float) else v) for k, v in values.items()}
    with np.errstate(all="ignore"):
        return _eval(check(formula), bound, formula)


def _eval(node: ast.expr, values: Mapping[str, Any], formula: str) -> Any:
    if isinstance(node, ast.Constant):
        return np.float64(node.value)  # type: ignore[arg-type]  # _parse admits only numeric constants
    if isinstance(node, ast.Name):
        if node.id in values:
            return values[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise KeyError(f"formula {formula!r}: no value for {node.id!r}")
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values, formula), _eval(node.right, values, formula))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values, formula)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.Not):
            return np.logical_not(v)
        return v
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)  # _parse admits only calls of named functions
        return FUNCTIONS[node.func.id](*(_eval(a, values, formula) for a in node.args))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values, formula)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, values, formula)
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        parts = [_eval(v, values, formula) for v in node.values]
        result = parts[0]
        for p in parts[1:]:
            result = combine(result, p)
        return result
    if isinstance(node, ast.IfExp):
        return np.where(_eval(node.test, values, formula), _eval(node.body, values, formula),
                        _eval(node.orelse, values, formula))
    raise ValueError(f"formula {formula!r}: cannot evaluate {ast.unparse(node)!r}")  # pragma: no cover
