"""The layers' own ops (linear, conv2d, pooling, unfold/fold, fused losses) against float64 finite differences,
first and second order."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.ops import conv as ops
from chainrule.ops import linalg, losses

RNG = np.random.default_rng(0)


def t64(*shape: int) -> cr.Tensor:
    return cr.tensor(RNG.standard_normal(shape), dtype=cr.float64, requires_grad=True)


CASES = [
    ("linear", lambda x, w, b: F.linear(x, w, b), ((3, 4), (2, 4), (2,))),
    ("linear_3d", lambda x, w, b: F.linear(x, w, b), ((2, 3, 4), (2, 4), (2,))),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b), ((2, 2, 5, 4), (3, 2, 3, 2), (3,))),
    ("conv2d_stride_pad", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), ((1, 2, 5, 5), (2, 2, 3, 3), (2,))),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), ((2, 2, 4, 4),)),
    ("max_pool2d_overlap_pad", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), ((1, 2, 5, 5),)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), ((2, 2, 4, 6),)),
    ("avg_pool2d_overlap_pad", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), ((1, 2, 5, 5),)),
    ("unfold", lambda x: ops.unfold(x, (2, 3), (1, 2), (1, 0)), ((2, 2, 4, 5),)),
    ("cross_entropy", lambda x: F.cross_entropy(x, cr.tensor([0, 2, 1]), label_smoothing=0.1), ((3, 4),)),
    ("cross_entropy_none", lambda x: F.cross_entropy(x, cr.tensor([0, 2, 1]), reduction="none"), ((3, 4),)),
    ("nll_loss", lambda x: F.nll_loss(x, cr.tensor([0, 2, 1]), reduction="sum"), ((3, 4),)),
    ("bce_logits", lambda x: F.binary_cross_entropy_with_logits(x, cr.tensor([[0.0, 1.0], [0.3, 1.0]])), ((2, 2),)),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), ((3, 4), (4,), (4,))),
]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name: str, fn, shapes: tuple) -> None:
    assert cr.gradcheck(fn, [t64(*s) for s in shapes])


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(name: str, fn, shapes: tuple) -> None:
    inputs = [t64(*s) for s in shapes]
    if name.startswith(("max_pool", "avg_pool", "unfold", "linear", "conv")):
        # piecewise linear / bilinear: weight the output so that the first gradients depend on the input
        weight = cr.tensor(RNG.standard_normal(fn(*inputs).shape), dtype=cr.float64)
        assert cr.autograd.gradgradcheck(lambda *xs: fn(*xs) * fn(*xs) * weight, inputs)
    else:
        assert cr.autograd.gradgradcheck(fn, inputs)


def test_bce_on_probabilities_gradcheck() -> None:
    p = cr.tensor(RNG.uniform(0.1, 0.9, (2, 3)), dtype=cr.float64, requires_grad=True)
    y = cr.tensor(RNG.random((2, 3)), dtype=cr.float64)
    assert cr.gradcheck(lambda p: F.binary_cross_entropy(p, y), [p])


def test_fold_is_the_adjoint_of_unfold() -> None:
    """<unfold(x), c> == <x, fold(c)> for random x and c: col2im is exactly im2col's transpose."""
    x = RNG.standard_normal((2, 3, 6, 5))
    cols = ops.np_unfold(x, (3, 2), (2, 1), (1, 1))
    c = RNG.standard_normal(cols.shape)
    back = ops.np_fold(c, (6, 5), (3, 2), (2, 1), (1, 1))
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum(), rtol=1e-12)


def test_ops_have_formulas_for_explanations() -> None:
    for op in (linalg.LINEAR, ops.CONV2D, ops.MAX_POOL2D, ops.AVG_POOL2D, losses.CROSS_ENTROPY):
        assert op.formulas and all(isinstance(f, str) and f for f in op.formulas)
    x = cr.randn(1, 1, 4, 4, requires_grad=True)
    y = F.conv2d(x, cr.randn(2, 1, 3, 3))
    assert y.grad_fn.name() == "ConvolutionBackward0"


def test_observe_shows_each_layer_of_a_training_step() -> None:
    model = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.ReLU(), cr.nn.Linear(3, 2))
    x = cr.tensor(RNG.standard_normal((5, 4)), dtype=cr.float32)
    with cr.autograd.observe() as steps:
        F.cross_entropy(model(x), cr.tensor([0, 1, 0, 1, 1])).backward()
    assert [s.op_name for s in steps] == ["cross_entropy", "linear", "relu", "linear"]
    last = steps[1]
    np.testing.assert_allclose(last.contributions[1], model[2].weight.grad.numpy(), rtol=1e-6)
    assert last.formulas == ("G @ W", "G^T @ x", "sum of G over the batch")
