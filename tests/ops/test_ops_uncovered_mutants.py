"""Lines of ops that no test executed (mutation testing's `--uncovered` listing). A refusal is triggered and
its exception type and key words checked (the type compared with torch's where torch refuses the same call);
a computing line is checked against torch or NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _idx(lib):
    return lib.tensor([0, 1])


# (call, torch's exception type as well, the key words of chainrule's message)
SAME_AS_TORCH = {
    "zeros(out=a list)": (lambda lib: lib.zeros(2, out=[1]), TypeError, r"zeros\(\): argument 'out' must be Tensor, "
                                                                      r"not list"),
    "ones(out=an int)": (lambda lib: lib.ones(2, out=3), TypeError,
                         r"ones\(\): argument 'out' must be Tensor, not int"),
    "scatter: a 1-d tensor as value": (lambda lib: lib.ones(3).scatter(0, _idx(lib), value=lib.ones(2)), TypeError,
                                       r"scatter\(\): expected a number as value, got a Tensor"),
    "scatter: a 0-d tensor requiring grad as value": (
        lambda lib: lib.scatter(lib.ones(3), 0, _idx(lib), value=lib.tensor(5.0, requires_grad=True)), TypeError,
        r"scatter\(\): expected a number as value, got a Tensor"),
    "scatter_: a 1-d tensor as value": (lambda lib: lib.ones(3).scatter_(0, _idx(lib), value=lib.ones(2)),
                                        TypeError, r"expected a number as value, got a Tensor"),
    "scatter: both src and value": (lambda lib: lib.ones(3).scatter(0, _idx(lib), lib.ones(2), value=1.0), TypeError,
                                    r"scatter\(\): give either src or value, not both"),
    "scatter_add of a list": (lambda lib: lib.scatter_add([1.0, 2.0], 0, _idx(lib), lib.ones(2)), TypeError,
                              "expected a Tensor as input, got list"),
    "scatter of a list": (lambda lib: lib.scatter([1.0, 2.0], 0, _idx(lib), lib.ones(2)), TypeError,
                          "expected a Tensor as input, got list"),
    "index_add of a list": (lambda lib: lib.index_add([1.0, 2.0], 0, _idx(lib), lib.ones(2)), TypeError,
                            r"index_add\(\): expected a Tensor as input, got list"),
    "index_copy of a list": (lambda lib: lib.index_copy([1.0, 2.0], 0, _idx(lib), lib.ones(2)), TypeError,
                             r"index_copy\(\): expected a Tensor as input, got list"),
    "repeat_interleave(counts) of a 2-d tensor": (lambda lib: lib.repeat_interleave(lib.tensor([[1, 2]])),
                                                  RuntimeError, "repeat_interleave: repeats must be a 0-d or 1-d "
                                                                "integer tensor, got .* of shape"),
}


@pytest.mark.parametrize("case", list(SAME_AS_TORCH))
def test_refused_as_torch_refuses(case: str) -> None:
    call, kind, words = SAME_AS_TORCH[case]
    with pytest.raises(kind):
        call(torch)
    with pytest.raises(kind, match=words):
        call(cr)


# Calls torch computes and chainrule refuses (deviations listed in docs/semantics.md or in the mutation report).
REFUSED_HERE = {
    "pad: mode='reflect'": (lambda: cr.pad(cr.ones(1, 2, 3), (1, 1), mode="reflect"), NotImplementedError,
                            r"pad: mode 'reflect' is not supported yet; only 'constant'"),
    "pad: a negative amount": (lambda: cr.pad(cr.ones(2, 3), (-1, 0)), NotImplementedError,
                               r"pad: negative padding \(cropping\) is not supported; use slicing"),
    "norm: p=0": (lambda: cr.norm(cr.ones(3), p=0), ValueError, r"norm: unsupported p=0; use 'fro', a positive"),
    "norm: p=-1": (lambda: cr.ones(3).norm(p=-1), ValueError, r"norm: unsupported p=-1"),
    "norm: p='abc'": (lambda: cr.norm(cr.ones(3), p="abc"), ValueError, r"norm: unsupported p='abc'"),
}


@pytest.mark.parametrize("case", list(REFUSED_HERE))
def test_refused_here(case: str) -> None:
    call, kind, words = REFUSED_HERE[case]
    with pytest.raises(kind, match=words):
        call()


def test_repeat_interleave_counts_must_be_integers() -> None:
    with pytest.raises(NotImplementedError):  # torch: "repeat_interleave_cpu" not implemented for 'Float'
        torch.repeat_interleave(torch.tensor([1.5]))
    with pytest.raises(RuntimeError, match=r"repeats must be a 0-d or 1-d integer tensor, got .*float32 of shape "
                                           r"\(1,\)"):
        cr.repeat_interleave(cr.tensor([1.5]))


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("repeats", [2, [3]])
def test_repeat_interleave_of_a_0d_tensor_along_a_dim(dim: int, repeats) -> None:
    # torch refuses a dim for a 0-d input (IndexError); chainrule treats it as a 1-element vector, as it does
    # without dim (where torch agrees): the values and gradient of that reading
    x = cr.tensor(3.0, requires_grad=True)
    y = x.repeat_interleave(cr.tensor(repeats) if isinstance(repeats, list) else repeats, dim=dim)
    n = repeats[0] if isinstance(repeats, list) else repeats
    assert y.shape == (n,)
    np.testing.assert_array_equal(y.detach().numpy(), np.full(n, 3.0, np.float32))
    (y * cr.arange(1.0, n + 1)).sum().backward()
    assert x.grad.item() == sum(range(1, n + 1))
    t = torch.tensor(3.0)
    np.testing.assert_array_equal(y.detach().numpy(), t.repeat_interleave(n).numpy())


@pytest.mark.parametrize("side", ["prepend", "append"])
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 3, 2), 1), ((2, 3, 2), -1)])
@pytest.mark.parametrize("as_tensor", [True, False])
def test_diff_with_a_0d_prepend_or_append(side: str, shape: tuple, dim: int, as_tensor: bool) -> None:
    # torch refuses a 0-d (or number) prepend/append; chainrule broadcasts it along the other dims as NumPy's
    # diff does: checked against np.diff and, for the gradient, against torch with the value expanded
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    extra = 2.5
    x = cr.tensor(a, requires_grad=True)
    y = cr.diff(x, dim=dim, **{side: cr.tensor(extra, dtype=cr.float64) if as_tensor else extra})
    np.testing.assert_allclose(y.detach().numpy(), np.diff(a, axis=dim, **{side: extra}))
    xt = torch.tensor(a, requires_grad=True)
    full = list(shape)
    full[dim] = 1
    yt = torch.diff(xt, dim=dim, **{side: torch.full(full, extra, dtype=torch.float64)})
    w = rng.standard_normal(tuple(yt.shape))
    (y * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("alpha", [1.5, 2.7, -1.5, 0.5])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("inplace", [False, True])
def test_index_add_of_an_integer_tensor_with_a_float_alpha(alpha: float, dtype: str, inplace: bool) -> None:
    # torch 2.13 truncates the float alpha for an integer or bool input (it used to refuse it)
    if dtype == "uint8" and alpha < 0:
        alpha = -alpha
    outs = []
    for lib in (torch, cr):
        dt = getattr(lib, dtype)
        x = lib.zeros(3, dtype=dt)
        src = (lib.ones(2, dtype=dt) * 3).to(dt) if dtype != "bool" else lib.ones(2, dtype=dt)
        call = x.index_add_ if inplace else x.index_add
        out = call(0, lib.tensor([0, 2]), src, alpha=alpha)
        outs.append((np.asarray(out.numpy()), str(out.dtype).split(".")[-1], x.numpy().copy()))
    (t_out, t_dt, t_x), (c_out, c_dt, c_x) = outs
    np.testing.assert_array_equal(c_out, t_out)
    assert c_dt == t_dt
    np.testing.assert_array_equal(c_x, t_x)


@pytest.mark.parametrize("value", [cr.tensor(5.0), cr.tensor(5), cr.tensor(5.0, dtype=cr.float64)])
@pytest.mark.parametrize("inplace", [False, True])
def test_scatter_value_a_0d_tensor_is_read_as_its_number(value: cr.Tensor, inplace: bool) -> None:
    # torch: a 0-d tensor without grad passed as value= fills like the number (it was used as src here before)
    x = cr.ones(2, 3)
    idx = cr.tensor([[0, 2], [1, 0]])
    out = x.scatter_(1, idx, value=value) if inplace else x.scatter(1, idx, value=value)
    t = torch.ones(2, 3).scatter(1, torch.tensor([[0, 2], [1, 0]]), value=torch.tensor(value.item()))
    np.testing.assert_array_equal(out.numpy(), t.numpy())
    assert out.dtype == cr.float32


@pytest.mark.parametrize("method,value", [("add_", True), ("mul_", False), ("div_", True), ("sub_", 1)])
def test_inplace_arithmetic_with_a_python_bool(method: str, value) -> None:
    # the direct NumPy path takes only float/int numbers; a bool goes the general way (torch: x + True = x + 1)
    res = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, -4.0])
        try:
            getattr(x, method)(value)
        except (TypeError, RuntimeError) as exc:
            res.append(type(exc))
        else:
            res.append(x.numpy().tolist())
    assert res[1] == res[0]
