"""One definition of each derivative, checked over every row of the op table (`_ops_cases.py`).

Each differentiable row runs forward and backward under `cr.autograd.observe()`, on the table's inputs and
again with special values written into them (NaN, +0, -0, +inf, -inf, and ties between two inputs). Then,
for every backward step of an elementwise op:

(a) upstream x the local derivative the step reports == the contribution the engine sent (summed over
    broadcast dimensions); where the upstream is not finite, a closed gate (local 0) sends exactly 0;
(b) the op's formula string, evaluated with `chainrule.ops.formula` at the step's input values, equals the
    reported local derivative, so the text the explanations show is the rule the engine applies;
(c) every input of every registered op that can take a gradient gets one in some row of the table, so the
    table's parity (PyTorch) and gradcheck (float64 finite differences) tests check each input's derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _ops_cases import CASES
from _ops_harness import Case, flat_outputs, make_inputs

import chainrule as cr
from chainrule.ops import formula as formulas
from chainrule.ops.registry import REGISTRY

GRAD_CASES = [c for c in CASES if c.grad]
SPECIALS = [np.nan, 0.0, -0.0, np.inf, -np.inf]


def _with_specials(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The inputs with NaN, +-0 and +-inf written into the first, and a tie between the first two."""
    out = [a.copy() for a in arrays]
    first = out[0].reshape(-1)
    for k, v in enumerate(SPECIALS[: first.size]):
        first[k] = v
    if len(out) > 1 and out[1].size > 5 and out[0].size > 5:
        out[1].reshape(-1)[5] = out[0].reshape(-1)[5 % out[0].size]  # a tie where shapes line up
    return out


def _observe(case: Case, arrays: list[np.ndarray]) -> list[Any]:
    ins = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        outs = [o for o in flat_outputs(case.fn(cr, *ins)) if isinstance(o, cr.Tensor) and o.requires_grad]
        if not outs:
            return []
        rng = np.random.default_rng(11)
        seeds = [cr.tensor(rng.uniform(0.5, 2.0, tuple(o.shape)) * rng.choice([-1.0, 1.0], tuple(o.shape)),
                           dtype=cr.float64) for o in outs]
        with cr.autograd.observe() as steps:
            cr.autograd.backward(outs, seeds)
    return list(steps)


def _runs(case: Case) -> list[tuple[str, list[Any]]]:
    arrays = make_inputs(case)
    return [("table inputs", _observe(case, arrays)), ("special values", _observe(case, _with_specials(arrays)))]


def _array(v: Any) -> np.ndarray:
    return np.asarray(v.detach().numpy() if isinstance(v, cr.Tensor) else v, dtype=np.float64)


def _sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead))) if lead else x
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


def _elementwise_terms(step: Any) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """(input index, upstream, local, contribution) for each input of an elementwise step that got a gradient."""
    if not getattr(step.node.op, "elementwise", False):
        return []
    terms = []
    up = _array(step.upstream)
    for i, (local, contribution) in enumerate(zip(step.local, step.contributions)):
        if local is None or contribution is None:
            continue
        terms.append((i, up, _array(local), _array(contribution)))
    return terms


@pytest.mark.parametrize("case", GRAD_CASES, ids=str)
def test_shown_local_times_upstream_is_what_the_engine_sent(case: Case) -> None:
    for label, steps in _runs(case):
        for step in steps:
            for i, up, local, sent in _elementwise_terms(step):
                what = f"{case.name} ({label}): {step.op_name} input {i}"
                product = np.broadcast_to(up * local, np.broadcast_shapes(up.shape, local.shape))
                finite = np.isfinite(np.broadcast_to(up, product.shape))
                if product.shape == sent.shape:
                    # an infinite or NaN upstream times a local 0: a routed gate sends +0 (relu, where, clamp ...),
                    # a product sends NaN (mul by 0); everywhere else upstream x local is exactly what was sent
                    either = ~finite & (np.broadcast_to(local, product.shape) == 0)
                    assert np.all((sent[either] == 0) | np.isnan(sent[either])), what
                    np.testing.assert_allclose(np.where(either, 0.0, sent), np.where(either, 0.0, product), rtol=1e-12,
                                               atol=0, equal_nan=True, err_msg=what)
                elif finite.all():
                    np.testing.assert_allclose(sent, _sum_to(product, sent.shape), rtol=1e-10, atol=1e-12,
                                               equal_nan=True, err_msg=what)


@pytest.mark.parametrize("case", GRAD_CASES, ids=str)
def test_formulas_evaluate_to_the_engines_local_derivative(case: Case) -> None:
    for label, steps in _runs(case):
        for step in steps:
            for i, _, local, _ in _elementwise_terms(step):
                values = dict(zip(step.arg_names, (_array(x) if x is not None else None for x in step.inputs)))
                values.update(step.node.attrs or {})
                formula = step.formulas[i]
                shown = formulas.evaluate(formula, values)
                shape = np.broadcast_shapes(np.shape(shown), local.shape)
                np.testing.assert_allclose(
                    np.broadcast_to(shown, shape), np.broadcast_to(local, shape), rtol=1e-9, atol=1e-12,
                    equal_nan=True, err_msg=f"{case.name} ({label}): {step.op_name}'s formula {formula!r} for "
                                            f"input {i} at {values}")


def _covered() -> set[tuple[str, int]]:
    seen = set()
    for case in GRAD_CASES:
        for step in _observe(case, make_inputs(case)):
            for i, c in enumerate(step.contributions):
                if c is not None and step.node.parents[i] is not None:
                    seen.add((step.op_name, i))
    return seen


# Ops whose gradients are checked outside the op table (tests/nn: convolution, pooling, losses), or that have
# no derivative at all (floor_divide's raises, as PyTorch's; an overwrite sends none); index_add_zeros is
# indexing's VJP under create_graph=True, checked by the table's second-derivative parity; trigamma is digamma's
# derivative under create_graph=True (checked there) and its own derivative raises (test_ops_torch_functions.py);
# refused_derivative is a first-order gradient PyTorch does not differentiate (its derivative raises:
# tests/ops/test_scatter_prod_refused.py).
ELSEWHERE = {"unfold", "fold", "conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d", "linear", "cross_entropy",
             "nll_loss", "binary_cross_entropy_with_logits", "binary_cross_entropy", "smooth_l1_loss", "huber_loss",
             "adaptive_avg_pool", "floor_divide", "overwrite",
             "scatter_with_reduce", "hardswish", "index_add_zeros", "trigamma", "refused_derivative",
             "normal"}  # a random draw (its zero gradient: tests/compat/test_surface_functions.py)


def test_every_differentiable_input_of_every_op_gets_a_checked_gradient() -> None:
    seen = _covered()
    missing = []
    for name, op in REGISTRY.items():
        if name in ELSEWHERE:
            continue
        rules = op.rules if op.rules is not None else (True,) * max(1, len(op.arg_names))
        for i, rule in enumerate(rules):
            if rule is not None and (name, i) not in seen:
                missing.append(f"{name} input {i} ({op.arg_names[min(i, len(op.arg_names) - 1)]})")
    assert not missing, f"no op-table row sends a gradient to: {', '.join(missing)}"


def test_every_elementwise_formula_is_in_the_language() -> None:
    for op in REGISTRY.values():
        if op.elementwise:
            for text in op.formulas:
                formulas.check(text)


def test_the_formula_language() -> None:
    x = np.array([-1.0, 0.0, 2.0, np.nan])
    np.testing.assert_array_equal(formulas.evaluate("0 if x <= 0 else 1", {"x": x}), [0.0, 0.0, 1.0, 1.0])
    assert formulas.evaluate("b*a^(b-1)", {"a": 3.0, "b": 2}) == 6.0
    assert formulas.evaluate("2^x*ln(2)", {"x": 1.0}) == pytest.approx(2 * np.log(2))
    np.testing.assert_array_equal(formulas.evaluate("1 if min <= x <= max else 0", {"x": x, "min": 0, "max": 1}),
                                  [0.0, 1.0, 0.0, 0.0])
    assert formulas.evaluate("0 if a < b else 1/2 if a == b else 1", {"a": 1.0, "b": 1.0}) == 0.5
    assert formulas.evaluate("-a/b^2", {"a": 1.0, "b": 0.0}) == -np.inf
    assert formulas.names("1 if x > 0 else negative_slope") == {"x", "negative_slope"}
    with pytest.raises(ValueError, match="unknown function 'cube'"):
        formulas.check("cube(x)")
    with pytest.raises(ValueError, match="does not parse"):
        formulas.check("1 if x > 0")
    with pytest.raises(KeyError, match="no value for 'y'"):
        formulas.evaluate("x + y", {"x": 1.0})


def test_an_op_declares_one_rule_per_input() -> None:
    with pytest.raises(ValueError, match="either derivs"):
        cr.ops.defop("twice", lambda x: x, "x", derivs=(("1", None),), vjp=lambda xp, g, out, x: (g,))
    with pytest.raises(ValueError, match="unknown function"):
        cr.ops.Op("bad", lambda x: x, ("x",), (None,), ("cube(x)",))
    with pytest.raises(ValueError, match="one derivative rule per input"):
        cr.ops.Op("short", lambda a, b: a, ("a", "b"), (None,), ("a",))
    with pytest.raises(ValueError, match="saves must be"):
        cr.ops.Op("odd", lambda x: x, ("x",), lambda xp, g, out, x: (g,), ("1",), saves="input")
    assert "twice" not in cr.ops.REGISTRY


@pytest.mark.parametrize(("fn", "x", "local"), [
    (cr.relu, np.nan, 1.0), (lambda t: cr.nn.functional.leaky_relu(t, 0.1), np.nan, 0.1),
    (cr.nn.functional.elu, np.nan, 1.0), (cr.nn.functional.hardtanh, np.nan, 0.0),
    (cr.nn.functional.hardtanh, 1.0, 0.0), (cr.nn.functional.hardtanh, -1.0, 0.0), (cr.relu, 0.0, 0.0),
    (lambda t: t.clamp(min=0.0), 0.0, 1.0), (lambda t: t.clamp(min=0.0), np.nan, 0.0),
    (lambda t: cr.where(t > 0, t * 0.0, t), np.nan, 1.0), (lambda t: cr.where(t > 0, t, t * 0.0), np.nan, 0.0),
])
def test_the_issue_examples_show_what_the_engine_sends(fn: Any, x: float, local: float) -> None:
    """At NaN and at the bounds, the gradient table shows the local derivative the engine applied."""
    t = cr.tensor(x, dtype=cr.float64, requires_grad=True)
    y = fn(t)
    table = cr.explain.gradient_table(y)
    with cr.autograd.observe() as steps:
        y.backward()
    assert t.grad.item() == local
    root = steps[0]  # the op applied last; its input `t` is the last tensor input
    shown = [v for v, x_in in zip(root.local, root.input_tensors) if x_in is t]
    assert shown and float(shown[0]) == local
    if len(steps) == 1:  # one op: its row reads `(formula) = local`
        assert str(table).rstrip().endswith(f"= {local}"), str(table)


def test_one_sided_clamp_formula_names_only_its_bound() -> None:
    x = cr.tensor([0.5, -1.0], requires_grad=True)
    assert x.clamp(min=0).grad_fn.op.formulas == ("1 if x >= min else 0",)
    assert x.clamp(max=0).grad_fn.op.formulas == ("1 if x <= max else 0",)
    assert x.clamp(0, 1).grad_fn.op.formulas == ("1 if min <= x <= max else 0",)
    assert x.clamp(min=0).grad_fn.name() == "ClampBackward1"
