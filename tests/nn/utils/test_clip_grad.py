"""`cr.nn.utils` against `torch.nn.utils`: gradient clipping (values, the returned norm, in-place writes,
skipped parameters, errors) and parameters_to_vector / vector_to_parameters."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn.utils as cr_utils
from chainrule.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters
from nn_helpers import close, copy_weights

RNG = np.random.default_rng(0)


def _models(scale: float = 1.0, dtype: str = "float32"):
    """The same small MLP in both libraries, after one backward pass (gradients scaled by `scale`)."""
    def build(m):
        return m.Sequential(m.Linear(4, 5), m.Tanh(), m.Linear(5, 3))

    ours, theirs = build(cr.nn), build(torch.nn)
    if dtype == "float64":
        ours, theirs = ours.double(), theirs.double()
    copy_weights(ours, theirs)
    x = RNG.standard_normal((6, 4)).astype(dtype)
    (ours(cr.tensor(x)).sum() * scale).backward()
    (theirs(torch.tensor(x)).sum() * scale).backward()
    return ours, theirs


def _grads_close(ours, theirs, rtol=1e-5, atol=1e-6):
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        if q.grad is None:
            assert p.grad is None, name
        else:
            close(p.grad, q.grad, rtol, atol)


def test_importable_as_attribute_and_module():
    assert cr.nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert cr_utils.clip_grad_value_ is clip_grad_value_
    assert cr.nn.utils.parameters_to_vector is parameters_to_vector


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, 0.5, math.inf, "inf", 0])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _models(scale=3.0)
    grads = [p.grad for p in ours.parameters()]
    versions = [g._version for g in grads]
    total_c = clip_grad_norm_(ours.parameters(), max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm, norm_type=norm_type)
    assert isinstance(total_c, cr.Tensor) and total_c.shape == () and total_c.dtype == cr.float32
    assert not total_c.requires_grad and total_c.grad_fn is None
    close(total_c, total_t, rtol=1e-5)
    _grads_close(ours, theirs)
    # written in place: the same gradient tensors, each one modified once
    assert all(p.grad is g for p, g in zip(ours.parameters(), grads, strict=True))
    assert all(g._version == v + 1 for g, v in zip(grads, versions, strict=True))


def test_clip_grad_norm_writes_through_aliases_of_the_grad():
    ours, theirs = _models(scale=5.0)
    alias = ours[0].weight.grad.view(-1)
    clip_grad_norm_(ours.parameters(), 0.5)
    torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
    close(alias, theirs[0].weight.grad.view(-1))


def test_clip_grad_norm_float64():
    ours, theirs = _models(scale=2.0, dtype="float64")
    total_c = clip_grad_norm_(ours.parameters(), 0.3)
    total_t = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.3)
    assert total_c.dtype == cr.float64
    close(total_c, total_t, rtol=1e-12, atol=0)
    _grads_close(ours, theirs, rtol=1e-12, atol=0)


def test_clip_grad_norm_single_tensor_and_list():
    g = RNG.standard_normal((3, 4)).astype(np.float32)
    pc = cr.tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    pt = torch.zeros(3, 4, requires_grad=True)
    pc.grad, pt.grad = cr.tensor(g.copy()), torch.tensor(g.copy())
    close(clip_grad_norm_(pc, 1.0), torch.nn.utils.clip_grad_norm_(pt, 1.0))
    close(pc.grad, pt.grad)
    close(clip_grad_norm_([pc], 0.5, norm_type=1), torch.nn.utils.clip_grad_norm_([pt], 0.5, norm_type=1))
    close(pc.grad, pt.grad)


def test_clip_grad_norm_skips_parameters_without_grad():
    ours, theirs = _models(scale=4.0)
    ours[2].bias.grad = None
    theirs[2].bias.grad = None
    close(clip_grad_norm_(ours.parameters(), 0.2), torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.2))
    _grads_close(ours, theirs)
    assert ours[2].bias.grad is None


def test_clip_grad_norm_without_any_grad_returns_zero():
    ours, theirs = cr.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    total_c = clip_grad_norm_(ours.parameters(), 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
    assert total_c.dtype == cr.float32 and float(total_c) == float(total_t) == 0.0
    assert ours.weight.grad is None


def test_clip_grad_norm_empty_generator_warns_like_torch():
    with pytest.warns(UserWarning, match="empty generator") as ours:
        clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(UserWarning, match="empty generator") as theirs:
        torch.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    assert str(ours[0].message) == str(theirs[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_([], 1.0)  # an empty list does not warn


def test_clip_coefficient_is_clamped_to_one_and_uses_eps():
    # total norm 1.0 and max_norm 1.0: the coefficient 1 / (1 + 1e-6) is below 1, so torch scales slightly
    pc = cr.zeros(2, requires_grad=True)
    pt = torch.zeros(2, requires_grad=True)
    pc.grad, pt.grad = cr.tensor([0.6, 0.8]), torch.tensor([0.6, 0.8])
    clip_grad_norm_(pc, 1.0)
    torch.nn.utils.clip_grad_norm_(pt, 1.0)
    np.testing.assert_array_equal(pc.grad.numpy(), pt.grad.numpy())
    assert pc.grad.numpy()[0] < np.float32(0.6)
    pc.grad, pt.grad = cr.tensor([0.6, 0.8]), torch.tensor([0.6, 0.8])
    clip_grad_norm_(pc, 10.0)  # coefficient clamped to 1: unchanged
    np.testing.assert_array_equal(pc.grad.numpy(), np.array([0.6, 0.8], np.float32))


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_error_if_nonfinite(bad):
    pc = cr.zeros(3, requires_grad=True)
    pt = torch.zeros(3, requires_grad=True)
    pc.grad, pt.grad = cr.tensor([1.0, bad, 2.0]), torch.tensor([1.0, bad, 2.0])
    with pytest.raises(RuntimeError) as ours:
        clip_grad_norm_(pc, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.clip_grad_norm_(pt, 1.0, error_if_nonfinite=True)
    assert str(ours.value) == str(theirs.value)
    assert "total norm of order 2.0" in str(ours.value)
    np.testing.assert_array_equal(pc.grad.numpy(), pt.grad.numpy())  # nothing was clipped
    # without the flag the gradients are scaled by the non-finite norm, as in PyTorch
    total_c = clip_grad_norm_(pc, 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(pt, 1.0)
    np.testing.assert_array_equal(total_c.numpy(), total_t.numpy())
    np.testing.assert_array_equal(pc.grad.numpy(), pt.grad.numpy())


def test_error_names_the_norm_order():
    pc = cr.zeros(1, requires_grad=True)
    pc.grad = cr.tensor([math.inf])
    with pytest.raises(RuntimeError, match="total norm of order inf"):
        clip_grad_norm_(pc, 1.0, norm_type="inf", error_if_nonfinite=True)


def test_foreach_is_accepted():
    ours, theirs = _models(scale=3.0)
    close(clip_grad_norm_(ours.parameters(), 0.5, foreach=True),
          torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5, foreach=True))
    clip_grad_value_(ours.parameters(), 0.01, foreach=False)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.01, foreach=False)
    _grads_close(ours, theirs)


def test_get_total_norm_and_clip_grads_with_norm_():
    ours, theirs = _models(scale=3.0)
    grads_c = [p.grad for p in ours.parameters()]
    grads_t = [p.grad for p in theirs.parameters()]
    total_c = cr.nn.utils.get_total_norm(grads_c, 3.0)
    total_t = torch.nn.utils.get_total_norm(grads_t, 3.0)
    close(total_c, total_t)
    cr.nn.utils.clip_grads_with_norm_(ours.parameters(), 0.25, total_c)
    torch.nn.utils.clip_grads_with_norm_(theirs.parameters(), 0.25, total_t)
    _grads_close(ours, theirs)


def test_clip_grad_norm_deprecated_alias_warns():
    ours, theirs = _models()
    with pytest.warns(FutureWarning):
        total_c = cr.nn.utils.clip_grad_norm(ours.parameters(), 0.5)
    with pytest.warns(FutureWarning):
        total_t = torch.nn.utils.clip_grad_norm(theirs.parameters(), 0.5)
    close(total_c, total_t)


@pytest.mark.parametrize("clip_value", [0.01, 0.3, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = _models(scale=3.0)
    grads = [p.grad for p in ours.parameters()]
    assert clip_grad_value_(ours.parameters(), clip_value) is None
    assert torch.nn.utils.clip_grad_value_(theirs.parameters(), clip_value) is None
    _grads_close(ours, theirs)
    assert all(p.grad is g for p, g in zip(ours.parameters(), grads, strict=True))


def test_clip_grad_value_single_tensor_skips_missing_grad_keeps_nan():
    pc = cr.zeros(4, requires_grad=True)
    pt = torch.zeros(4, requires_grad=True)
    pc.grad, pt.grad = cr.tensor([-3.0, 0.5, math.nan, 2.0]), torch.tensor([-3.0, 0.5, math.nan, 2.0])
    clip_grad_value_(pc, 1)
    torch.nn.utils.clip_grad_value_(pt, 1)
    np.testing.assert_array_equal(pc.grad.numpy(), pt.grad.numpy())
    nograd = cr.zeros(2, requires_grad=True)
    clip_grad_value_([nograd, pc], 0.1)
    assert nograd.grad is None


def test_clipping_inside_a_training_step():
    """The usual loop: backward, clip, step; the parameters follow PyTorch's for several steps."""
    ours, theirs = _models()
    opt_c = cr.optim.SGD(ours.parameters(), lr=0.5)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.5)
    x = RNG.standard_normal((8, 4)).astype(np.float32)
    y = RNG.standard_normal((8, 3)).astype(np.float32)
    for _ in range(5):
        opt_c.zero_grad()
        opt_t.zero_grad()
        cr.nn.functional.mse_loss(ours(cr.tensor(x)), cr.tensor(y)).backward()
        torch.nn.functional.mse_loss(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        close(clip_grad_norm_(ours.parameters(), 0.1), torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.1))
        opt_c.step()
        opt_t.step()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        close(p, q, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- parameters <-> vector
def test_parameters_to_vector_matches_torch_and_is_differentiable():
    ours, theirs = cr.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    copy_weights(ours, theirs)
    vc = parameters_to_vector(ours.parameters())
    vt = torch.nn.utils.parameters_to_vector(theirs.parameters())
    assert vc.shape == vt.shape == (8,)
    close(vc, vt)
    assert vc.grad_fn is not None and vc.grad_fn.name() == vt.grad_fn.name()
    w = RNG.standard_normal(8).astype(np.float32)
    (vc * cr.tensor(w)).sum().backward()
    (vt * torch.tensor(w)).sum().backward()
    _grads_close(ours, theirs)


def test_vector_to_parameters_copies_and_aliases_like_torch():
    ours, theirs = cr.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    values = np.arange(8, dtype=np.float32)
    vc, vt = cr.tensor(values.copy()), torch.tensor(values.copy())
    assert vector_to_parameters(vc, ours.parameters()) is None
    torch.nn.utils.vector_to_parameters(vt, theirs.parameters())
    close(ours.weight, theirs.weight)
    close(ours.bias, theirs.bias)
    assert isinstance(ours.weight, cr.nn.Parameter) and ours.weight.requires_grad
    # as in PyTorch, the parameters now share the vector's memory
    with cr.no_grad():
        vc.mul_(2)
    with torch.no_grad():
        vt.mul_(2)
    close(ours.weight, theirs.weight)
    close(ours.bias, theirs.bias)


def test_vector_to_parameters_rejects_a_non_tensor():
    with pytest.raises(TypeError) as ours:
        vector_to_parameters([1.0, 2.0], cr.nn.Linear(1, 1).parameters())
    with pytest.raises(TypeError) as theirs:
        torch.nn.utils.vector_to_parameters([1.0, 2.0], torch.nn.Linear(1, 1).parameters())
    assert str(ours.value) == str(theirs.value) == "expected torch.Tensor, but got: list"
