"""Safe expressions for the graph lab: parsed with `ast`, never evaluated as Python.

    >>> loss, leaves = build("(3*x + 1)**2", {"x": 2.0})
    >>> float(loss)
    49.0

The request text is parsed with ``ast.parse(mode="eval")`` and walked against an allowlist: numbers,
variable names, ``+ - * / **``, unary ``-``/``+`` and calls to a fixed table of chainrule functions.
Everything else (attributes, subscripts, keywords, lambdas, comprehensions, strings...) is refused with
an :class:`ExpressionError` naming what was found. The graph is built with the engine, in float64.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from chainrule.creation import tensor
from chainrule.dtypes import float64
from chainrule.engine.tensor import Tensor
from chainrule.ops import functions as F

MAX_LENGTH = 400  # characters of expression text
MAX_DEPTH = 32  # nesting of the syntax tree
MAX_OPS = 100  # operators and calls (graph nodes) in one expression
MAX_VARIABLES = 16
MAX_MAGNITUDE = 1e6  # largest absolute value of a number or variable
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,15}$")


class ExpressionError(ValueError):
    """A clear, user-facing reason why an expression was refused (becomes a 400 answer)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Function:
    arity: int
    fn: Callable[..., Tensor]
    doc: str


FUNCTIONS: dict[str, Function] = {
    "relu": Function(1, F.relu, "max(0, x)"),
    "sigmoid": Function(1, F.sigmoid, "1 / (1 + exp(-x))"),
    "tanh": Function(1, F.tanh, "hyperbolic tangent"),
    "exp": Function(1, F.exp, "e^x"),
    "log": Function(1, F.log, "natural logarithm (x > 0)"),
    "sqrt": Function(1, F.sqrt, "square root (x >= 0)"),
    "abs": Function(1, F.abs, "|x|"),
    "sin": Function(1, F.sin, "sine"),
    "cos": Function(1, F.cos, "cosine"),
    "square": Function(1, F.square, "x^2"),
    "max": Function(2, F.maximum, "the larger of two values"),
    "min": Function(2, F.minimum, "the smaller of two values"),
}

_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def _check_number(value: float, what: str, column: int | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExpressionError(f"{what} must be a number", column)
    try:
        value = float(value)
    except OverflowError:  # an integer beyond the float range, such as 10**400
        raise ExpressionError(f"{what} must be between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}", column) from None
    if not math.isfinite(value):
        raise ExpressionError(f"{what} must be finite", column)
    if abs(value) > MAX_MAGNITUDE:
        raise ExpressionError(f"{what} must be between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}", column)
    return value


def check_variables(variables: object) -> dict[str, float]:
    """Validate a {name: number} mapping of variable values."""
    if not isinstance(variables, dict):
        raise ExpressionError("variables must be an object of name: number")
    if len(variables) > MAX_VARIABLES:
        raise ExpressionError(f"at most {MAX_VARIABLES} variables")
    out: dict[str, float] = {}
    for name, value in variables.items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ExpressionError(f"bad variable name {str(name)[:20]!r}: use letters, digits and _ (max 16)")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name, not a variable")
        out[name] = _check_number(value, f"variable {name}")
    return out


def parse(text: object) -> ast.expr:
    """Parse expression text into an allowlisted syntax tree (raises ExpressionError)."""
    if not isinstance(text, str):
        raise ExpressionError("expression must be a string")
    if not text.strip():
        raise ExpressionError("expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters, at most {MAX_LENGTH})")
    text = text.replace("^", "**").replace("\u00d7", "*").replace("\u2212", "-")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", exc.offset) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("expression could not be parsed") from None
    count = [0]
    _validate(tree.body, 1, count)
    return tree.body


def _validate(node: ast.AST, depth: int, count: list[int]) -> None:
    col = getattr(node, "col_offset", None)
    col = None if col is None else col + 1
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)", col)
    if isinstance(node, ast.Constant):
        _check_number(node.value, f"constant {str(node.value)[:20]!r}", col)
        return
    if isinstance(node, ast.Name):
        if not NAME_RE.match(node.id):
            raise ExpressionError(f"bad name {node.id[:20]!r}", col)
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)", col)
        return
    count[0] += 1
    if count[0] > MAX_OPS:
        raise ExpressionError(f"expression has too many operations (at most {MAX_OPS})", col)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed (use + - * / **)", col)
        _validate(node.left, depth + 1, count)
        _validate(node.right, depth + 1, count)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed", col)
        _validate(node.operand, depth + 1, count)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError("only calls to named functions are allowed, e.g. relu(x)", col)
        name = node.func.id
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {name[:20]!r}; known: {known}", col)
        if node.keywords:
            raise ExpressionError(f"{name}() takes no keyword arguments", col)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{name}() takes no *arguments", col)
        if len(node.args) != FUNCTIONS[name].arity:
            raise ExpressionError(f"{name}() takes {FUNCTIONS[name].arity} argument(s), got {len(node.args)}", col)
        for arg in node.args:
            _validate(arg, depth + 1, count)
        return
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression", col)


def variable_names(tree: ast.expr) -> list[str]:
    """Variable names in order of first appearance."""
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    pos: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):  # breadth-first: order by source position instead
        if isinstance(node, ast.Name) and id(node) not in funcs:
            key = (node.lineno, node.col_offset)
            pos[node.id] = min(pos.get(node.id, key), key)
    return sorted(pos, key=lambda n: pos[n])


@dataclass
class Built:
    """An expression built by the engine: its output, its variables (leaves) and, per recorded node
    (keyed by ``id(node)``), the source text of the subexpression it computes and the tensor it made."""

    output: Tensor
    leaves: dict[str, Tensor]
    labels: dict[int, str]
    text: str
    results: dict[int, Tensor] = field(default_factory=dict)


def build(text: object, variables: object) -> Built:
    """Build the expression's graph with the engine.

    Every variable is a float64 leaf with requires_grad=True and its name. Raises ExpressionError for
    unknown variables, division by zero and results that are not finite.
    """
    tree = parse(text)
    values = check_variables(variables)
    used = variable_names(tree)
    missing = [n for n in used if n not in values]
    if missing:
        raise ExpressionError(f"no value given for variable(s): {', '.join(missing)}")
    leaves = {n: tensor(values[n], dtype=float64, requires_grad=True, name=n) for n in used}
    labels: dict[int, str] = {}
    results: dict[int, Tensor] = {}

    def evaluate(node: ast.expr) -> Tensor | float:
        result = compute(node)
        if isinstance(result, Tensor) and result.grad_fn is not None:
            labels.setdefault(id(result.grad_fn), ast.unparse(node))
            results.setdefault(id(result.grad_fn), result)
        return result

    def compute(node: ast.expr) -> Tensor | float:
        """The value of one node (its operands through `evaluate`, so that each subexpression is labelled)."""
        col = getattr(node, "col_offset", 0) + 1
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = evaluate(node.operand)
            result = -operand if isinstance(node.op, ast.USub) else operand
            return _finite(result, "unary minus", col)
        if isinstance(node, ast.BinOp):
            left, right = evaluate(node.left), evaluate(node.right)
            op = _BINOPS[type(node.op)]
            if op == "/" and float(_value(right)) == 0.0:
                raise ExpressionError("division by zero", col)
            if op == "**":
                base, exponent = float(_value(left)), float(_value(right))
                if base == 0.0 and exponent < 0:
                    raise ExpressionError("division by zero (0 to a negative power)", col)
                if base < 0 and not float(exponent).is_integer():
                    raise ExpressionError("a negative number to a fractional power is not a real number", col)
            if not isinstance(left, Tensor) and not isinstance(right, Tensor):
                left = tensor(left, dtype=float64)
            with np.errstate(all="ignore"):
                if op == "+":
                    result = left + right
                elif op == "-":
                    result = left - right
                elif op == "*":
                    result = left * right
                elif op == "/":
                    result = left / right
                else:
                    result = left**right
            return _finite(result, op, col)
        if isinstance(node, ast.Call):
            fn = FUNCTIONS[node.func.id]
            args = [evaluate(a) for a in node.args]
            args = [a if isinstance(a, Tensor) else tensor(a, dtype=float64) for a in args]
            name = node.func.id
            if name == "log" and float(_value(args[0])) <= 0:
                raise ExpressionError(f"log of {float(_value(args[0])):g}: log needs a positive number", col)
            if name == "sqrt" and float(_value(args[0])) < 0:
                raise ExpressionError(f"sqrt of {float(_value(args[0])):g}: sqrt needs a number >= 0", col)
            with np.errstate(all="ignore"):
                result = fn.fn(*args)
            return _finite(result, name, col)
        raise ExpressionError(f"{type(node).__name__} is not allowed", col)  # pragma: no cover - validated

    out = evaluate(tree)
    if not isinstance(out, Tensor):
        out = tensor(out, dtype=float64)
    return Built(out, leaves, labels, ast.unparse(tree), results)


def _value(x: Tensor | float) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def _finite(result: Tensor | float, what: str, col: int) -> Tensor | float:
    v = _value(result)
    if math.isnan(v):
        raise ExpressionError(f"the result of {what} is not a number (NaN)", col)
    if math.isinf(v) or abs(v) > 1e300:
        raise ExpressionError(f"the result of {what} overflows (infinite)", col)
    return result
