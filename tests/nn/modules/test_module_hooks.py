"""Module hooks against PyTorch: forward pre-hooks and hooks (replacing args and outputs, with_kwargs,
prepend, always_call), full backward (pre-)hooks (arguments, None where no gradient, replacing grads),
global hooks, removable handles, and the errors for bad hook results."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import chainrule as cr

DTYPES = [(cr.float32, torch.float32), (cr.float64, torch.float64)]


def _np(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        return v.detach().numpy().astype(np.float64)
    if isinstance(v, cr.Tensor):
        return np.asarray(v.detach().numpy(), np.float64)
    if isinstance(v, tuple | list):
        return tuple(_np(x) for x in v)
    return v


def _same(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _same(x, y)
    elif a is None or b is None:
        assert a is None and b is None, (a, b)
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    else:
        assert a == b


def _net(lib: Any, dtype: Any) -> Any:
    lib.manual_seed(0) if lib is torch else None
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    net.to(dtype)
    return net


def _pair(cdt: Any, tdt: Any) -> tuple[Any, Any]:
    ours, theirs = _net(cr, cdt), _net(torch, tdt)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _x(lib: Any, dtype: Any, requires_grad: bool = True) -> Any:
    data = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    return lib.tensor(data, dtype=dtype, requires_grad=requires_grad)


def _run(lib: Any, net: Any, dtype: Any, setup: Any, requires_grad: bool = True) -> tuple[list, dict]:
    log: list = []
    setup(lib, net, log)
    x = _x(lib, dtype, requires_grad)
    out = net(x)
    log.append(("out", _np(out)))
    (out * out).sum().backward()
    grads = {n: _np(p.grad) for n, p in net.named_parameters()}
    grads["x"] = _np(x.grad)
    return log, grads


def _compare(setup: Any, cdt: Any, tdt: Any, requires_grad: bool = True) -> list:
    ours, theirs = _pair(cdt, tdt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log_c, grads_c = _run(cr, ours, cdt, setup, requires_grad)
        log_t, grads_t = _run(torch, theirs, tdt, setup, requires_grad)
    assert [e[0] for e in log_c] == [e[0] for e in log_t]
    for a, b in zip(log_c, log_t):
        _same(tuple(a), tuple(b))
    assert grads_c.keys() == grads_t.keys()
    for k in grads_c:
        _same(grads_c[k], grads_t[k])
    return log_c


@pytest.mark.parametrize("cdt,tdt", DTYPES)
def test_forward_pre_hook_and_hook_order_and_replacement(cdt: Any, tdt: Any) -> None:
    def setup(lib: Any, net: Any, log: list) -> None:
        net[0].register_forward_pre_hook(lambda m, args: log.append(("pre0", _np(args))))
        net[0].register_forward_pre_hook(lambda m, args: args[0] * 2)  # a single value: wrapped in a tuple
        net[0].register_forward_pre_hook(lambda m, args: log.append(("pre-first", _np(args))), prepend=True)
        net[0].register_forward_hook(lambda m, args, out: log.append(("fwd0", _np(args), _np(out))))
        net[2].register_forward_hook(lambda m, args, out: out + 1)  # replaces the output
        net[2].register_forward_hook(lambda m, args, out: log.append(("fwd2", _np(out))))
        net.register_forward_hook(lambda m, args, out: log.append(("net", _np(out))))

    log = _compare(setup, cdt, tdt)
    assert [e[0] for e in log] == ["pre-first", "pre0", "fwd0", "fwd2", "net", "out"]


@pytest.mark.parametrize("cdt,tdt", DTYPES)
def test_with_kwargs_hooks(cdt: Any, tdt: Any) -> None:
    class Scale:
        def __init__(self, lib: Any) -> None:
            class M(lib.nn.Module):
                def forward(self, x: Any, scale: float = 1.0) -> Any:
                    return x * scale
            self.m = M()

    for lib, dt in ((cr, cdt), (torch, tdt)):
        m = Scale(lib).m
        seen: list = []
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": kwargs["scale"] * 10}),
                                    with_kwargs=True)
        def after(mod: Any, args: Any, kwargs: Any, out: Any) -> Any:
            seen.append(kwargs["scale"])  # noqa: B023 - called inside this iteration
            return out * 2

        m.register_forward_hook(after, with_kwargs=True)
        out = m(lib.ones(2, dtype=dt), scale=0.5)
        assert seen == [5.0]
        np.testing.assert_allclose(_np(out), [10.0, 10.0])


def test_pre_hook_with_kwargs_bad_return() -> None:
    m = cr.nn.Identity()
    m.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook must return None or a tuple of \(new_args, new_kwargs\)"):
        m(cr.ones(2))


@pytest.mark.parametrize("lib", [cr, torch])
def test_always_call_runs_when_forward_raises(lib: Any) -> None:
    class Boom(lib.nn.Module):
        def forward(self, x: Any) -> Any:
            raise ValueError("boom")

    m = Boom()
    seen: list = []
    m.register_forward_hook(lambda mod, args, out: seen.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append(("normal", out)))
    with pytest.raises(ValueError, match="boom"):
        m(lib.ones(1))
    assert seen == [("always", None)]


@pytest.mark.parametrize("lib", [cr, torch])
def test_handles_remove_and_context_manager(lib: Any) -> None:
    m = lib.nn.Identity()
    seen: list = []
    h = m.register_forward_hook(lambda mod, args, out: seen.append("a"))
    with m.register_forward_hook(lambda mod, args, out: seen.append("b")):
        m(lib.ones(1))
    m(lib.ones(1))
    h.remove()
    h.remove()  # twice is fine
    m(lib.ones(1))
    assert seen == ["a", "b", "a"]
    assert isinstance(h.id, int)


@pytest.mark.parametrize("lib", [cr, torch])
def test_global_hooks_run_first_and_are_removable(lib: Any) -> None:
    mm = lib.nn.modules.module
    m = lib.nn.Sequential(lib.nn.Identity())
    seen: list = []
    m[0].register_forward_pre_hook(lambda mod, args: seen.append("own-pre"))
    m[0].register_forward_hook(lambda mod, args, out: seen.append("own"))
    handles = [mm.register_module_forward_pre_hook(lambda mod, args: seen.append(("g-pre", type(mod).__name__))),
               mm.register_module_forward_hook(lambda mod, args, out: seen.append(("g", type(mod).__name__)))]
    try:
        m(lib.ones(1))
    finally:
        for h in handles:
            h.remove()
    m(lib.ones(1))
    assert seen == [("g-pre", "Sequential"), ("g-pre", "Identity"), "own-pre", ("g", "Identity"), "own",
                    ("g", "Sequential"), "own-pre", "own"]


@pytest.mark.parametrize("cdt,tdt", DTYPES)
def test_full_backward_hooks_arguments_and_order(cdt: Any, tdt: Any) -> None:
    def setup(lib: Any, net: Any, log: list) -> None:
        for i in (0, 2):
            net[i].register_full_backward_pre_hook(lambda m, go, i=i: log.append((f"bpre{i}", _np(go))))
            net[i].register_full_backward_hook(lambda m, gi, go, i=i: log.append((f"bwd{i}", _np(gi), _np(go))))
        net.register_full_backward_hook(lambda m, gi, go: log.append(("net", _np(gi), _np(go))))

    log = _compare(setup, cdt, tdt)
    assert [e[0] for e in log] == ["out", "bpre2", "bwd2", "bpre0", "bwd0", "net"]


@pytest.mark.parametrize("cdt,tdt", DTYPES)
def test_full_backward_hooks_replace_gradients(cdt: Any, tdt: Any) -> None:
    def setup(lib: Any, net: Any, log: list) -> None:
        net[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        net[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5 + 1,))
        net[0].register_full_backward_hook(lambda m, gi, go: log.append(("bwd0", _np(gi), _np(go))))

    _compare(setup, cdt, tdt)


@pytest.mark.parametrize("cdt,tdt", DTYPES)
def test_full_backward_hook_when_input_needs_no_grad(cdt: Any, tdt: Any) -> None:
    def setup(lib: Any, net: Any, log: list) -> None:
        net[0].register_full_backward_hook(lambda m, gi, go: log.append(("bwd0", _np(gi), _np(go))))

    log = _compare(setup, cdt, tdt, requires_grad=False)
    assert log[-1][0] == "bwd0" and log[-1][1] == (None,)


@pytest.mark.parametrize("lib", [cr, torch])
def test_full_backward_hook_none_for_outputs_without_gradient(lib: Any) -> None:
    class Two(lib.nn.Module):
        def forward(self, a: Any, b: Any, k: int) -> Any:
            return a * 2, b * k, k

    m = Two()
    seen: list = []
    m.register_full_backward_pre_hook(lambda mod, go: seen.append(("pre", _np(go))))
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(("full", _np(gi), _np(go))))
    a = lib.ones(2, requires_grad=True)
    o1, o2, k = m(a, lib.ones(2), 3)
    assert k == 3 and not o2.requires_grad
    o1.sum().backward()
    assert [s[0] for s in seen] == ["pre", "full"]
    _same(seen[0][1], (np.ones(2), None, None))
    _same(seen[1][1], (np.full(2, 2.0), np.zeros(2), None))  # tensor inputs: zeros where no gradient arrived


@pytest.mark.parametrize("lib", [cr, torch])
def test_global_full_backward_hooks(lib: Any) -> None:
    mm = lib.nn.modules.module
    net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh())
    seen: list = []
    handles = [mm.register_module_full_backward_pre_hook(lambda m, go: seen.append(("pre", type(m).__name__))),
               mm.register_module_full_backward_hook(lambda m, gi, go: seen.append(("full", type(m).__name__)))]
    try:
        net(lib.ones(1, 2, requires_grad=True)).sum().backward()
    finally:
        for h in handles:
            h.remove()
    net(lib.ones(1, 2, requires_grad=True)).sum().backward()
    assert seen == [("pre", "Sequential"), ("pre", "Tanh"), ("full", "Tanh"), ("pre", "Linear"), ("full", "Linear"),
                    ("full", "Sequential")]


def test_backward_hook_wrong_shape_is_a_clear_error() -> None:
    m = cr.nn.Tanh()
    m.register_full_backward_hook(lambda mod, gi, go: (cr.ones(3),))
    x = cr.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward hook of Tanh returned grad_input\[0\] of shape \(3,\).*\(2, 2\)"):
        m(x).sum().backward()


def test_backward_hook_wrong_count_is_a_clear_error() -> None:
    m = cr.nn.Tanh()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        m(cr.ones(2, requires_grad=True)).sum().backward()
    m = cr.nn.Tanh()
    m.register_full_backward_pre_hook(lambda mod, go: ())
    with pytest.raises(RuntimeError, match="Backward pre hook returned an invalid number of grad_output"):
        m(cr.ones(2, requires_grad=True)).sum().backward()


@pytest.mark.parametrize("lib", [cr, torch])
def test_inplace_on_hooked_output_is_an_error(lib: Any) -> None:
    m = lib.nn.Identity()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    y = m(lib.ones(2, requires_grad=True) * 1)
    with pytest.raises(RuntimeError, match="BackwardHookFunction is a view and is being modified inplace"):
        y.add_(1)
    with lib.no_grad():
        y.add_(1)  # allowed without grad mode, as in PyTorch
    np.testing.assert_allclose(_np(y), [2.0, 2.0])


def test_backward_hooks_under_create_graph_and_removal() -> None:
    m = cr.nn.Tanh()
    seen: list = []
    h = m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi[0].requires_grad))
    x = cr.tensor([0.3, -0.2], requires_grad=True)
    (g,) = cr.autograd.grad(m(x).sum(), x, create_graph=True)
    g.sum().backward()
    ref = torch.tensor([0.3, -0.2], dtype=torch.float32, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.tanh(ref).sum(), ref, create_graph=True)
    tg.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-6)
    assert seen == [True]
    h.remove()
    m(x).sum().backward()
    assert seen == [True]


def test_no_hooks_path_is_plain_forward() -> None:
    m = cr.nn.Linear(2, 2)
    h = m.register_forward_hook(lambda mod, args, out: out * 0)
    assert float(m(cr.ones(1, 2)).abs().sum()) == 0.0
    h.remove()
    assert float(m(cr.ones(1, 2)).abs().sum()) != 0.0
    assert "_forward_hooks" not in cr.nn.Linear(2, 2).__dict__  # no hook tables until a hook is registered


@pytest.mark.parametrize("lib", [cr, torch])
def test_backward_hooks_prepend_and_removal(lib: Any) -> None:
    m = lib.nn.Tanh()
    seen: list = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append("a"))
    h = m.register_full_backward_hook(lambda mod, gi, go: seen.append("b"), prepend=True)
    m.register_full_backward_pre_hook(lambda mod, go: seen.append("pre-a"))
    m.register_full_backward_pre_hook(lambda mod, go: seen.append("pre-b"), prepend=True)
    m(lib.ones(2, requires_grad=True)).sum().backward()
    h.remove()
    m(lib.ones(2, requires_grad=True)).sum().backward()
    assert seen == ["pre-b", "pre-a", "b", "a", "pre-b", "pre-a", "a"]


def test_hooked_module_grad_fn_name_and_double_backward_parity() -> None:
    m = cr.nn.Tanh()
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    y = m(cr.ones(2, requires_grad=True))
    assert y.grad_fn.name() == "BackwardHookFunctionBackward"
    tm = torch.nn.Tanh()
    tm.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    for lib, mod in ((cr, m), (torch, tm)):
        x = lib.tensor([0.3, -0.7], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad((mod(x) ** 2).sum(), x, create_graph=True)
        g.sum().backward()
        if lib is cr:
            ours = (g.detach().numpy().copy(), x.grad.numpy().copy())
        else:
            np.testing.assert_allclose(ours[0], g.detach().numpy(), rtol=1e-10)
            np.testing.assert_allclose(ours[1], x.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("lib", [cr, torch])
def test_inplace_on_hooked_input_is_an_error(lib: Any) -> None:
    class Doubler(lib.nn.Module):
        def forward(self, x: Any) -> Any:
            return x.mul_(2)

    m = Doubler()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    with pytest.raises(RuntimeError, match="BackwardHookFunction is a view and is being modified inplace"):
        m(lib.ones(2, requires_grad=True) * 1)


def test_hooks_are_not_state() -> None:
    import copy

    m = cr.nn.Linear(2, 2)
    keys = list(m.state_dict())
    m.register_forward_hook(lambda mod, args, out: out * 0)
    m.register_full_backward_hook(lambda mod, gi, go: None)
    assert list(m.state_dict()) == keys
    clone = copy.deepcopy(m)  # hooks are copied with the module, as in PyTorch
    assert float(clone(cr.ones(1, 2)).abs().sum()) == 0.0
    fresh = cr.nn.Linear(2, 2)
    fresh.load_state_dict(m.state_dict())
    assert float(fresh(cr.ones(1, 2)).abs().sum()) != 0.0
