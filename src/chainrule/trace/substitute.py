"""Expression substitution: ``w * x + b = 1.5 * 2.0 + -1.0 = 3.0 + -1.0 = 2.0``.

The expression of an assignment, ``return`` or condition is rewritten step by step:

1. every name whose value is short (a number, a short string, a small tensor...) is replaced by it;
2. then each sub-expression, in the order Python evaluated it, is replaced by its value.

Values come from what the tracer recorded, never from running the script's code again:

* names read the values they had *before* the line ran;
* a call to a Python function uses the return value recorded when that call really happened
  (matched by code object, in call order); it is never called again;
* arithmetic, comparisons, indexing and f-string formatting are recomputed here only on plain
  values (numbers, strings, built-in containers, NumPy arrays, chainrule tensors), which have no
  side effects; a few pure built-ins (``max``, ``abs``, ``len``, ``math.*``, NumPy ufuncs...)
  are recomputed the same way; anything else stays as written.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import math
import operator
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .values import inline, is_ndarray, is_tensor, safe_repr

MAX_FORMS = 14  # longest chain shown; past it the chain jumps to the final value
MAX_SIZE = 1_000_000  # largest array/tensor/container recomputed


class Unknown(Exception):
    """A sub-expression whose value cannot be known without running code again."""


@dataclass
class CallRecord:
    """One call made while a line ran, as the tracer saw it."""

    code: types.CodeType
    name: str
    args: dict[str, Any] = field(default_factory=dict)  # summaries of the arguments
    self_obj: Any = None  # for __init__: the instance being built
    value: Any = None  # return value
    returned: bool = False
    raised: str | None = None
    user: bool = False  # the called function is in the traced script
    matched: bool = False  # a call in the line's source was matched to this record


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_PURE_BUILTINS = {
    abs, min, max, round, len, sum, float, int, bool, str, pow, divmod, sorted, tuple, list, set,
    frozenset, dict, range, any, all, chr, ord, hex, bin, oct, repr, isinstance, complex,
}  # fmt: skip
_PURE_NUMPY = {
    "array", "asarray", "zeros", "ones", "arange", "linspace", "dot", "matmul", "sum", "mean", "max",
    "min", "maximum", "minimum", "exp", "log", "sqrt", "tanh", "abs", "where", "clip", "outer",
    "transpose", "reshape", "argmax", "argmin", "std", "var", "prod", "round", "sign", "square",
}  # fmt: skip
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_COMP_NAMES = {ast.ListComp: "<listcomp>", ast.SetComp: "<setcomp>", ast.DictComp: "<dictcomp>"}


def _size_ok(value: Any) -> bool:
    try:
        size = 1
        for d in value.shape:
            size *= int(d)
        return size <= MAX_SIZE
    except Exception:
        return False


def is_plain(value: Any, depth: int = 0) -> bool:
    """Values whose operators are side-effect free, so recomputing them is harmless."""
    t = type(value)
    if value is None or t in (int, float, complex, bool, str, bytes, range, slice):
        return True
    if t in (list, tuple, set, frozenset):
        return depth < 3 and len(value) <= 10_000 and all(is_plain(v, depth + 1) for v in value)
    if t is dict:
        return (
            depth < 3
            and len(value) <= 10_000
            and all(is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in value.items())
        )
    if is_ndarray(value):
        return _size_ok(value) and getattr(value.dtype, "kind", "O") != "O"
    if is_tensor(value):
        return _size_ok(value)
    return False


def _too_long(value: Any) -> bool:
    return type(value) in (range, str, bytes, list, tuple, set, frozenset, dict) and len(value) > MAX_SIZE


def _too_big_repeat(left: Any, right: Any) -> bool:
    """`"ab" * 10**9` and friends: recomputing would allocate the result a second time."""
    for seq, n in ((left, right), (right, left)):
        if type(seq) in (str, bytes, list, tuple) and type(n) is int and len(seq) * n > MAX_SIZE:
            return True
    return False


def _no_grad(*values: Any) -> contextlib.AbstractContextManager[Any]:
    """chainrule's no_grad when a value is a tensor (and the engine is loaded): recomputing builds no graph."""
    if not any(is_tensor(v) for v in values):
        return contextlib.nullcontext()
    for name in ("chainrule", "torch"):
        module = sys.modules.get(name)
        factory = getattr(module, "no_grad", None)
        if callable(factory):
            try:
                return factory()
            except Exception:
                pass
    return contextlib.nullcontext()


def _code_of(func: Any) -> types.CodeType | None:
    if isinstance(func, types.MethodType):
        func = func.__func__
    code = getattr(func, "__code__", None)
    return code if isinstance(code, types.CodeType) else None


def _kept_as_name(value: Any) -> bool:
    """Modules, functions and classes are shown by name, never by value."""
    return (
        isinstance(
            value,
            types.ModuleType | types.FunctionType | types.BuiltinFunctionType | types.MethodType | type,
        )
        or callable(value)
        and not (is_tensor(value) or is_ndarray(value))
    )


def short(value: Any) -> str:
    """The text for a value inside a rewritten expression."""
    text = inline(value)
    if text is not None:
        return text
    if is_tensor(value) or is_ndarray(value):
        kind = "tensor" if is_tensor(value) else "array"
        return f"{kind}(shape={tuple(value.shape)})"
    return safe_repr(value, 40)


class Evaluator:
    """Evaluates an expression from recorded values, remembering each sub-expression's value."""

    def __init__(
        self, lookup: Callable[[str], Any], calls: list[CallRecord], known: dict[str, Any] | None = None
    ) -> None:
        self.lookup = lookup
        self.calls = calls
        self.known = known or {}  # source text of an attribute/item -> its value before the line
        self.values: dict[int, Any] = {}  # id(node) -> value, first evaluation only
        self.order: list[ast.AST] = []  # nodes in the order their evaluation finished
        self.scopes: list[dict[str, Any]] = []  # comprehension variables
        self._quiet = 0  # >0 inside a comprehension or lambda: nothing is remembered

    def evaluate(self, node: ast.AST) -> Any:
        value = self._eval(node)
        return value

    # ---- names and calls -------------------------------------------------------------------
    def _name(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return self.lookup(name)

    def _take_record(self, func: Any, hint: str | None) -> CallRecord | None:
        code = _code_of(func)
        if isinstance(func, type):
            code = _code_of(getattr(func, "__init__", None))
        for rec in self.calls:
            if not rec.matched and code is not None and rec.code is code:
                rec.matched = True
                return rec
        if code is None and hint:
            for rec in self.calls:
                if not rec.matched and rec.name == hint:
                    rec.matched = True
                    return rec
        return None

    def _call(self, node: ast.Call) -> Any:
        func_unknown = False
        try:
            func = self._eval(node.func)
        except Unknown:
            func, func_unknown = None, True
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        args_known = True
        for arg in node.args:
            try:
                if isinstance(arg, ast.Starred):
                    seq = self._eval(arg.value)
                    if not is_plain(seq):
                        raise Unknown
                    args.extend(seq)
                else:
                    args.append(self._eval(arg))
            except Unknown:
                args_known = False
        for kw in node.keywords:
            try:
                value = self._eval(kw.value)
                if kw.arg is None:
                    if type(value) is not dict:
                        raise Unknown
                    kwargs.update(value)
                else:
                    kwargs[kw.arg] = value
            except Unknown:
                args_known = False
        hint = None
        if isinstance(node.func, ast.Name):
            hint = node.func.id
        elif isinstance(node.func, ast.Attribute):
            hint = node.func.attr
        if func_unknown and hint is None:
            raise Unknown
        rec = self._take_record(func, hint)
        if rec is not None:
            if isinstance(func, type) and rec.code.co_name == "__init__":  # a class called: the instance it built
                if rec.returned and rec.self_obj is not None:
                    return rec.self_obj
                raise Unknown
            if rec.returned:
                return rec.value
            raise Unknown
        if func_unknown or not args_known or _code_of(func) is not None:
            raise Unknown
        plain = all(is_plain(a) and not _too_long(a) for a in args) and all(is_plain(v) for v in kwargs.values())
        if plain and self._pure(func, kwargs):
            with _no_grad(*args, *kwargs.values()):
                try:
                    return func(*args, **kwargs)
                except Exception as exc:
                    raise Unknown from exc
        raise Unknown

    @staticmethod
    def _pure(func: Any, kwargs: dict[str, Any]) -> bool:
        try:
            if func in _PURE_BUILTINS:
                return True
        except TypeError:
            return False
        module = getattr(func, "__module__", None)
        if module == "math" or getattr(func, "__self__", None) is math:
            return True
        if "out" in kwargs:
            return False
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            if isinstance(func, numpy.ufunc):
                return True
            name = getattr(func, "__name__", "")
            if name in _PURE_NUMPY and getattr(numpy, name, None) is func:
                return True
        return False

    # ---- the evaluator -----------------------------------------------------------------------
    def _eval(self, node: ast.AST) -> Any:
        if self.known and isinstance(node, ast.Attribute | ast.Subscript) and (text := ast.unparse(node)) in self.known:
            value = self.known[text]
        else:
            value = self._dispatch(node)
        if not self._quiet and id(node) not in self.values:
            self.values[id(node)] = value
            self.order.append(node)
        return value

    def _binary(self, op: ast.operator, left: Any, right: Any) -> Any:
        if not (is_plain(left) and is_plain(right)):
            raise Unknown
        if isinstance(op, ast.Pow) and type(left) is int and type(right) is int and abs(right) > 4096:
            raise Unknown  # would take long; the line's own value is shown instead
        if isinstance(op, ast.Mult) and _too_big_repeat(left, right):
            raise Unknown
        fn = _BINOPS.get(type(op))
        if fn is None:
            raise Unknown
        with _no_grad(left, right):
            try:
                return fn(left, right)
            except Exception as exc:
                raise Unknown from exc

    def _dispatch(self, node: ast.AST) -> Any:
        """The value of one expression node: each kind of node has its own method (`_DISPATCH`); a kind not
        listed there (a lambda, a starred item outside a call) is Unknown."""
        method = _DISPATCH.get(type(node))
        if method is None:
            raise Unknown
        return method(self, node)

    def _constant(self, node: ast.Constant) -> Any:
        return node.value

    def _name_node(self, node: ast.Name) -> Any:
        try:
            return self._name(node.id)
        except (KeyError, NameError) as exc:
            raise Unknown from exc

    def _binop(self, node: ast.BinOp) -> Any:
        left = self._eval(node.left)
        right = self._eval(node.right)
        return self._binary(node.op, left, right)

    def _unaryop(self, node: ast.UnaryOp) -> Any:
        operand = self._eval(node.operand)
        if not is_plain(operand):
            raise Unknown
        with _no_grad(operand):
            try:
                return _UNARY[type(node.op)](operand)
            except Exception as exc:
                raise Unknown from exc

    def _boolop(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for value_node in node.values:
            result = self._eval(value_node)
            if not is_plain(result):
                raise Unknown
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def _compare(self, node: ast.Compare) -> Any:
        left = self._eval(node.left)
        outcome: Any = True
        for op, comp in zip(node.ops, node.comparators):
            right = self._eval(comp)
            if not (is_plain(left) and is_plain(right)):
                raise Unknown
            try:
                outcome = _COMPARE[type(op)](left, right)
            except Exception as exc:
                raise Unknown from exc
            if is_tensor(outcome) or is_ndarray(outcome):
                if len(node.ops) > 1:
                    raise Unknown
                return outcome
            if not outcome:
                return outcome
            left = right
        return outcome

    def _ifexp(self, node: ast.IfExp) -> Any:
        test = self._eval(node.test)
        if not is_plain(test) or is_tensor(test) or (is_ndarray(test) and test.shape != ()):
            raise Unknown
        return self._eval(node.body if test else node.orelse)

    def _attribute_node(self, node: ast.Attribute) -> Any:
        base = self._eval(node.value)
        return self._attribute(base, node.attr)

    def _subscript(self, node: ast.Subscript) -> Any:
        base = self._eval(node.value)
        index = self._eval(node.slice)
        if not (is_plain(base) and is_plain(index)):
            raise Unknown
        try:
            return base[index]
        except Exception as exc:
            raise Unknown from exc

    def _slice(self, node: ast.Slice) -> Any:
        parts = [None if p is None else self._eval(p) for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def _sequence(self, node: ast.Tuple | ast.List | ast.Set) -> Any:
        items: list[Any] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                seq = self._eval(elt.value)
                if not is_plain(seq):
                    raise Unknown
                items.extend(seq)
            else:
                items.append(self._eval(elt))
        if isinstance(node, ast.Tuple):
            return tuple(items)
        if isinstance(node, ast.List):
            return items
        try:
            return set(items)
        except TypeError as exc:
            raise Unknown from exc

    def _dict(self, node: ast.Dict) -> Any:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                extra = self._eval(v)
                if type(extra) is not dict:
                    raise Unknown
                out.update(extra)
            else:
                key = self._eval(k)
                if not is_plain(key):
                    raise Unknown
                out[key] = self._eval(v)
        return out

    def _joined_str(self, node: ast.JoinedStr) -> Any:
        pieces = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append(str(part.value))
            else:
                pieces.append(self._eval(part))
        return "".join(pieces)

    def _formatted_value(self, node: ast.FormattedValue) -> Any:
        value = self._eval(node.value)
        if not is_plain(value):
            raise Unknown
        spec = "" if node.format_spec is None else self._eval(node.format_spec)
        try:
            if node.conversion == ord("r"):
                value = repr(value)
            elif node.conversion == ord("s"):
                value = str(value)
            elif node.conversion == ord("a"):
                value = ascii(value)
            return format(value, spec)
        except Exception as exc:
            raise Unknown from exc

    def _named_expr(self, node: ast.NamedExpr) -> Any:
        return self._eval(node.value)

    def _attribute(self, base: Any, attr: str) -> Any:
        known_kind = isinstance(base, types.ModuleType) or is_tensor(base) or is_ndarray(base) or is_plain(base)
        if not known_kind and not isinstance(base, type) and type(base).__getattribute__ is not object.__getattribute__:
            raise Unknown  # a custom __getattribute__ could run anything
        if known_kind:
            try:
                return getattr(base, attr)
            except Exception as exc:
                raise Unknown from exc
        try:
            static = inspect.getattr_static(base, attr)
        except AttributeError as exc:
            raise Unknown from exc
        instance_dict = getattr(base, "__dict__", None)
        if isinstance(instance_dict, dict) and attr in instance_dict:
            return instance_dict[attr]
        if isinstance(static, types.FunctionType | staticmethod | classmethod) or not hasattr(static, "__get__"):
            try:
                return getattr(base, attr)
            except Exception as exc:
                raise Unknown from exc
        raise Unknown  # a property or other descriptor could run code

    def _comprehension(self, node: ast.AST) -> Any:
        """Re-evaluate a comprehension over plain iterables; else use the recorded result."""
        recorded = None
        name = _COMP_NAMES.get(type(node))
        if name is not None:
            for rec in self.calls:
                if not rec.matched and rec.name == name:
                    rec.matched = True
                    recorded = rec
                    break
        # the first iterable is evaluated in the enclosing scope (and shown); calls made inside
        # the comprehension are matched by re-evaluating it
        first = self._eval(node.generators[0].iter)  # type: ignore[attr-defined]
        self._quiet += 1
        try:
            results: list[Any] = []
            self._generators(node, node.generators, 0, results, first)  # type: ignore[attr-defined]
        except Unknown:
            results = None  # type: ignore[assignment]
        finally:
            self._quiet -= 1
        if recorded is not None and recorded.returned:
            return recorded.value
        if results is None:
            raise Unknown
        if isinstance(node, ast.ListComp):
            return results
        if isinstance(node, ast.SetComp):
            return set(results)
        if isinstance(node, ast.DictComp):
            return dict(results)
        return tuple(results)  # a generator expression: its items, for sum(...) and friends

    def _generators(self, node: Any, gens: list[ast.comprehension], i: int, out: list[Any], first: Any = None) -> None:
        if i == len(gens):
            if isinstance(node, ast.DictComp):
                out.append((self._eval(node.key), self._eval(node.value)))
            else:
                out.append(self._eval(node.elt))
            if len(out) > 10_000:
                raise Unknown
            return
        gen = gens[i]
        iterable = first if i == 0 else self._eval(gen.iter)
        if not is_plain(iterable) or is_tensor(iterable):
            raise Unknown
        self.scopes.append({})
        try:
            for item in iterable:
                self._bind(gen.target, item)
                if all(self._eval(cond) for cond in gen.ifs):
                    self._generators(node, gens, i + 1, out)
        finally:
            self.scopes.pop()

    def _bind(self, target: ast.AST, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.scopes[-1][target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = list(value)
            if len(items) != len(target.elts):
                raise Unknown
            for t, v in zip(target.elts, items):
                self._bind(t, v)
        else:
            raise Unknown


# ---- rendering ---------------------------------------------------------------------------------
#
# Forms are made by splicing value texts into the expression's own source text (so the author's
# spelling is kept), using the AST's positions. Everything that does not depend on the values is
# worked out once per expression and cached.


_DISPATCH: dict[type, Callable[[Evaluator, Any], Any]] = {
    ast.Constant: Evaluator._constant, ast.Name: Evaluator._name_node, ast.BinOp: Evaluator._binop,
    ast.UnaryOp: Evaluator._unaryop, ast.BoolOp: Evaluator._boolop, ast.Compare: Evaluator._compare,
    ast.IfExp: Evaluator._ifexp, ast.Call: Evaluator._call, ast.Attribute: Evaluator._attribute_node,
    ast.Subscript: Evaluator._subscript, ast.Slice: Evaluator._slice, ast.Tuple: Evaluator._sequence,
    ast.List: Evaluator._sequence, ast.Set: Evaluator._sequence, ast.Dict: Evaluator._dict,
    ast.JoinedStr: Evaluator._joined_str, ast.FormattedValue: Evaluator._formatted_value,
    ast.NamedExpr: Evaluator._named_expr,
    **{kind: Evaluator._comprehension for kind in _COMPREHENSIONS},
}


def _node_dump(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False, include_attributes=False)


class _Prepared:
    """An expression ready for repeated substitution: its text, node spans, parents, scopes."""

    def __init__(self, original: ast.AST, lines: list[str] | None) -> None:
        self.original = original
        text = None
        if lines is not None and getattr(original, "end_lineno", None) is not None:
            text = self._segment(original, lines)
        if text is not None:
            self.text = text.encode("utf-8")
            self.expr = copy.deepcopy(original)
            first_line, first_col = original.lineno, original.col_offset
        else:  # no source: use the unparsed text, parsed again so that positions match it
            unparsed = ast.unparse(original)
            self.text = unparsed.encode("utf-8")
            self.expr = ast.parse(unparsed, mode="eval").body
            first_line, first_col = 1, 0
            lines = [unparsed]
        # byte offsets of each physical line start, relative to the expression's first byte
        encoded = [line.encode("utf-8") for line in lines]
        line_start: dict[int, int] = {first_line: -first_col}
        for number in range(first_line + 1, first_line + self.text.count(b"\n") + 2):
            line_start[number] = line_start[number - 1] + len(encoded[number - 2]) + 1
        self.spans: dict[int, tuple[int, int]] = {}
        self.nodes: dict[int, ast.AST] = {}
        for key, node in enumerate(ast.walk(self.expr)):
            node._cr_key = key  # type: ignore[attr-defined]
            self.nodes[key] = node
            if getattr(node, "end_lineno", None) is None or node.lineno not in line_start:
                continue
            if node.end_lineno not in line_start:
                continue
            begin = line_start[node.lineno] + node.col_offset
            end = line_start[node.end_lineno] + node.end_col_offset
            if 0 <= begin <= end <= len(self.text):
                self.spans[key] = (begin, end)
        self.valid: dict[int, bool] = {}
        self.bare_tuple = isinstance(self.expr, ast.Tuple) and not self.text.startswith(b"(")
        self.parents = _parents(self.expr)
        self.inside = _inside_scope(self.expr)
        self.subtree = {key: [n._cr_key for n in ast.walk(node)] for key, node in self.nodes.items()}  # type: ignore[attr-defined]
        self.names: list[ast.Name] = []  # names that may be replaced by their values
        for node in ast.walk(self.expr):
            if not isinstance(node, ast.Name) or id(node) in self.inside:
                continue
            parent = self.parents.get(id(node))
            if isinstance(parent, ast.Call) and parent.func is node:
                continue
            if isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is node:
                continue
            self.names.append(node)
        # a node's span widened over the grouping parentheses around it, which go with it when it
        # is replaced by a value (a call's own parentheses are not grouping ones)
        self.outer: dict[int, tuple[int, int]] = {}
        for key, (begin, end) in self.spans.items():
            node = self.nodes[key]
            parent = self.parents.get(id(node))
            if isinstance(parent, ast.Call) and node is not parent.func:
                continue
            limit = self.spans.get(getattr(parent, "_cr_key", -1), (0, len(self.text)))
            while True:
                left = self.text[:begin].rstrip()
                right = self.text[end:].lstrip()
                if not (left.endswith(b"(") and right.startswith(b")")):
                    break
                new_begin = len(left) - 1
                new_end = len(self.text) - len(right) + 1
                if new_begin < limit[0] or new_end > limit[1] or (parent is not None and (new_begin, new_end) == limit):
                    break
                begin, end = new_begin, new_end
            self.outer[key] = (begin, end)

    @staticmethod
    def _segment(node: ast.AST, lines: list[str]) -> str | None:
        try:
            return ast.get_source_segment("\n".join(lines), node)
        except Exception:
            return None

    def replaceable(self, key: int) -> bool:
        """True when the node's span really holds the node (3.11 f-string positions can be off)."""
        ok = self.valid.get(key)
        if ok is None:
            ok = False
            span = self.spans.get(key)
            if span is not None:
                try:
                    segment = self.text[span[0] : span[1]].decode("utf-8")
                    parsed = ast.parse("(" + segment + "\n)", mode="eval").body  # parens: may span lines
                    ok = _node_dump(parsed) == _node_dump(self.nodes[key])
                except Exception:
                    ok = False
            self.valid[key] = ok
        return ok

    def render(self, texts: dict[int, str]) -> str:
        pieces: list[bytes] = []
        cursor = 0
        for begin, end, text in sorted((*self.outer.get(k, self.spans[k]), t) for k, t in texts.items()):
            if begin < cursor:
                continue  # inside a part already replaced
            pieces.append(self.text[cursor:begin])
            pieces.append(text.encode("utf-8"))
            cursor = end
        pieces.append(self.text[cursor:])
        out = b"".join(pieces).decode("utf-8", errors="replace")
        if "\n" in out:
            out = " ".join(part.strip() for part in out.splitlines() if part.strip())
        if self.bare_tuple:
            out = f"({out})"  # `a, b = b, a` reads as `(b, a) = (2, 1)` in a chain
        return out


_PREPARED: dict[int, _Prepared] = {}


def _prepare(expr: ast.AST, lines: list[str] | None) -> _Prepared:
    prepared = _PREPARED.get(id(expr))
    if prepared is None or prepared.original is not expr:
        if len(_PREPARED) > 4096:
            _PREPARED.clear()
        prepared = _Prepared(expr, lines)
        _PREPARED[id(expr)] = prepared
    return prepared


def _parents(expr: ast.AST) -> dict[int, ast.AST]:
    out = {}
    for parent in ast.walk(expr):
        for child in ast.iter_child_nodes(parent):
            out[id(child)] = parent
    return out


def _inside_scope(expr: ast.AST) -> set[int]:
    """Nodes inside lambdas and comprehensions: their names are bound there, not substituted."""
    inside: set[int] = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Lambda):
            inside.update(id(n) for n in ast.walk(node.body))
        elif isinstance(node, _COMPREHENSIONS):
            first_iter = node.generators[0].iter
            keep = {id(n) for n in ast.walk(first_iter)}
            inside.update(id(n) for n in ast.walk(node) if id(n) not in keep and n is not node)
    return inside


def _text_for(prepared: _Prepared, node: ast.AST, value: Any) -> str:
    text = short(value)
    parent = prepared.parents.get(id(node))
    needs_parens = text.startswith("-") or " " in text and not text.startswith(("tensor(", "array("))
    if needs_parens and (
        (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Pow) and parent.left is node)
        or (isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is node)
        or isinstance(parent, ast.UnaryOp)
    ):
        text = f"({text})"
    return text


def substitute(
    expr: ast.AST,
    lookup: Callable[[str], Any],
    calls: list[CallRecord] | None = None,
    final: Any = ...,
    lines: list[str] | None = None,
    known: dict[str, Any] | None = None,
) -> list[str]:
    """The chain of forms of ``expr``, from its source to its value.

    ``lookup(name)`` returns a name's value before the line ran (raising KeyError if unbound);
    ``calls`` are the calls recorded while the line ran; ``final`` (if given) is the value the
    line really produced, used for the last form when it cannot be recomputed; ``lines`` are the
    file's source lines (the expression's own spelling is kept), else the expression is unparsed;
    ``known`` gives values of attribute/item expressions by their text (``self.total += x``).
    """
    calls = calls if calls is not None else []
    prepared = _prepare(expr, lines)
    expr = prepared.expr
    evaluator = Evaluator(lookup, calls, known)
    top_known = True
    try:
        top_value = evaluator.evaluate(expr)
    except Exception:  # Unknown, or a strange object: never let it break the trace
        top_known = False
        top_value = None
    if final is not ...:
        top_value, top_known = final, True

    forms: list[str] = []

    def add(text: str) -> None:
        if text and (not forms or forms[-1] != text):
            forms.append(text)

    add(prepared.render({}))
    texts: dict[int, str] = {}
    # 1. names with short values
    for node in prepared.names:
        if id(node) not in evaluator.values:
            continue
        value = evaluator.values[id(node)]
        key = node._cr_key  # type: ignore[attr-defined]
        if _kept_as_name(value) or inline(value) is None or not prepared.replaceable(key):
            continue
        texts[key] = _text_for(prepared, node, value)
    add(prepared.render(texts))
    # 2. each sub-expression in evaluation order
    for node in evaluator.order:
        if node is expr or id(node) in prepared.inside or isinstance(node, ast.Name | ast.Constant):
            continue
        if isinstance(node, ast.FormattedValue | ast.Slice | ast.keyword | ast.Starred | ast.GeneratorExp):
            continue
        value = evaluator.values[id(node)]
        if _kept_as_name(value):
            continue
        if inline(value) is None and not (is_tensor(value) or is_ndarray(value)):
            continue  # a range, a big list, an object: the enclosing expression is shown reduced instead
        parent = prepared.parents.get(id(node))
        if isinstance(node, ast.JoinedStr) and isinstance(parent, ast.FormattedValue):
            continue
        key = node._cr_key  # type: ignore[attr-defined]
        if not prepared.replaceable(key):
            continue
        for sub_key in prepared.subtree[key]:
            texts.pop(sub_key, None)
        texts[key] = _text_for(prepared, node, value)
        add(prepared.render(texts))
    if top_known:
        add(short(top_value))
    if len(forms) > MAX_FORMS:
        forms = forms[: MAX_FORMS - 2] + ["…", forms[-1]]
    return forms


def match_calls(expr: ast.AST, lookup: Callable[[str], Any], calls: list[CallRecord]) -> None:
    """Evaluate ``expr`` only to mark which recorded calls its source made (no forms are built)."""
    with contextlib.suppress(Exception):
        Evaluator(lookup, calls).evaluate(expr)
