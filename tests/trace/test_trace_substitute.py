"""Expression substitution, both on its own and inside real traces."""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np
from trace_helpers import chain, line_of

from chainrule.trace.substitute import CallRecord, substitute


def forms(expr: str, env: dict[str, Any], calls: list[CallRecord] | None = None, final: Any = ...) -> str:
    def lookup(name: str) -> Any:
        if name in env:
            return env[name]
        import builtins

        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise KeyError(name)

    return " = ".join(substitute(ast.parse(expr, mode="eval").body, lookup, calls, final))


# ---- the substitution on its own ------------------------------------------------------------------


def test_nested_arithmetic_is_reduced_in_evaluation_order() -> None:
    env = {"a": 1, "b": 2, "c": 3, "d": 4}
    assert forms("(a + b) * (c + d)", env) == "(a + b) * (c + d) = (1 + 2) * (3 + 4) = 3 * (3 + 4) = 3 * 7 = 21"
    assert forms("a - b / d ** 2", env) == "a - b / d ** 2 = 1 - 2 / 4 ** 2 = 1 - 2 / 16 = 1 - 0.125 = 0.875"
    assert forms("-a + abs(-b)", env) == "-a + abs(-b) = -1 + abs(-2) = -1 + 2 = 1"


def test_negative_values_keep_their_meaning() -> None:
    assert forms("b ** 2", {"b": -1.0}) == "b ** 2 = (-1.0) ** 2 = 1.0"
    assert forms("-b", {"b": -3}) == "-b = -(-3) = 3"


def test_calls_use_the_recorded_return_value_and_are_never_called_again() -> None:
    called = []

    def noisy(v: float) -> float:
        called.append(v)
        return v * 10

    record = CallRecord(noisy.__code__, "noisy", value=20.0, returned=True)
    text = forms("noisy(x) + 1", {"noisy": noisy, "x": 2.0}, [record])
    assert text == "noisy(x) + 1 = noisy(2.0) + 1 = 20.0 + 1 = 21.0"
    assert called == []
    assert record.matched


def test_unknown_calls_stay_as_written_but_the_final_value_is_shown() -> None:
    class Opaque:
        def __call__(self, v: float) -> float:
            raise AssertionError("must not be called")

    text = forms("thing(x) * 2", {"thing": Opaque(), "x": 1.5}, [], final=9.0)
    assert text == "thing(x) * 2 = thing(1.5) * 2 = 9.0"


def test_pure_builtins_and_math_are_recomputed() -> None:
    assert forms("max(0.0, z)", {"z": -2.0}) == "max(0.0, z) = max(0.0, -2.0) = 0.0"
    text = forms("math.sqrt(x + 7)", {"math": math, "x": 2.0})
    assert text == "math.sqrt(x + 7) = math.sqrt(2.0 + 7) = math.sqrt(9.0) = 3.0"


def test_attributes_and_subscripts() -> None:
    class Box:
        def __init__(self) -> None:
            self.w = 0.5

    env = {"box": Box(), "xs": [10, 20, 30], "i": 2, "d": {"k": 4}}
    assert forms("box.w * 2", env) == "box.w * 2 = 0.5 * 2 = 1.0"
    assert forms("xs[i] + xs[0]", env) == "xs[i] + xs[0] = xs[2] + xs[0] = 30 + xs[0] = 30 + 10 = 40"
    assert forms("d['k'] ** 2", env) == "d['k'] ** 2 = 4 ** 2 = 16"


def test_properties_of_unknown_objects_are_not_evaluated() -> None:
    class Lazy:
        @property
        def value(self) -> int:
            raise AssertionError("a property must not run")

    assert forms("obj.value + 1", {"obj": Lazy()}) == "obj.value + 1"


def test_comprehensions_fstrings_and_lambdas() -> None:
    env = {"xs": [1, 2, 3], "z": 2.0, "w": 1.5}
    assert forms("[v * 2 for v in xs]", env) == "[v * 2 for v in xs] = [v * 2 for v in [1, 2, 3]] = [2, 4, 6]"
    assert forms("sum(v * v for v in xs)", env).endswith("= 14")
    assert forms("{v: v + 1 for v in xs if v > 1}", env).endswith("= {2: 3, 3: 4}")
    assert forms('f"z = {z:.2f} and w = {w}"', env) == (
        "f'z = {z:.2f} and w = {w}' = f'z = {2.0:.2f} and w = {1.5}' = 'z = 2.00 and w = 1.5'"
    )
    assert forms("lambda q: q + w", env) == "lambda q: q + w"


def test_tensors_and_arrays_are_shown_compactly() -> None:
    a = np.array([1.0, 2.0])
    assert forms("a * 2", {"a": a}) == "a * 2 = array([1.0, 2.0]) * 2 = array([2.0, 4.0])"
    big = np.zeros((100, 100))
    assert forms("big.sum() + 1", {"big": big}, final=1.0) == "big.sum() + 1 = 1.0"
    assert forms("big * 2", {"big": big}).endswith("= array(shape=(100, 100))")


# ---- inside traces ------------------------------------------------------------------------------------


def test_augmented_assignment_and_tuple_unpacking(trace_code) -> None:
    t = trace_code(
        """
        total = 10
        step = 3
        total += step * 2
        a, (b, c) = 1, (2, 3)
        a, b = b, a
        """
    )
    assert chain(t, 3) == "total + step * 2 = 10 + 3 * 2 = 10 + 6 = 16"
    assert t.steps_at(3)[0].value("total")["value"] == 16
    unpack = t.steps_at(4)[0]
    assert [(v["name"], v["value"]) for v in unpack.assigned] == [("a", 1), ("b", 2), ("c", 3)]
    swap = t.steps_at(5)[0]
    assert chain(t, 5) == "(b, a) = (2, 1)"
    assert [(v["name"], v["value"]) for v in swap.assigned] == [("a", 2), ("b", 1)]


def test_augmented_assignment_to_attributes_and_items(trace_code) -> None:
    t = trace_code(
        """
        class Counter:
            def __init__(self):
                self.total = 0

            def add(self, x):
                self.total += x * 2

        c = Counter()
        c.add(3)
        c.add(4)
        xs = [1, 2]
        xs[0] += 10
        """
    )
    assert chain(t, 6, 0) == "self.total + x * 2 = self.total + 3 * 2 = 0 + 3 * 2 = 0 + 6 = 6"
    assert chain(t, 6, 1) == "self.total + x * 2 = self.total + 4 * 2 = 6 + 4 * 2 = 6 + 8 = 14"
    assert t.steps_at(6)[1].value("self.total")["value"] == 14
    assert chain(t, 12) == "xs[0] + 10 = 1 + 10 = 11"
    assert t.steps_at(12)[0].value("xs")["value"] == [11, 2]


def test_calls_with_side_effects_run_once(trace_code) -> None:
    t = trace_code(
        """
        calls = []

        def bump(v):
            calls.append(v)
            print("bump", v)
            return v + 1

        r = bump(1) * bump(2)
        print(len(calls))
        """
    )
    assert t.output == "bump 1\nbump 2\n2\n"
    line = line_of(t, "r = bump")
    assert chain(t, line) == "bump(1) * bump(2) = 2 * bump(2) = 2 * 3 = 6"
    step = t.steps_at(line)[0]
    assert [(c["function"], c["return"]["value"]) for c in step.calls] == [("bump", 2), ("bump", 3)]
    assert [c["args"][0]["value"] for c in step.calls] == [1, 2]


def test_method_calls_attributes_and_subscripts_in_a_trace(trace_code) -> None:
    t = trace_code(
        """
        class Neuron:
            def __init__(self, w):
                self.w = w

            def forward(self, x):
                return self.w * x

        n = Neuron(0.5)
        out = n.forward(4.0) + n.w
        xs = [1.0, 2.0, 3.0]
        i = 1
        y = xs[i] * xs[-1]
        xs.append(y)
        """
    )
    assert chain(t, line_of(t, "out =")) == "n.forward(4.0) + n.w = 2.0 + n.w = 2.0 + 0.5 = 2.5"
    assert chain(t, line_of(t, "return self.w")) == "self.w * x = self.w * 4.0 = 0.5 * 4.0 = 2.0"
    assert t.last("n").startswith("<") or "Neuron" in t.values("n")[0]["repr"]
    assert chain(t, line_of(t, "y = xs")) == "xs[i] * xs[-1] = xs[1] * xs[-1] = 2.0 * xs[-1] = 2.0 * 3.0 = 6.0"
    # in-place mutation is shown as a new value of the list
    assert t.values("xs")[-1]["repr"] == "[1.0, 2.0, 3.0, 6.0]"


def test_comprehension_fstring_and_lambda_in_a_trace(trace_code) -> None:
    t = trace_code(
        """
        def square(v):
            return v * v

        xs = [1, 2, 3]
        sq = [square(v) for v in xs]
        double = lambda q: q * 2
        d = double(21)
        msg = f"{d} is {'even' if d % 2 == 0 else 'odd'}"
        """
    )
    assert chain(t, line_of(t, "sq =")) == "[square(v) for v in xs] = [square(v) for v in [1, 2, 3]] = [1, 4, 9]"
    assert t.last("sq") == [1, 4, 9]
    # calls made from inside the comprehension are listed on its line, with their values
    sq_step = t.steps_at(line_of(t, "sq ="))[0]
    assert [c["return"]["value"] for c in sq_step.calls if c["function"] == "square"] == [1, 4, 9]
    assert chain(t, line_of(t, "d = double")) == "double(21) = 42"
    lam = t.steps_at(line_of(t, "d = double"))[0].calls
    assert lam[0]["function"] == "<lambda>" and lam[0]["return"]["value"] == 42
    assert t.last("msg") == "42 is even"
    assert chain(t, line_of(t, "msg =")).endswith("= '42 is even'")


def test_the_authors_spelling_and_multiline_expressions_are_kept(trace_code) -> None:
    t = trace_code(
        """
        u = 7.0
        sq = u**2
        total = (u +
                 1.0) * 2
        name = "w"
        label = f"{name}={u:.1f} ({u * 2})"
        """
    )
    assert chain(t, 2) == "u**2 = 7.0**2 = 49.0"
    assert chain(t, 3) == "(u + 1.0) * 2 = (7.0 + 1.0) * 2 = 8.0 * 2 = 16.0"
    assert chain(t, 6).endswith("= 'w=7.0 (14.0)'")
    assert t.last("label") == "w=7.0 (14.0)"


def test_nothing_is_recomputed_that_could_run_user_code_or_explode() -> None:
    class Spy:
        def __getattribute__(self, name: str) -> Any:
            raise AssertionError("custom __getattribute__ must not run")

    assert forms("spy.x + 1", {"spy": Spy()}) == "spy.x + 1"
    assert forms("s * n", {"s": "ab", "n": 10**7}, final="…") == "s * n = 'ab' * 10000000 = '…'"
    assert forms("len(list(r))", {"r": range(10**8)}, final=10**8) == "len(list(r)) = 100000000"
