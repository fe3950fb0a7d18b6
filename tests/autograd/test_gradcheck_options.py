"""gradcheck/gradgradcheck with PyTorch's keyword arguments: fast_mode, nondet_tol, check_undefined_grad,
check_grad_dtypes, check_forward_ad, check_backward_ad; the same verdicts as torch on right and wrong rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.ops.registry import Op

rng = np.random.default_rng(5)
A = rng.standard_normal((3, 4))


def _wrong_exp() -> Op:
    # exp with a derivative off by 10%: only gradcheck can tell
    return _op("wrong_exp", np.exp, lambda xp, g, out, x: (g * 1.1 * out,))


def _op(name, forward, vjp):
    return Op(name, forward, ("x",), vjp, ("vjp",), saves="both")


def fns(lib):
    return [lambda t: (t.exp() * t).sum(dim=1), lambda t: (t.tanh(), t.sin().sum()), lambda t, u: t @ u.T]


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("i", range(3))
def test_correct_rules_pass_like_torch(fast_mode, i):
    arrays = [A, A[:2]][: 1 + (i == 2)]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    assert torch.autograd.gradcheck(fns(torch)[i], theirs, fast_mode=fast_mode)
    assert cr.gradcheck(fns(cr)[i], ours, fast_mode=fast_mode, check_forward_ad=True)
    assert cr.autograd.gradgradcheck(fns(cr)[i], ours, fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_wrong_rule_fails_in_both_modes(fast_mode):
    wrong = _wrong_exp()
    x = cr.tensor(A, requires_grad=True)
    with pytest.raises(cr.autograd.GradcheckError, match="fast mode" if fast_mode else r"input 0, element"):
        cr.gradcheck(lambda t: cr.ops.apply(wrong, (t,)), (x,), fast_mode=fast_mode)
    assert cr.gradcheck(lambda t: cr.ops.apply(wrong, (t,)), (x,), fast_mode=fast_mode,
                        raise_exception=False) is False
    # forward mode alone sees the same wrong rule (chainrule's jvp is built on the VJP)
    with pytest.raises(cr.autograd.GradcheckError, match="forward-mode"):
        cr.gradcheck(lambda t: cr.ops.apply(wrong, (t,)), (x,), fast_mode=fast_mode, check_forward_ad=True,
                     check_backward_ad=False)


def test_fast_mode_leaves_the_user_random_state_alone():
    cr.manual_seed(3)
    expected = cr.rand(2).numpy()
    cr.manual_seed(3)
    cr.gradcheck(lambda t: t.sin(), (cr.tensor(A, requires_grad=True),), fast_mode=True)
    np.testing.assert_array_equal(cr.rand(2).numpy(), expected)


def test_nondeterministic_backward_needs_nondet_tol():
    state = {"n": 0}

    def flaky_backward(xp, g, out, x):
        state["n"] += 1
        return (g * out * (1 + 1e-12 * state["n"]),)

    flaky = _op("flaky_exp", np.exp, flaky_backward)
    x = cr.tensor(A, requires_grad=True)
    with pytest.raises(cr.autograd.GradcheckError, match="Backward is not reentrant"):
        cr.gradcheck(lambda t: cr.ops.apply(flaky, (t,)), (x,))
    assert cr.gradcheck(lambda t: cr.ops.apply(flaky, (t,)), (x,), nondet_tol=1e-7)
    with pytest.raises(cr.autograd.GradcheckError, match="Backward is not reentrant"):
        cr.gradcheck(lambda t: cr.ops.apply(flaky, (t,)), (x,), fast_mode=True)


def test_undefined_grad_and_grad_dtypes():
    biased = _op("biased", lambda x: x * 2, lambda xp, g, out, x: (g * 2 + 1,))
    x = cr.tensor([0.5, 1.5], dtype=cr.float64, requires_grad=True)
    # the rule adds 1 even for a zero output gradient: wrong Jacobian and wrong undefined-grad behaviour
    assert cr.gradcheck(lambda t: cr.ops.apply(biased, (t,)), (x,), raise_exception=False) is False
    with pytest.raises(cr.autograd.GradcheckError, match="Expected all input grads to be undefined or zero"):
        cr.gradcheck(lambda t: cr.ops.apply(biased, (t,)), (x,), atol=2.0)  # Jacobian within atol, zeros not
    assert cr.gradcheck(lambda t: cr.ops.apply(biased, (t,)), (x,), atol=2.0, check_undefined_grad=False)
    # the engine casts every gradient to its input's dtype, so check_grad_dtypes holds by construction
    f32 = _op("f32_grad", lambda x: x * 2, lambda xp, g, out, x: ((g * 2).astype(np.float32),))
    assert cr.gradcheck(lambda t: cr.ops.apply(f32, (t,)), (x,), check_grad_dtypes=True)


def test_option_errors_match_torch():
    x = cr.tensor([1.0], dtype=cr.float64, requires_grad=True)
    tx = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    for kwargs in ({"check_backward_ad": False}, {"check_batched_grad": True, "check_backward_ad": False,
                                                  "check_forward_ad": True},
                   {"check_batched_forward_grad": True}):
        with pytest.raises(AssertionError) as theirs:
            torch.autograd.gradcheck(lambda t: t * 2, (tx,), **kwargs)
        with pytest.raises(AssertionError) as ours:
            cr.gradcheck(lambda t: t * 2, (x,), **kwargs)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient"):
        cr.gradcheck(lambda t: t * 2, (cr.tensor([1.0], dtype=cr.float64),))
    assert cr.gradcheck(lambda t: t * 2, (x,), check_batched_grad=True, masked=False, eps=1e-7, atol=1e-6, rtol=1e-4)


def test_gradgradcheck_takes_grad_outputs_like_torch():
    x = cr.tensor(A[0], requires_grad=True)
    go = cr.tensor(A[1], requires_grad=True)
    assert cr.autograd.gradgradcheck(lambda t: t.sin() * t, (x,), (go,))
    assert cr.autograd.gradgradcheck(lambda t: t.sin() * t, (x,), (cr.tensor(A[1]),), fast_mode=True)
    assert cr.autograd.gradgradcheck(lambda t: (t**3).sum(), (x,), check_fwd_over_rev=True)
