"""Views vs PyTorch: in-place writes through a view (basic indexing down to single elements, reshape/view,
permute/transpose) reach the base and writes to the base reach its views, values, versions and gradients; and
a write through one invalidates what the graph saved of the other."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _ops_cases import CASES
from _ops_harness import TOL, TORCH, assert_close, dtype_name, flat_outputs, make_inputs, to_numpy

import chainrule as cr


def _leaf(m, shape=(2, 3)):
    return m.tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape) / 4, dtype=m.float64, requires_grad=True)


def _write_view(m, x):
    y = x * 1.0
    y[1:].mul_(2.0)
    return y, (y * y).sum()


def _base_then_view(m, x):
    y = x * 1.0
    v = y[0:1]
    y.add_(1.0)
    return v, (v * x[0:1]).sum()


def _view_of_view(m, x):
    y = x * 1.0
    y[1:][0:1, 1:].add_(x[0:1, 1:] * 3.0)
    return y, (y ** 2).sum()


def _reshape_view(m, x):
    y = x * 1.0
    y.view(3, 2)[0].zero_()
    return y, (y * x).sum()


def _transpose_view(m, x):
    y = x * 1.0
    y.t()[0].mul_(5.0)
    return y, (y * y).sum()


def _permute_view(m, x):
    y = x * 1.0
    y.permute(1, 0).mul_(x.permute(1, 0))
    return y, y.sum()


def _setitem_then_view(m, x):
    y = x * 1.0
    row = y[1]
    y[1] = x[0] * 2.0
    return row, (row * row).sum()


def _row_iadd(m, x):
    y = x * 1.0
    row = y[0]
    row += x[1]
    return y, (y * y).sum()


def _nograd_base_grad_value(m, x):
    y = m.zeros(2, 3, dtype=m.float64)
    y[:, 1:].add_(x[:, 1:] * x[:, 1:])
    return y, (y * 2.0).sum()


def _squeeze_unsqueeze_view(m, x):
    y = x * 1.0
    y.unsqueeze(0)[0, 1].mul_(3.0)
    return y, (y * y).sum()


def _flatten_view(m, x):
    y = x * 1.0
    y.flatten()[2:4].neg_()
    return y, (y * x).sum()


def _iterated_rows(m, x):
    y = x * 1.0
    for i in range(len(y)):  # (PyTorch refuses in-place writes to the rows of `for row in y`, made by unbind)
        y[i].mul_(float(i + 2))
    return y, (y * x).sum()


def _view_saved_base_written(m, x):
    y = x * 1.0
    v = y[0:1]
    z = (v * v).sum()
    y.add_(1.0)
    return y, z


def _base_saved_view_written(m, x):
    y = x * 1.0
    z = (y * y).sum()
    y[0:1].mul_(2.0)
    return y, z


def _view_of_leaf_written(m, x):
    x[0:1].mul_(2.0)
    return x, x.sum()


def _nograd_write_through_view(m, x):
    y = x * 1.0
    with m.no_grad():
        y[0:1].mul_(0.0)
    return y, (y * x).sum()


def _rnn_rows_written(m, x):
    h = m.zeros(3, 3, dtype=m.float64)
    for t in range(1, 3):  # h[t - 1] is saved by the product, then h is written: PyTorch raises at backward
        h[t] = m.tanh(h[t - 1] @ (x.t() @ x) + x[0])
    return h, h.sum()


def _rnn_rows_cloned(m, x):
    h = m.zeros(3, 3, dtype=m.float64)
    for t in range(1, 3):
        h[t] = m.tanh(h[t - 1].clone() @ (x.t() @ x) + x[0])
    return h, (h * h).sum()


SCENARIOS = {f.__name__.lstrip("_"): f for f in (
    _rnn_rows_written, _rnn_rows_cloned,
    _write_view, _base_then_view, _view_of_view, _reshape_view, _transpose_view, _permute_view, _setitem_then_view,
    _row_iadd, _nograd_base_grad_value, _squeeze_unsqueeze_view, _flatten_view, _iterated_rows,
    _view_saved_base_written, _base_saved_view_written, _view_of_leaf_written, _nograd_write_through_view,
)}


def _run(m, fn):
    x = _leaf(m)
    try:
        value, loss = fn(m, x)
        loss.backward()
    except RuntimeError as exc:
        return "error", str(exc)
    return value.detach().numpy().copy(), loss.item(), x.grad.numpy().copy()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_views_like_torch(name):
    t = _run(torch, SCENARIOS[name])
    c = _run(cr, SCENARIOS[name])
    if isinstance(t[0], str):
        assert isinstance(c[0], str), f"{name}: torch raises ({t[1][:90]}), chainrule gives {c}"
        return
    assert not isinstance(c[0], str), f"{name}: chainrule raises {c[1]!r}; torch gives {t}"
    for a, b, what in zip(c, t, ("value", "loss", "gradient")):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"{name}: {what}")


def test_view_registry_forgets_dead_views():
    import gc

    from chainrule.ops import views

    before = len(views._VIEWS)
    y = cr.ones(4, 4)
    for _ in range(1000):
        y[1:].reshape(-1).sum()
        for row in y:
            row.unsqueeze(0).t()
            for v in row:  # element views
                v[None] * 2.0
    del row, v
    gc.collect()
    assert len(views._VIEWS) <= before
    assert all(ref() is not None for ref, *_ in views._VIEWS.values())


# ----------------------------------------------------------------------------- single elements: 0-d views
# `pick` is a chain of indexing steps down to one element: ((1, 2),) is y[1, 2], ((1,), (2,)) is y[1][2].
PICKS = {
    "1d[1]": ((4,), ((1,),)),
    "1d[-1]": ((4,), ((-1,),)),
    "2d[1,2]": ((2, 3), ((1, 2),)),
    "2d[1][2]": ((2, 3), ((1,), (2,))),
    "2d[-1][0]": ((2, 3), ((-1,), (0,))),
    "2d[0][1:][0]": ((2, 3), ((0,), (slice(1, None),), (0,))),
}


def _at(y, pick):
    for step in pick:
        y = y[step]
    return y


def _set_at(y, pick, value):
    _at(y, pick[:-1])[pick[-1]] = value


def _el_write(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    v.mul_(3.0)
    return (y, v), (y * y).sum()


def _el_iadd(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    v += x.sum()  # the written value requires grad too
    return (y, v), (y * x).sum()


def _el_fill(m, x, pick):
    y = x * 2.0
    v = _at(y, pick)
    v.fill_(2.5)  # FillBackward0: no gradient to the overwritten element
    return (y, v), (y * y).sum()


def _el_copy_into_plain_base(m, x, pick):
    y = m.ones(*x.shape, dtype=x.dtype)  # a base without history; the written value has one
    _at(y, pick).copy_(x.sum() * 0.5)
    return (y,), (y * y).sum()


def _el_copy(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    v.copy_(x.sum() * 0.5)
    return (y, v), (y * y).sum()


def _el_setitem_ellipsis(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    v[...] = x.sum()
    return (y, v), (y * x).sum()


def _el_setitem_on_base(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    _set_at(y, pick, x.sum() * 2.0)  # y[i] = value: the live element view shows it
    return (y, v), (v * v) + y.sum()


def _el_base_written(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    y.mul_(x)  # the element view now shows (and differentiates through) the new base
    return (y, v), v * 2.0 + (y * y).sum()


def _el_grad_through_written(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    v.mul_(x.sum())
    v.add_(1.0)
    return (y, v), v * v + y.sum()  # the gradient flows through the written element, twice


def _el_view_of_element(m, x, pick):
    y = x * 1.0
    _at(y, pick)[None].mul_(4.0)  # a view of the 0-d view
    _at(y, pick).reshape(1, 1).add_(1.0)
    return (y,), (y * y).sum()


def _el_nograd_write(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    with m.no_grad():
        v.mul_(0.0)
        v += 2.0
    return (y, v), (y * x).sum()


def _el_saved_then_base_written(m, x, pick):  # mul saved the element; the base is written: error at backward
    y = x * 1.0
    v = _at(y, pick)
    z = v * v
    y.add_(1.0)
    return (y, v), z


def _el_saved_then_base_written_nograd(m, x, pick):
    y = x * 1.0
    v = _at(y, pick)
    z = v * v
    with m.no_grad():
        y.add_(1.0)
    return (y, v), z


def _base_saved_then_el_written(m, x, pick):  # mul saved the base; an element is written: error at backward
    y = x * 1.0
    z = (y * y).sum()
    _at(y, pick).add_(1.0)
    return (y,), z


def _base_saved_then_el_written_nograd(m, x, pick):
    y = x * 1.0
    z = (y * y).sum()
    with m.no_grad():
        _at(y, pick).add_(1.0)
    return (y,), z


def _sibling_saved_then_el_written(m, x, pick):  # one version counter for the storage: any element counts
    y = x * 1.0
    w = y[(0,) * y.ndim]  # (no pick is the first element)
    z = w * w
    _at(y, pick).add_(1.0)
    return (y,), z


def _exp_output_el_written(m, x, pick):  # exp saves its output: writing an element of it is an error
    e = x.exp()
    _at(e, pick).mul_(2.0)
    return (e,), e.sum()


def _exp_input_el_written(m, x, pick):  # ... and writing its input is legal
    y = x * 1.0
    e = y.exp()
    _at(y, pick).mul_(2.0)
    return (y, e), e.sum() + (y * y).sum()


def _el_of_leaf_written(m, x, pick):
    _at(x, pick).mul_(2.0)
    return (x,), x.sum()


def _relu_of_element(m, x, pick):  # relu of an element is a new tensor, not a view: later writes don't reach it
    y = x * 1.0
    r = m.relu(_at(y, pick))
    with m.no_grad():
        y.add_(10.0)
    return (y, r), r * 3.0


def _element_ops_after_write(m, x, pick):  # arithmetic on a 0-d view with scalars, 0-d and full tensors
    y = x * 1.0
    v = _at(y, pick)
    w = x.sum() * 0.25
    v.mul_(w)
    out = (v * w + w * v - v / (w + 2.0) + v ** 2 + 2.0 ** v + m.exp(v) + m.tanh(v) + m.relu(v) - v.sigmoid()
           + (v * x).sum() + m.maximum(v, w) + m.where(v > 0, v, w))
    return (y, v), out


def _element_repeated_writes(m, x, pick):
    y = x * 1.0
    for k in range(3):
        v = _at(y, pick)
        v.mul_(1.5)
        v.add_(x.sum() * float(k))
    return (y, v), (y * y).sum() + v


EL_SCENARIOS = {f.__name__.lstrip("_"): f for f in (
    _el_write, _el_iadd, _el_fill, _el_copy_into_plain_base, _el_copy, _el_setitem_ellipsis, _el_setitem_on_base,
    _el_base_written, _el_grad_through_written, _el_view_of_element, _el_nograd_write, _el_saved_then_base_written,
    _el_saved_then_base_written_nograd, _base_saved_then_el_written, _base_saved_then_el_written_nograd,
    _sibling_saved_then_el_written, _exp_output_el_written, _exp_input_el_written, _el_of_leaf_written,
    _relu_of_element, _element_ops_after_write, _element_repeated_writes,
)}


def _run_element(m, fn, shape, pick, dtype):
    x = m.tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape) / 4 - 0.5, dtype=getattr(m, dtype),
                 requires_grad=True)
    try:
        shown, loss = fn(m, x, pick)
        state = [(t.detach().numpy().copy(), t._version, str(t.dtype).split(".")[-1], t.requires_grad)
                 for t in shown]
        loss.backward()
    except RuntimeError as exc:
        return "error", str(exc)
    return state, loss.item(), x.grad.numpy().copy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pick", sorted(PICKS))
@pytest.mark.parametrize("name", sorted(EL_SCENARIOS))
def test_element_views_like_torch(name, pick, dtype):
    shape, steps = PICKS[pick]
    t = _run_element(torch, EL_SCENARIOS[name], shape, steps, dtype)
    c = _run_element(cr, EL_SCENARIOS[name], shape, steps, dtype)
    if isinstance(t[0], str):
        assert isinstance(c[0], str), f"{name}: torch raises ({t[1][:90]}), chainrule gives {c}"
        for reason in ("modified by an inplace operation", "leaf Variable that requires grad"):
            assert (reason in c[1]) == (reason in t[1]), f"{name}: chainrule raises {c[1]!r}, torch {t[1]!r}"
        return
    assert not isinstance(c[0], str), f"{name}: chainrule raises {c[1]!r}; torch gives {t}"
    rtol, atol = (1e-12, 1e-14) if dtype == "float64" else (1e-6, 1e-6)
    for i, ((cv, cver, cdt, crg), (tv, tver, tdt, trg)) in enumerate(zip(c[0], t[0], strict=True)):
        np.testing.assert_allclose(cv, tv, rtol=rtol, atol=atol, err_msg=f"{name}: value of tensor {i}")
        assert (cver, cdt, crg) == (tver, tdt, trg), f"{name}: tensor {i} (version, dtype, requires_grad)"
    np.testing.assert_allclose(c[1], t[1], rtol=rtol, atol=atol, err_msg=f"{name}: loss")
    np.testing.assert_allclose(c[2], t[2], rtol=rtol, atol=atol, err_msg=f"{name}: gradient")


def _plain_writes(m, dtype, shape):
    """No autograd: writes both ways between a tensor and its elements, with versions after each step."""
    y = m.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), dtype=dtype)
    log = []
    if len(shape) == 1:
        a, b, c = y[1], y[2], y[-1]
    else:
        a, b, c = y[0, 1], y[1][2], y[1][0:2][1]
    a2 = a.reshape(())  # a view of a view
    for step in (lambda: y.add_(1), lambda: a.add_(10), lambda: b.mul_(2), lambda: c.fill_(7),
                 lambda: a2.copy_(m.tensor(-3.0)), lambda: a.__setitem__(..., 5), lambda: y.mul_(2),
                 lambda: b.sub_(a), lambda: c.zero_(), lambda: y.__setitem__((0,) * y.ndim, 42)):
        step()
        log.append([y.tolist(), y._version] + [(t.item(), t._version) for t in (a, b, c, a2)])
    d = a.detach()  # shares the element's memory, as a view does
    n = b.numpy()
    y.add_(100)
    log.append((d.item(), n.tolist(), a.item()))
    return log


@pytest.mark.parametrize("shape", [(4,), (2, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_element_views_without_autograd_like_torch(shape, dtype):
    assert _plain_writes(cr, getattr(cr, dtype), shape) == _plain_writes(torch, getattr(torch, dtype), shape)


def _iterate(m, dtype, grad, write_by_index=False):
    x = m.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=dtype, requires_grad=grad)
    y = x * 1.0 if grad else x.clone()
    if write_by_index:
        for i in range(len(y)):
            for j in range(len(y[i])):
                y[i][j].mul_(float(i + j + 1))
    else:
        for i, row in enumerate(y):
            for j, v in enumerate(row):
                v.mul_(float(i + j + 1))
    values = [[v.item() for v in row] for row in y]
    flat = list(y.flatten())  # the elements of a view of y
    with m.no_grad():
        y.add_(1.0)
    after = [(v.item(), v._version) for v in flat]
    if not grad:
        return values, after, y._version
    (y * x).sum().backward()
    return values, after, x.grad.tolist()


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_iteration_gives_element_views(dtype, grad):
    """`for v in y` yields 0-d views. PyTorch's come from unbind, which refuses in-place writes under autograd;
    chainrule allows them, as it does for rows, and there PyTorch writes through explicit indexing instead."""
    c = _iterate(cr, getattr(cr, dtype), grad)
    t = _iterate(torch, getattr(torch, dtype), grad, write_by_index=grad)
    assert c == t


def test_element_view_grad_fn_and_identity():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1.0
    v = y[1, 0]
    assert v.grad_fn.name() == "SelectBackward0" and v.shape == () and v.ndim == 0
    assert type(v._data) is np.ndarray and np.shares_memory(v._data, y._data)
    assert repr(v) == "tensor(3., grad_fn=<SelectBackward0>)"
    v.backward()
    assert x.grad.tolist() == [[0.0, 0.0], [1.0, 0.0]]
    u = cr.unbind(cr.tensor([1.0, 2.0]))[1]  # unbind of a 1-D tensor gives element views too
    assert np.shares_memory(u._data, u._data.base)
    s = cr.tensor(2.0)  # a 0-d tensor's own views: x[()], x[...], x[None]
    a, b, c = s[()], s[...], s[None]
    c.add_(1.0)
    assert (s.item(), a.item(), b.item(), c.tolist()) == (3.0, 3.0, 3.0, [3.0])
    i = cr.tensor([4, 5, 6])
    w = i[cr.tensor(1)]  # a 0-d integer tensor as the index
    i.add_(1)
    assert (w.item(), w.dtype) == (6, cr.int64)


def _second_order(m, grad):
    x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
    y = x * x
    v = y[1]
    v.mul_(x[2])
    loss = (y ** 3).sum() + v * x[0]
    (g,) = grad(loss, x, create_graph=True)
    (h,) = grad((g * g).sum(), x)
    return g.tolist(), h.tolist()


def test_second_derivatives_through_a_written_element_view_like_torch():
    c, t = _second_order(cr, cr.autograd.grad), _second_order(torch, torch.autograd.grad)
    np.testing.assert_allclose(c[0], t[0], rtol=1e-12)
    np.testing.assert_allclose(c[1], t[1], rtol=1e-12)


def test_writing_through_a_view_of_a_broadcast_tensor_raises():
    """Stricter than PyTorch, for elements as for rows: an expanded tensor is read-only memory to NumPy, so a
    write through any view of it raises (PyTorch allows it when the view itself has no repeated elements)."""
    for m in (torch, cr):
        with pytest.raises(RuntimeError):
            m.ones(1).expand(3).add_(1.0)
    for view in (lambda e: e[1], lambda e: e[0, 1], lambda e: e[1][2]):
        e = cr.ones(1, 3).expand(2, 3)
        with pytest.raises(RuntimeError, match="single memory location"):
            view(e).add_(1.0)
        t = torch.ones(1, 3).expand(2, 3)
        view(t).add_(1.0)  # PyTorch writes the shared memory: every row shows it
        assert t[0].tolist() == t[1].tolist() and t.sum().item() > 6.0


# Ops on a 0-d view (a 0-d ndarray underneath) vs on a 0-d tensor held as a NumPy scalar: the same values (bit
# for bit, except `**`: NumPy's scalar and array routines may round the last bit differently), dtypes, reprs,
# errors and gradients, whichever operands are views.
_UNARY = ["neg", "abs", "exp", "expm1", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh",
          "sigmoid", "relu", "floor", "round", "sign", "erf", "atan", "sum", "mean", "amax", "norm", "logsumexp",
          "softmax", "log_softmax", "cumsum", "flatten", "unsqueeze", "clone", "float", "double", "long", "bool",
          "isnan", "logical_not", "argmax", "item", "tolist", "__float__", "__bool__", "__repr__"]
_UNARY_ARGS = {"unsqueeze": (0,), "softmax": (0,), "log_softmax": (0,), "cumsum": (0,), "logsumexp": (0,)}
_BINARY = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
           "__pow__", "__rpow__", "__floordiv__", "__mod__", "__lt__", "__eq__", "__ge__", "maximum", "minimum",
           "__and__", "__or__"]
_DTYPES = ["float32", "float64", "int64", "int32", "bool"]
_OTHERS = {"2": 2, "2.5": 2.5, "True": True, "vector32": cr.tensor([1.0, -2.0]),
           "vector64": cr.tensor([1.0, -2.0], dtype=cr.float64), "ivector": cr.tensor([3, -1])}


def _zero_d(kind, value, dtype):
    """A 0-d tensor holding `value`: as a NumPy scalar (a leaf), or an element view of a 1-D leaf. Returns it,
    the leaf and where in the leaf's gradient its own gradient lands."""
    value = bool(value) if dtype is cr.bool else value if dtype.is_floating_point else int(value)
    grad = dtype.is_floating_point
    if kind == "scalar":
        t = cr.tensor(value, dtype=dtype, requires_grad=grad)
        assert type(t._data) is not np.ndarray
        return t, t, ()
    base = cr.tensor([value] * 3, dtype=dtype, requires_grad=grad)
    v = base[1]
    assert type(v._data) is np.ndarray and v._data.ndim == 0
    return v, base, (1,)


def _describe(kinds, name, specs):
    made = [_zero_d(k, v, d) if d is not None else (v, None, None) for k, (v, d) in zip(kinds, specs)]
    try:
        out = getattr(cr.Tensor, name)(*[t for t, _, _ in made], *_UNARY_ARGS.get(name, ()))
    except Exception as exc:  # noqa: BLE001 - the same exception either way
        return ("raises", type(exc).__name__, str(exc))
    if not isinstance(out, cr.Tensor):
        return (type(out).__name__, _unname(out))
    seen = (out.tolist(), str(out.dtype), tuple(out.shape), out.requires_grad, _unname(repr(out)))
    grads = None
    if out.requires_grad:
        try:
            out.sum().backward()
        except RuntimeError as exc:
            return seen, str(exc)
        grads = [None if leaf is None or leaf.grad is None else leaf.grad[at].item() for _, leaf, at in made]
        grads += [type(leaf.grad._data) for _, leaf, _ in made if leaf is not None and leaf.grad is not None]
    return seen, grads


def _unname(text):
    """A view's repr names its grad_fn where a leaf's says requires_grad=True."""
    if not isinstance(text, str):
        return text
    return text.replace("grad_fn=<SelectBackward0>", "<leaf>").replace("requires_grad=True", "<leaf>")


def _cases():
    for name in _UNARY:
        for dtype in _DTYPES:
            for value in (0.7, -1.5, 0.0):
                yield name, [(value, dtype)]
    for name in _BINARY:
        for da in _DTYPES:
            for db in _DTYPES:
                yield name, [(1.5, da), (-2.0, db)]
            for other in _OTHERS:
                yield name, [(1.5, da), (other, None)]


@pytest.mark.parametrize("name", _UNARY + _BINARY)
def test_ops_on_element_views_match_ops_on_scalars(name):
    failures = []
    for op, args in _cases():
        if op != name:
            continue
        specs = [(v, getattr(cr, d)) if d is not None else (_OTHERS[v], None) for v, d in args]
        expected = _describe(["scalar"] * len(specs), name, specs)
        combos = [["view", "scalar"], ["scalar", "view"], ["view", "view"]] if len(specs) == 2 \
            and specs[1][1] is not None else [["view"] * len(specs)]
        for kinds in combos:
            got = _describe(kinds, name, specs)
            if name in ("__pow__", "__rpow__") and got[0] != "raises" and repr(got) != repr(expected):
                (gv, *grest), (ev, *erest) = got[0], expected[0]
                np.testing.assert_allclose(gv, ev, rtol=3e-7)  # the last bit of a float32
                assert grest[:3] == erest[:3]
                assert [type(g) for g in got[1]] == [type(g) for g in expected[1]]
                np.testing.assert_allclose(np.asarray(got[1][:len(specs)], float),
                                           np.asarray(expected[1][:len(specs)], float), rtol=3e-7)
            elif repr(got) != repr(expected):  # (repr: nan == nan)
                failures.append(f"{name}{args} {kinds}: {got} != {expected}")
    assert not failures, "\n".join(failures[:10])


# The rows of the op table that take 0-d inputs, fed element views instead (each 0-d input is y[1] of a leaf y of
# shape (3,)), against PyTorch doing the same: values, dtypes, gradients; then the leaves are written in place
# (no_grad) and the outputs compared again: an output that is a view of an input changes, any other does not.
ZERO_D_ROWS = [c for c in CASES if any(a.ndim == 0 for a in make_inputs(c))]


def _rows_on_elements(m, case, dtype):
    leaves, inputs = [], []
    for a in make_inputs(case):
        if a.ndim == 0:
            leaf = m.tensor([0.25, float(a), -0.5], dtype=getattr(m, dtype), requires_grad=case.grad)
            inputs.append(leaf[1])
        else:
            leaf = m.tensor(a, dtype=getattr(m, dtype), requires_grad=case.grad)
            inputs.append(leaf)
        leaves.append(leaf)
    outs = flat_outputs(case.fn(m, *inputs))
    before = [(to_numpy(o).copy(), dtype_name(o), o.requires_grad) for o in outs]
    grads = None
    if case.grad and any(o.requires_grad for o in outs):
        sum(_weighted(m, o) for o in outs if o.requires_grad).backward()
        grads = [None if leaf.grad is None else to_numpy(leaf.grad).copy() for leaf in leaves]
    with m.no_grad():
        for leaf in leaves:
            leaf.add_(10.0)
    return before, grads, [to_numpy(o).copy() for o in outs]


def _weighted(m, t):
    weights = np.linspace(0.5, 1.5, t.numel()).reshape(tuple(t.shape))
    return (t * m.tensor(weights, dtype=t.dtype)).sum()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ZERO_D_ROWS, ids=str)
def test_table_rows_on_element_views_like_torch(case, dtype):
    c, t = _rows_on_elements(cr, case, dtype), _rows_on_elements(TORCH, case, dtype)
    tol = TOL[dtype]
    for i, ((cv, cdt, crg), (tv, tdt, trg)) in enumerate(zip(c[0], t[0], strict=True)):
        assert_close(cv, tv, tol, f"{case.name}: output {i}")
        assert (cdt, crg) == (tdt, trg), f"{case.name}: output {i} (dtype, requires_grad)"
    if t[1] is not None:
        for i, (cg, tg) in enumerate(zip(c[1], t[1], strict=True)):
            assert (cg is None) == (tg is None), f"{case.name}: gradient {i} missing on one side"
            if tg is not None:
                assert_close(cg, tg, tol, f"{case.name}: gradient of input {i}")
    for i, (ca, ta) in enumerate(zip(c[2], t[2], strict=True)):
        assert_close(ca, ta, tol, f"{case.name}: output {i} after the inputs were written in place")
