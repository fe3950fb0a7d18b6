"""Recurrent layers (RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU) against PyTorch: the same weights (moved
through `state_dict`) and inputs give the same outputs, final states, and gradients of every parameter, of the
input and of the initial states; plus repr, initialization, dropout, gradcheck, second order and errors."""

from __future__ import annotations

import itertools
import math
import re
import warnings
import zlib

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from nn_helpers import close

SEQ, BATCH, IN, HID = 4, 3, 5, 6

TOL = {np.float32: {"rtol": 1e-4, "atol": 2e-6}, np.float64: {"rtol": 1e-9, "atol": 1e-12}}


def _rng(*key: object) -> np.random.Generator:
    """A generator seeded by the key's text (stable across runs, unlike `hash`)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def build(lib: object, kind: str, *args: object, **kwargs: object) -> object:
    """`build(cr.nn, "RNN_relu", 5, 6)` -> `nn.RNN(5, 6, nonlinearity="relu")`, and the same for torch.nn."""
    if kind.startswith("RNN_"):
        kwargs["nonlinearity"] = kind[4:]
        kind = "RNN"
    return getattr(lib, kind)(*args, **kwargs)


def pair(kind: str, *args: object, dtype: type = np.float32, **kwargs: object) -> tuple:
    ours, theirs = build(nn, kind, *args, **kwargs), build(torch.nn, kind, *args, **kwargs)
    if dtype is np.float64:
        ours.double()
        theirs.double()
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    return ours, theirs


def flat(result: object) -> list:
    """(output, h_n) / (output, (h_n, c_n)) / h / (h, c) -> a flat list of tensors."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in flat(r)]
    return [result]


def compare(ours: object, theirs: object, x: np.ndarray, states: list[np.ndarray] | None = None,
            tol: dict | None = None) -> None:
    """Run both modules on the same input (and initial states), compare every result, then backpropagate a
    random weighting of all results and compare the gradients of the input, the states and the parameters."""
    tol = tol or TOL[x.dtype.type]
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    sc = [cr.tensor(s, requires_grad=True) for s in states or []]
    st = [torch.tensor(s, requires_grad=True) for s in states or []]
    lstm = isinstance(ours, (nn.LSTM, nn.LSTMCell))
    hc = (tuple(sc) if lstm else sc[0]) if states else None
    ht = (tuple(st) if lstm else st[0]) if states else None
    rc, rt = flat(ours(xc, hc)), flat(theirs(xt, ht))
    assert len(rc) == len(rt)
    rng = _rng("weights", x.shape)
    loss_c, loss_t = 0, 0
    for a, b in zip(rc, rt):
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype == getattr(cr, str(b.dtype).removeprefix("torch."))
        close(a, b, **tol)
        w = rng.standard_normal(tuple(b.shape)).astype(x.dtype)
        loss_c = loss_c + (a * cr.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_c.backward()
    loss_t.backward()
    close(xc.grad, xt.grad, **tol)
    for a, b in zip(sc, st):
        close(a.grad, b.grad, **tol)
    torch_params = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(torch_params)
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        close(p.grad, torch_params[name].grad, **tol)


def data(*shape: int, dtype: type = np.float32, key: object = None) -> np.ndarray:
    return _rng("data", shape, key).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- sequence layers
KINDS = ["RNN_tanh", "RNN_relu", "LSTM", "GRU"]
GRID = list(itertools.product(KINDS, [1, 2], [False, True], [False, True], [False, True], [np.float32, np.float64]))


def _grid_id(case: tuple) -> str:
    kind, layers, batch_first, bidir, state, dtype = case
    return (f"{kind}-L{layers}{'-bf' if batch_first else ''}{'-bi' if bidir else ''}{'-h0' if state else ''}"
            f"-{dtype.__name__}")


def state_shapes(kind: str, layers: int, bidir: bool, batch: int | None, hidden: int = HID,
                 proj: int = 0) -> list[tuple[int, ...]]:
    lead = (layers * (2 if bidir else 1),) + ((batch,) if batch is not None else ())
    h = lead + (proj or hidden,)
    return [h, lead + (hidden,)] if kind == "LSTM" else [h]


@pytest.mark.parametrize("case", GRID, ids=[_grid_id(c) for c in GRID])
def test_sequence_layer_matches_torch(case: tuple) -> None:
    kind, layers, batch_first, bidir, with_state, dtype = case
    ours, theirs = pair(kind, IN, HID, num_layers=layers, batch_first=batch_first, bidirectional=bidir, dtype=dtype)
    x = data(*((BATCH, SEQ, IN) if batch_first else (SEQ, BATCH, IN)), dtype=dtype, key=case)
    states = [data(*s, dtype=dtype, key=(case, i)) for i, s in enumerate(state_shapes(kind, layers, bidir, BATCH))]
    compare(ours, theirs, x, states if with_state else None)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_input_matches_torch(kind: str, batch_first: bool, with_state: bool) -> None:
    ours, theirs = pair(kind, IN, HID, num_layers=2, bidirectional=True, batch_first=batch_first)
    states = [data(*s, key=(kind, i)) for i, s in enumerate(state_shapes(kind, 2, True, None))]
    compare(ours, theirs, data(SEQ, IN, key=kind), states if with_state else None)
    out, _ = ours(cr.tensor(data(SEQ, IN)))
    assert out.shape == (SEQ, 2 * HID)


@pytest.mark.parametrize("kind", KINDS)
def test_no_bias_and_long_sequence_match_torch(kind: str) -> None:
    ours, theirs = pair(kind, IN, HID, num_layers=2, bias=False, bidirectional=True)
    assert not any("bias" in n for n, _ in ours.named_parameters())
    compare(ours, theirs, data(12, 2, IN, key=kind))


@pytest.mark.parametrize("bidir", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_with_projection_matches_torch(bidir: bool, with_state: bool) -> None:
    ours, theirs = pair("LSTM", IN, HID, num_layers=2, bidirectional=bidir, proj_size=3, batch_first=True)
    assert ours.weight_hr_l1.shape == (3, HID) and ours.weight_ih_l1.shape == (4 * HID, 3 * (2 if bidir else 1))
    states = [data(*s, key=i) for i, s in enumerate(state_shapes("LSTM", 2, bidir, BATCH, proj=3))]
    compare(ours, theirs, data(BATCH, SEQ, IN), states if with_state else None)


def test_result_shapes_follow_torch() -> None:
    lstm = nn.LSTM(IN, HID, num_layers=3, batch_first=True, bidirectional=True)
    out, (h, c) = lstm(cr.zeros(BATCH, SEQ, IN))
    assert out.shape == (BATCH, SEQ, 2 * HID) and h.shape == c.shape == (6, BATCH, HID)
    out, h = nn.GRU(IN, HID)(cr.zeros(SEQ, BATCH, IN))
    assert out.shape == (SEQ, BATCH, HID) and h.shape == (1, BATCH, HID)
    out, h = nn.RNN(IN, HID, 2)(cr.zeros(SEQ, IN))
    assert out.shape == (SEQ, HID) and h.shape == (2, HID)
    # the last output of the forward direction is its final state; the reverse direction ends at t = 0
    out, h = nn.GRU(IN, HID, bidirectional=True)(cr.randn(SEQ, BATCH, IN))
    close(out[-1, :, :HID], h[0])
    close(out[0, :, HID:], h[1])


# ----------------------------------------------------------------------------- cells
CELLS = ["RNNCell", "LSTMCell", "GRUCell"]


@pytest.mark.parametrize("cell", CELLS + ["RNNCell-relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cell_matches_torch(cell: str, batched: bool, with_state: bool, bias: bool, dtype: type) -> None:
    name, _, nonlinearity = cell.partition("-")
    kwargs = {"bias": bias} | ({"nonlinearity": nonlinearity} if nonlinearity else {})
    ours, theirs = pair(name, IN, HID, dtype=dtype, **kwargs)
    lead = (BATCH,) if batched else ()
    states = [data(*lead, HID, dtype=dtype, key=(cell, i)) for i in range(2 if name == "LSTMCell" else 1)]
    compare(ours, theirs, data(*lead, IN, dtype=dtype, key=cell), states if with_state else None)


def test_cells_unrolled_equal_the_sequence_layer() -> None:
    lstm, cell = nn.LSTM(IN, HID), nn.LSTMCell(IN, HID)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = cr.randn(SEQ, BATCH, IN)
    out, (h_n, c_n) = lstm(x)
    h = c = cr.zeros(BATCH, HID)
    for t in range(SEQ):
        h, c = cell(x[t], (h, c))
        close(out[t], h, rtol=1e-6, atol=1e-7)
    close(h_n[0], h, rtol=1e-6, atol=1e-7)
    close(c_n[0], c, rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- parameters and state_dict
@pytest.mark.parametrize("kind", ["RNN_tanh", "LSTM", "GRU"])
def test_state_dict_keys_shapes_and_round_trip_with_torch(kind: str) -> None:
    kwargs = {"num_layers": 2, "bidirectional": True} | ({"proj_size": 2} if kind == "LSTM" else {})
    ours, theirs = build(nn, kind, IN, HID, **kwargs), build(torch.nn, kind, IN, HID, **kwargs)
    sd_c, sd_t = ours.state_dict(), theirs.state_dict()
    assert list(sd_c) == list(sd_t)
    assert [tuple(v.shape) for v in sd_c.values()] == [tuple(v.shape) for v in sd_t.values()]
    ours.load_state_dict(cr.interop.from_torch(sd_t))  # torch -> chainrule
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value.detach().numpy(), sd_t[key].detach().numpy())
    x = data(SEQ, BATCH, IN)
    close(flat(ours(cr.tensor(x)))[0], flat(theirs(torch.tensor(x)))[0], rtol=1e-5, atol=1e-6)
    fresh = build(torch.nn, kind, IN, HID, **kwargs)  # and back
    fresh.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value.detach().numpy(), sd_t[key].detach().numpy())
    assert [[p.shape for p in group] for group in ours.all_weights] == \
        [[tuple(p.shape) for p in group] for group in theirs.all_weights]


@pytest.mark.parametrize("make", [lambda m: m.LSTM(IN, 16, 2, bidirectional=True), lambda m: m.GRUCell(IN, 16),
                                  lambda m: m.RNN(IN, 16)])
def test_default_initialization_is_uniform_in_one_over_sqrt_hidden(make: object) -> None:
    cr.manual_seed(0)
    module = make(nn)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    assert np.all(np.abs(values) <= bound)
    assert values.max() > 0.95 * bound and values.min() < -0.95 * bound
    assert abs(values.mean()) < 0.1 * bound and abs(values.std() - bound / math.sqrt(3)) < 0.1 * bound
    cr.manual_seed(0)
    again = make(nn)
    for a, b in zip(module.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_flatten_parameters_is_a_no_op() -> None:
    gru = nn.GRU(IN, HID)
    before = [p.detach().numpy().copy() for p in gru.parameters()]
    assert gru.flatten_parameters() is None
    for a, p in zip(before, gru.parameters()):
        np.testing.assert_array_equal(a, p.detach().numpy())


def test_dtype_argument_and_double() -> None:
    lstm = nn.LSTM(IN, HID, dtype=cr.float64)
    assert all(p.dtype == cr.float64 for p in lstm.parameters())
    out, (h, c) = lstm(cr.zeros(SEQ, BATCH, IN, dtype=cr.float64))
    assert out.dtype == h.dtype == c.dtype == cr.float64
    assert nn.GRUCell(IN, HID, dtype=cr.float64).weight_ih.dtype == cr.float64


# ----------------------------------------------------------------------------- repr
REPRS = [
    ("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
    ("LSTM", (10, 20), {}),
    ("LSTM", (4, 5), {"proj_size": 3, "bidirectional": True}),
    ("GRU", (4, 5), {"num_layers": 3, "bias": False, "dropout": 0.25}),
    ("RNN", (4, 5), {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("RNNCell", (4, 5), {}),
    ("RNNCell", (4, 5), {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", (4, 5), {"bias": False}),
    ("GRUCell", (4, 5), {}),
]


@pytest.mark.parametrize("name,args,kwargs", REPRS, ids=[f"{r[0]}-{i}" for i, r in enumerate(REPRS)])
def test_repr_equals_torch(name: str, args: tuple, kwargs: dict) -> None:
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_repr_inside_a_container() -> None:
    def make(m: object) -> object:
        return m.ModuleList([m.LSTM(10, 20, num_layers=2, batch_first=True), m.Linear(20, 1)])

    assert repr(make(nn)) == repr(make(torch.nn))
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == "LSTM(10, 20, num_layers=2, batch_first=True)"


# ----------------------------------------------------------------------------- dropout and modes
@pytest.mark.parametrize("kind", KINDS)
def test_dropout_between_layers(kind: str) -> None:
    x = data(SEQ, BATCH, IN)
    # p = 1 is deterministic: the upper layer sees zeros, in chainrule as in torch
    ours, theirs = pair(kind, IN, HID, num_layers=2, dropout=1.0)
    compare(ours, theirs, x)
    # eval mode: no dropout
    ours, theirs = pair(kind, IN, HID, num_layers=3, dropout=0.5)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, x)
    # training with p = 0.5: a random mask from chainrule's generator, reproducible with the seed
    ours.train()
    cr.manual_seed(1)
    a = flat(ours(cr.tensor(x)))[0].detach().numpy()
    cr.manual_seed(1)
    b = flat(ours(cr.tensor(x)))[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    ours.eval()
    assert not np.allclose(a, flat(ours(cr.tensor(x)))[0].detach().numpy())


def test_dropout_with_one_layer_warns_as_torch() -> None:
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(IN, HID, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(IN, HID, num_layers=2, dropout=0.5)


# ----------------------------------------------------------------------------- gradcheck and second order
def test_gradcheck_tiny_lstm_float64() -> None:
    cr.manual_seed(0)
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True).double()
    x = cr.randn(2, 3, 2, dtype=cr.float64, requires_grad=True)
    h0 = cr.randn(4, 2, 3, dtype=cr.float64, requires_grad=True)
    c0 = cr.randn(4, 2, 3, dtype=cr.float64, requires_grad=True)

    def fn(x: cr.Tensor, h0: cr.Tensor, c0: cr.Tensor, w: cr.Tensor) -> cr.Tensor:
        out, (h, c) = lstm(x, (h0, c0))
        return out.sum() + (h * c).sum() + 0 * w.sum()

    assert cr.gradcheck(fn, [x, h0, c0, lstm.weight_hh_l0])
    # and every parameter: central differences at each parameter's largest gradient entry
    params = list(lstm.parameters())
    loss = lambda: (lambda r: r[0].sum() + (r[1][0] * r[1][1]).sum())(lstm(x, (h0, c0)))  # noqa: E731
    lstm.zero_grad()
    loss().backward()
    eps = 1e-6
    for p in params:
        analytic = p.grad.numpy()
        idx = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(analytic)), analytic.shape))
        old = p._data[idx]
        p._data[idx] = old + eps
        up = loss().item()
        p._data[idx] = old - eps
        down = loss().item()
        p._data[idx] = old
        assert abs((up - down) / (2 * eps) - analytic[idx]) < 1e-6 * max(1.0, abs(analytic[idx]))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN_tanh"])
def test_second_order_gradients_match_torch(kind: str) -> None:
    ours, theirs = pair(kind, 3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    x = data(3, 2, 3, dtype=np.float64)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gc,) = cr.autograd.grad(flat(ours(xc))[0].tanh().sum(), xc, create_graph=True)
    (gt,) = torch.autograd.grad(flat(theirs(xt))[0].tanh().sum(), xt, create_graph=True)
    close(gc, gt, **TOL[np.float64])
    (gc**2).sum().backward()
    (gt**2).sum().backward()
    close(xc.grad, xt.grad, **TOL[np.float64])
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, torch_params[name].grad, **TOL[np.float64])


# ----------------------------------------------------------------------------- errors
def _torch_error(fn: object) -> BaseException:
    try:
        fn(torch.nn)
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("torch accepted it")


ERRORS = [
    # (id, call on a module library, text that must be in our message)
    ("lstm-input-size", lambda m: m.LSTM(10, 20, 2)(_t(m, 5, 3, 9)),
     ["LSTM(10, 20, num_layers=2)", "Expected 10, got 9", "(5, 3, 9)", "(seq_len, batch, 10)"]),
    ("gru-input-size-batch-first", lambda m: m.GRU(4, 5, batch_first=True)(_t(m, 2, 3, 6)),
     ["GRU(4, 5, batch_first=True)", "Expected 4, got 6", "(2, 3, 6)", "(batch, seq_len, 4)"]),
    ("rnn-input-size-unbatched", lambda m: m.RNN(4, 5)(_t(m, 3, 6)),
     ["RNN(4, 5)", "Expected 4, got 6", "(3, 6)", "(seq_len, 4)"]),
    ("lstm-h0-batch", lambda m: m.LSTM(4, 5, 2)(_t(m, 3, 2, 4), (_t(m, 2, 3, 5), _t(m, 2, 2, 5))),
     ["LSTM(4, 5, num_layers=2)", "Expected hidden[0] size (2, 2, 5), got [2, 3, 5]", "(3, 2, 4)"]),
    ("lstm-c0-size", lambda m: m.LSTM(4, 5)(_t(m, 3, 2, 4), (_t(m, 1, 2, 5), _t(m, 1, 2, 4))),
     ["Expected hidden[1] size (1, 2, 5), got [1, 2, 4]"]),
    ("gru-h0-layers", lambda m: m.GRU(4, 5)(_t(m, 3, 2, 4), _t(m, 2, 2, 5)),
     ["GRU(4, 5)", "Expected hidden size (1, 2, 5), got [2, 2, 5]",
      "(num_layers * num_directions, batch, hidden_size)"]),
    ("rnn-h0-bidirectional", lambda m: m.RNN(4, 5, bidirectional=True)(_t(m, 3, 2, 4), _t(m, 1, 2, 5)),
     ["Expected hidden size (2, 2, 5), got [1, 2, 5]"]),
    ("lstm-h0-dims", lambda m: m.LSTM(4, 5)(_t(m, 3, 2, 4), (_t(m, 2, 5), _t(m, 1, 2, 5))),
     ["For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"]),
    ("gru-h0-dims-unbatched", lambda m: m.GRU(4, 5)(_t(m, 3, 4), _t(m, 1, 1, 5)),
     ["For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"]),
    ("lstm-4d", lambda m: m.LSTM(4, 5)(_t(m, 3, 2, 2, 4)), ["LSTM: Expected input to be 2D or 3D, got 4D"]),
    ("gru-1d", lambda m: m.GRU(4, 5)(_t(m, 4)), ["GRU: Expected input to be 2D or 3D, got 1D"]),
    ("rnn-dtype", lambda m: m.RNN(4, 5)(_t(m, 3, 2, 4).double()),
     ["input dtype", "float64", "does not match weight dtype", "float32"]),
    ("gru-h0-dtype", lambda m: m.GRU(3, 4)(_t(m, 2, 1, 3), _t(m, 1, 1, 4).double()),
     ["GRU(3, 4)", "hidden dtype", "float64", "does not match the input dtype", "float32"]),
    ("lstm-c0-dtype", lambda m: m.LSTM(3, 4)(_t(m, 2, 1, 3), (_t(m, 1, 1, 4), _t(m, 1, 1, 4).double())),
     ["LSTM(3, 4)", "hidden[1] dtype", "float64"]),
    ("grucell-hidden-dtype", lambda m: m.GRUCell(3, 4)(_t(m, 1, 3), _t(m, 1, 4).double()),
     ["GRUCell(3, 4)", "hidden dtype", "float64"]),
    ("empty-sequence", lambda m: m.LSTM(4, 5)(_t(m, 0, 2, 4)), ["Expected sequence length to be larger than 0"]),
    ("lstmcell-input-size", lambda m: m.LSTMCell(4, 5)(_t(m, 3, 6)),
     ["LSTMCell(4, 5)", "input has inconsistent input_size: got 6 expected 4", "(3, 6)", "(20, 4)"]),
    ("grucell-hidden-size", lambda m: m.GRUCell(4, 5)(_t(m, 3, 4), _t(m, 3, 6)),
     ["GRUCell(4, 5)", "hidden0 has inconsistent hidden_size: got 6, expected 5", "(3, 6)"]),
    ("lstmcell-batch", lambda m: m.LSTMCell(4, 5)(_t(m, 3, 4), (_t(m, 2, 5), _t(m, 3, 5))),
     ["Input batch size 3 doesn't match hidden0 batch size 2"]),
    ("lstmcell-c-size", lambda m: m.LSTMCell(4, 5)(_t(m, 3, 4), (_t(m, 3, 5), _t(m, 3, 6))),
     ["hidden1 has inconsistent hidden_size: got 6, expected 5"]),
    ("rnncell-3d", lambda m: m.RNNCell(4, 5)(_t(m, 1, 3, 4)), ["RNNCell: Expected input to be 1D or 2D, got 3D"]),
    ("rnncell-hidden-3d", lambda m: m.RNNCell(4, 5)(_t(m, 3, 4), _t(m, 1, 3, 5)),
     ["RNNCell: Expected hidden to be 1D or 2D, got 3D"]),
    ("lstmcell-hx-3d", lambda m: m.LSTMCell(4, 5)(_t(m, 3, 4), (_t(m, 3, 5), _t(m, 1, 3, 5))),
     ["LSTMCell: Expected hx[1] to be 1D or 2D, got 3D"]),
    ("grucell-unbatched-with-batched-hidden", lambda m: m.GRUCell(4, 5)(_t(m, 4), _t(m, 3, 5)),
     ["GRUCell(4, 5)", "unbatched 1-D input of shape (4,)", "(3, 5)"]),
    ("bad-dropout", lambda m: m.LSTM(4, 5, dropout=1.5), ["dropout should be a number in range [0, 1]"]),
    ("bad-hidden-type", lambda m: m.GRU(4, 5.0), ["hidden_size should be of type int, got: float"]),
    ("zero-hidden", lambda m: m.RNN(4, 0), ["hidden_size must be greater than zero"]),
    ("zero-layers", lambda m: m.LSTM(4, 5, 0), ["num_layers must be greater than zero"]),
    ("bad-nonlinearity", lambda m: m.RNN(4, 5, nonlinearity="sigmoid"),
     ["Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."]),
    ("proj-on-gru", lambda m: m.GRU(4, 5, proj_size=2), ["proj_size argument is only supported for LSTM"]),
    ("proj-too-big", lambda m: m.LSTM(4, 5, proj_size=5), ["proj_size has to be smaller than hidden_size"]),
    ("bias-type", lambda m: m.LSTM(4, 5, bias=1), ["bias should be of type bool, got: int"]),
]


def _t(m: object, *shape: int) -> object:
    return torch.zeros(*shape) if m is torch.nn else cr.zeros(*shape)


@pytest.mark.parametrize("name,call,texts", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_raises_like_torch(name: str, call: object, texts: list[str]) -> None:
    expected = _torch_error(call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(type(expected)) as info:
            call(nn)
    for text in texts:
        assert text in str(info.value), (text, str(info.value))


def test_rnncell_rejects_an_unknown_nonlinearity_when_made() -> None:
    # PyTorch accepts it and fails at the first forward; chainrule fails at once, with RNN's message
    with pytest.raises(ValueError, match=re.escape("Unknown nonlinearity 'sigmoid'")):
        nn.RNNCell(4, 5, nonlinearity="sigmoid")


def test_packed_sequences_are_not_supported() -> None:
    with pytest.raises(TypeError, match="packed sequences are not supported"):
        nn.LSTM(4, 5)([cr.zeros(3, 4)])


# ----------------------------------------------------------------------------- the chain rule stays visible
def test_an_lstm_step_is_made_of_ordinary_ops() -> None:
    cell = nn.LSTMCell(2, 3)
    with cr.autograd.observe() as steps:
        h, c = cell(cr.randn(4, 2, requires_grad=True))
        (h.sum() + c.sum()).backward()
    names = [s.op_name for s in steps]
    assert names.count("linear") == 2 and names.count("sigmoid") == 3 and names.count("tanh") == 2
    graph = cr.graph(nn.GRU(2, 3, num_layers=2)(cr.randn(3, 1, 2))[0].sum())
    assert graph.to_json()


def test_lstm_sum_example_learns_to_add() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
    try:
        import lstm_sum
    finally:
        sys.path.pop(0)
    assert lstm_sum.train() < 0.01  # always predicting 0 scores 8/3
