"""`F.pad`, `F.normalize` and `F.cosine_similarity` against `torch.nn.functional` (values, gradients,
errors), and the functional names a PyTorch user expects to find in `F`."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from nn_helpers import close

RNG = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def check(fn_c, fn_t, *arrays: np.ndarray, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Same inputs -> same output (shape, dtype, values) and same input gradients."""
    xs_c = [cr.tensor(a.copy(), requires_grad=True) for a in arrays]
    xs_t = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    yc, yt = fn_c(*xs_c), fn_t(*xs_t)
    assert tuple(yc.shape) == tuple(yt.shape)
    assert str(yc.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
    close(yc, yt, rtol, atol)
    w = RNG.standard_normal(tuple(yt.shape)).astype(arrays[0].dtype)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    for a, b in zip(xs_c, xs_t, strict=True):
        close(a.grad, b.grad, rtol, atol)


def same_error(fn_c, fn_t):
    with pytest.raises(Exception) as ours:
        fn_c()
    with pytest.raises(Exception) as theirs:
        fn_t()
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
    return str(ours.value), str(theirs.value)


# ----------------------------------------------------------------------------- pad
PADS = [
    ((3, 4), (1, 2), {}),
    ((3, 4), (1, 2, 0, 3), {}),
    ((2, 3, 4), (1, 1, 2, 0, 1, 1), {"value": 2.5}),
    ((2, 3, 4, 5), (0, 1, 1, 0), {"mode": "constant", "value": -1.0}),
    ((3, 4), (2, 2), {"value": None}),
    ((3, 4), (-1, 2), {}),  # negative amounts crop
    ((3, 5), (-1, -2, 1, -1), {"value": 7.0}),
    ((2, 6), (0, -6), {}),  # cropped to an empty dimension
    ((2, 3), (-2, -1), {}),
    ((2, 3), (-3, 2), {"value": 1.0}),  # cropped to nothing, then padded
    ((4,), (0, 0), {}),
]


@pytest.mark.parametrize("shape,pad,kw", PADS, ids=[f"{s}-{p}" for s, p, _ in PADS])
def test_pad_matches_torch(shape, pad, kw):
    check(lambda x: F.pad(x, pad, **kw), lambda x: TF.pad(x, pad, **kw), randn(*shape))


def test_pad_positional_arguments_and_list():
    check(lambda x: F.pad(x, [1, 0], "constant", 3.0), lambda x: TF.pad(x, [1, 0], "constant", 3.0), randn(2, 3))


def test_pad_integer_tensor():
    xc, xt = cr.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]])
    yc, yt = F.pad(xc, (1, 1), value=9), TF.pad(xt, (1, 1), value=9)
    np.testing.assert_array_equal(yc.numpy(), yt.numpy())
    assert yc.dtype == cr.int64


@pytest.mark.parametrize("shape,pad", [((3, 4), (1,)), ((3, 4), (1, 1, 1, 1, 1, 1)), ((3,), (1, 2, 3, 4))])
def test_pad_length_errors(shape, pad):
    ours, theirs = same_error(lambda: F.pad(cr.zeros(*shape), pad), lambda: TF.pad(torch.zeros(*shape), pad))
    assert ours == theirs


@pytest.mark.parametrize("pad", [(-2, -2), (-4, 1), (1, -4), (-5, 2)])
def test_pad_cropping_too_much_error(pad):
    ours, theirs = same_error(lambda: F.pad(cr.zeros(2, 3), pad), lambda: TF.pad(torch.zeros(2, 3), pad))
    assert ours.startswith(theirs)


def test_pad_other_modes():
    ours, theirs = same_error(lambda: F.pad(cr.zeros(1, 2, 3), (1, 1), mode="reflect", value=1.0),
                              lambda: TF.pad(torch.zeros(1, 2, 3), (1, 1), mode="reflect", value=1.0))
    assert ours == theirs  # the modes themselves: tests/nn/functional/test_conv_padding_modes.py


# ----------------------------------------------------------------------------- normalize
NORMALIZE = [
    ((4, 5), {}),
    ((4, 5), {"dim": -1}),
    ((4, 5), {"dim": 0}),
    ((2, 3, 4), {"p": 1}),
    ((2, 3, 4), {"p": 3.0, "dim": 2}),
    ((2, 3, 4), {"p": math.inf, "dim": 1}),
    ((2, 3, 4), {"dim": (1, 2)}),
    ((5,), {"dim": 0}),
    ((4, 5), {"eps": 10.0}),  # the norm is clamped: no gradient through it
    ((4, 5), {"p": 2, "dim": 1, "eps": 1e-6}),
]


@pytest.mark.parametrize("shape,kw", NORMALIZE, ids=[f"{s}-{k}" for s, k in NORMALIZE])
def test_normalize_matches_torch(shape, kw):
    check(lambda x: F.normalize(x, **kw), lambda x: TF.normalize(x, **kw), randn(*shape))


def test_normalize_zero_rows_and_positional_arguments():
    x = randn(4, 3)
    x[1] = 0.0
    check(lambda t: F.normalize(t, 2.0, 1, 1e-12), lambda t: TF.normalize(t, 2.0, 1, 1e-12), x)
    check(lambda t: F.normalize(t, 1.0, 1), lambda t: TF.normalize(t, 1.0, 1), x)


def test_normalize_float64_and_gradcheck():
    x = RNG.standard_normal((3, 4))
    check(lambda t: F.normalize(t), lambda t: TF.normalize(t), x, rtol=1e-12, atol=1e-14)
    assert cr.gradcheck(lambda t: F.normalize(t, dim=0), [cr.tensor(x, requires_grad=True)])


def test_normalize_rows_have_unit_norm():
    y = F.normalize(cr.tensor(randn(6, 8) * 5))
    np.testing.assert_allclose(np.linalg.norm(y.numpy(), axis=1), 1.0, rtol=1e-6)


def test_normalize_dim_out_of_range():
    ours, theirs = same_error(lambda: F.normalize(cr.ones(3)), lambda: TF.normalize(torch.ones(3)))
    assert "out of range" in ours.lower() and "out of range" in theirs.lower()


# ----------------------------------------------------------------------------- cosine_similarity
COSINE = [
    ((4, 5), (4, 5), {}),
    ((4, 5), (1, 5), {}),  # broadcast over the batch
    ((3, 4, 5), (3, 4, 5), {"dim": -1}),
    ((3, 4, 5), (4, 5), {"dim": 1}),
    ((5,), (5,), {"dim": 0}),
    ((2, 5), (3, 1, 5), {"dim": -1}),
    ((4, 5), (4, 5), {"eps": 10.0}),  # clamped norms, gradient of the unclamped formula
]


@pytest.mark.parametrize("s1,s2,kw", COSINE, ids=[f"{a}-{b}-{k}" for a, b, k in COSINE])
def test_cosine_similarity_matches_torch(s1, s2, kw):
    check(lambda a, b: F.cosine_similarity(a, b, **kw), lambda a, b: TF.cosine_similarity(a, b, **kw),
          randn(*s1), randn(*s2))


def test_cosine_similarity_zero_vectors_and_parallel_vectors():
    a, b = randn(4, 3), randn(4, 3)
    a[0] = 0.0
    b[1] = 0.0
    b[2] = a[2] * 3.0  # parallel: similarity 1
    b[3] = -a[3]
    check(lambda x, y: F.cosine_similarity(x, y), lambda x, y: TF.cosine_similarity(x, y), a, b)


def test_cosine_similarity_float64():
    a, b = RNG.standard_normal((3, 6)), RNG.standard_normal((3, 6))
    check(lambda x, y: F.cosine_similarity(x, y, dim=1), lambda x, y: TF.cosine_similarity(x, y, dim=1), a, b,
          rtol=1e-12, atol=1e-14)
    assert cr.gradcheck(lambda x, y: F.cosine_similarity(x, y), [cr.tensor(a, requires_grad=True),
                                                               cr.tensor(b, requires_grad=True)])


def test_cosine_similarity_module_free_usage_in_a_loss():
    """A common snippet: 1 - cos(a, b), averaged, as a loss."""
    a, b = randn(8, 16), randn(8, 16)
    check(lambda x, y: (1 - F.cosine_similarity(x, y)).mean(), lambda x, y: (1 - TF.cosine_similarity(x, y)).mean(),
          a, b)


# ----------------------------------------------------------------------------- what F offers
NAMES = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "hardtanh", "hardtanh_", "relu6", "gelu",
         "silu", "softplus", "sigmoid", "tanh", "softmax", "log_softmax", "logsigmoid", "dropout", "linear",
         "conv2d", "max_pool2d", "avg_pool2d", "pad", "normalize", "cosine_similarity", "one_hot", "embedding",
         "layer_norm", "batch_norm", "mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
         "binary_cross_entropy_with_logits"]


@pytest.mark.parametrize("name", NAMES)
def test_functional_names_exist_like_torch(name):
    assert callable(getattr(TF, name))
    assert callable(getattr(F, name))


def test_functional_softmax_sigmoid_tanh_one_hot_still_match():
    x = randn(3, 5)
    check(lambda t: F.softmax(t, dim=1), lambda t: TF.softmax(t, dim=1), x)
    check(lambda t: F.log_softmax(t, -1), lambda t: TF.log_softmax(t, -1), x)
    check(F.sigmoid, TF.sigmoid, x)
    check(F.tanh, TF.tanh, x)
    np.testing.assert_array_equal(F.one_hot(cr.tensor([0, 2, 1]), 4).numpy(),
                                  TF.one_hot(torch.tensor([0, 2, 1]), 4).numpy())
