"""Views vs PyTorch: in-place writes through a view (basic indexing, reshape/view, permute/transpose) reach
the base and writes to the base reach its views, values and gradients both; and a write through one
invalidates what the graph saved of the other."""

from __future__ import annotations

import numpy as np
import pytest
import torch

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


def test_single_element_index_is_a_copy():
    """x[i] of a 1-D tensor is a 0-d value, not a view (chainrule keeps 0-d values as NumPy scalars)."""
    y = cr.tensor([1.0, 2.0])
    v = y[0]
    y.add_(1.0)
    assert v.item() == 1.0  # PyTorch: 2.0 (a 0-d view)


def test_view_registry_forgets_dead_views():
    import gc

    from chainrule.ops import views

    before = len(views._VIEWS)
    y = cr.ones(4, 4)
    for _ in range(1000):
        y[1:].reshape(-1).sum()
        for row in y:
            row.unsqueeze(0).t()
    gc.collect()
    assert len(views._VIEWS) <= before + 1
    assert all(ref() is not None for ref, *_ in views._VIEWS.values())
