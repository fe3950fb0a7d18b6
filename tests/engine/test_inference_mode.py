"""`inference_mode` and the decorator forms of the grad modes, side by side with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _outcome(fn):
    """What a scenario gives: its value, or the type of the exception and the start of its message."""
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - compared across libraries below
        return (type(exc).__name__, str(exc).split(".")[0].split(": ", 1)[-1])


def _scenarios(lib):
    """The same user program written against `lib` (torch or chainrule): a dict of named outcomes."""
    out = {}
    x = lib.ones(3, requires_grad=True)
    w = lib.ones(3, requires_grad=True)
    with lib.inference_mode():
        a = lib.ones(3)
        b = x * 2
        out["inside"] = (lib.is_inference_mode_enabled(), lib.is_grad_enabled())
        out["a"] = (a.is_inference(), a.requires_grad)
        out["b"] = (b.is_inference(), b.requires_grad, b.grad_fn is None)
        out["view"] = a[0:2].is_inference()
        with lib.enable_grad():
            c = x * 2
            out["enable_grad inside"] = (c.requires_grad, c.is_inference(), lib.is_grad_enabled())
        with lib.inference_mode(False):
            d = x * 2
            out["inference_mode(False)"] = (d.requires_grad, d.is_inference(), lib.is_inference_mode_enabled())
        e = lib.ones(2, requires_grad=True)
        out["leaf requiring grad"] = (e.requires_grad, e.is_inference())
        a2 = lib.ones(3)
        a2.add_(1)  # in place inside the mode: allowed
        n = lib.zeros(2)
    out["after"] = (lib.is_inference_mode_enabled(), lib.is_grad_enabled(), x.is_inference())
    out["normal tensor"] = n.is_inference()
    out["mul saves it"] = _outcome(lambda: (a * w).sum().item())
    out["matmul saves it"] = _outcome(lambda: (a @ w).item())
    out["add does not"] = _outcome(lambda: (a + w).sum().item())
    out["no grad needed"] = _outcome(lambda: (a * 2).is_inference())
    out["clone is normal"] = _outcome(lambda: a.clone().is_inference())
    out["clone in autograd"] = _outcome(lambda: (a.clone() * w).sum().item())
    out["under no_grad"] = _outcome(lambda: _no_grad_product(lib, a, w))
    # (PyTorch writes before it raises on the next three; chainrule raises before writing: so they come last)
    out["in place outside"] = _outcome(lambda: a.add_(1).sum().item())
    out["setitem outside"] = _outcome(lambda: a.__setitem__(0, 5.0))
    out["mul_ outside"] = _outcome(lambda: a.mul_(2).sum().item())
    out["requires_grad_ outside"] = _outcome(lambda: a.requires_grad_().requires_grad)
    return out


def _no_grad_product(lib, a, w):
    with lib.no_grad():
        return (a * w).sum().item()


def test_inference_mode_matches_torch():
    mine = _scenarios(cr)
    theirs = _scenarios(torch)
    assert mine.keys() == theirs.keys()
    for key in theirs:
        if key == "setitem outside":  # the same exception; chainrule's message names the operation first
            assert mine[key][0] == theirs[key][0] == "RuntimeError"
        else:
            assert mine[key] == theirs[key], key
    assert mine["in place outside"][1] == "Inplace update to inference tensor outside InferenceMode is not allowed"


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_grad_mode_decorators_with_and_without_parentheses(lib):
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad
    def bare(t):
        return t * 2

    @lib.no_grad()
    def called(t):
        return t * 2

    @lib.inference_mode
    def inf_bare(t):
        return t * 2

    @lib.inference_mode()
    def inf_called(t):
        return t * 2

    @lib.inference_mode(False)
    def not_inf(t):
        return t * 2

    @lib.set_grad_enabled(False)
    def disabled(t):
        return t * 2

    assert lib.is_grad_enabled()  # the decorator form of set_grad_enabled leaves the mode alone outside
    got = [bare(x).requires_grad, called(x).requires_grad, inf_bare(x).is_inference(), inf_called(x).is_inference(),
           not_inf(x).requires_grad, disabled(x).requires_grad]
    assert got == [False, False, True, True, True, False]
    with lib.no_grad():
        assert lib.enable_grad(lambda t: t * 2)(x).requires_grad
    assert bare.__name__ == "bare"


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_decorated_generators_hold_the_mode_only_while_running(lib):
    x = lib.ones(1, requires_grad=True)
    seen = []

    @lib.no_grad()
    def gen():
        for _ in range(3):
            seen.append(lib.is_grad_enabled())
            received = yield (x * 2).requires_grad
            seen.append(received)

    g = gen()
    first = next(g)
    outside = lib.is_grad_enabled()
    second = g.send("sent")
    g.close()
    assert (first, outside, second) == (False, True, False)
    assert seen == [False, "sent", False]
    assert lib.is_grad_enabled()

    @lib.inference_mode()
    def returns():
        yield lib.is_inference_mode_enabled()
        return "done"

    g = returns()
    assert next(g) is True
    assert not lib.is_inference_mode_enabled()
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"


def test_set_grad_enabled_as_a_call_and_a_context_like_torch():
    for lib in (cr, torch):
        lib.set_grad_enabled(False)
        assert not lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            assert not lib.is_grad_enabled()
        assert lib.is_grad_enabled()


def test_anomaly_switches_like_torch():
    for lib in (cr, torch):
        assert not lib.is_anomaly_enabled()
        with lib.autograd.set_detect_anomaly(True):
            assert lib.is_anomaly_enabled()
        assert not lib.is_anomaly_enabled()
        with lib.autograd.detect_anomaly(check_nan=False):
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        assert lib.is_anomaly_check_nan_enabled()


def test_detect_anomaly_check_nan_false_keeps_the_nan_gradient_like_torch():
    for lib in (cr, torch):
        x = lib.tensor(0.0, requires_grad=True)
        with lib.autograd.detect_anomaly(check_nan=False):
            (lib.sqrt(x) * 0.0).backward()
        assert np.isnan(x.grad.item())


def test_inference_tensor_can_be_used_after_clone_in_training():
    model = cr.nn.Linear(3, 1)
    with cr.inference_mode():
        features = cr.ones(4, 3) * 2
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        model(features)
    model(features.clone()).sum().backward()
    assert model.weight.grad is not None
