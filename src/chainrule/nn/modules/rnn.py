"""Recurrent layers: `RNNCell`, `LSTMCell`, `GRUCell` and the sequence layers `RNN`, `LSTM`, `GRU`.

Everything is built from existing ops (`linear`, `sigmoid`, `tanh`, `relu`, `chunk`, `unbind`, `stack`,
`cat`), so gradients, `create_graph=True` and the explanations work through them unchanged: an LSTM
unrolled over T steps is T copies of the cell in the graph (while scopes are observed, each layer and each step
runs in a named scope, `record_function("LSTM layer 0, t=3")`, so the explanations group the graph by step).
Gate layouts, parameter names and shapes,
default initialization, `state_dict` keys, result shapes, `repr` and the error messages follow PyTorch, so
a `state_dict` moves between `cr.nn.LSTM` and `torch.nn.LSTM` unchanged. Packed sequences are not
supported.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import warnings
from typing import Any

from chainrule import dtypes
from chainrule.autograd import profiler
from chainrule.creation import empty, zeros
from chainrule.engine.device import check_device
from chainrule.engine.tensor import Tensor
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter
from chainrule.ops import linalg as _ops
from chainrule.ops.joins import cat, stack

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


# ----------------------------------------------------------------------------- one time step
# `gi` is the input projection x_t @ W_ih^T + b_ih; each step adds the hidden projection h @ W_hh^T + b_hh.
def _rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str) -> Tensor:
    pre = gi + _ops.linear(h, w_hh, b_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def _lstm_step(gi: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """PyTorch's gate order: input, forget, cell (g), output."""
    gates = gi + _ops.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h_next = o.sigmoid() * c_next.tanh()
    if w_hr is not None:
        h_next = _ops.linear(h_next, w_hr)
    return h_next, c_next


def _gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """PyTorch's gate order: reset, update (z), new (n); the reset gate multiplies W_hn h + b_hn."""
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = _ops.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (h - n)  # (1 - z) * n + z * h


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")


def _check_size(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


# ----------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Parameters `weight_ih` (chunks*hidden, input), `weight_hh` (chunks*hidden, hidden), `bias_ih`,
    `bias_hh` (chunks*hidden), all uniform in +-1/sqrt(hidden_size) (PyTorch's default)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        _check_size("input_size", input_size)
        _check_size("hidden_size", hidden_size)
        _check_bool("bias", bias)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx: list[Tensor | None], hx_names: list[str]) -> tuple[Tensor, list, bool]:
        """Check input and states as PyTorch does (with the layer and the shapes in each message); return
        the batched input, the batched states (zeros when not given) and whether the input was batched."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a cr.Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for label, h in zip(hx_names, hx):
            if h is not None and h.ndim not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.ndim}D instead")
        batched = input.ndim == 2
        for label, h in zip(hx_names, hx):
            if h is not None and h.ndim != input.ndim:
                raise RuntimeError(f"{self!r}: for {'batched 2-D' if batched else 'unbatched 1-D'} input of shape "
                                   f"{_shape(input)}, {label} should also be {input.ndim}-D but got {h.ndim}-D "
                                   f"tensor of shape {_shape(h)}")
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{self!r}: input dtype ({input.dtype}) does not match weight dtype "
                               f"({self.weight_ih.dtype}); convert the input or the module (`.to(...)`)")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self!r}: input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size} (input of shape {_shape(input)}, weight_ih of shape "
                               f"{_shape(self.weight_ih)})")
        for label, h in zip(hx_names, hx):
            if h is not None and h.dtype != input.dtype:
                raise RuntimeError(f"{self!r}: {label} dtype ({h.dtype}) does not match the input dtype "
                                   f"({input.dtype})")
        x = input if batched else input.unsqueeze(0)
        states = []
        for k, h in enumerate(hx):
            if h is None:
                states.append(zeros(x.shape[0], self.hidden_size, dtype=input.dtype))
                continue
            hb = h if batched else h.unsqueeze(0)
            if hb.shape[0] != x.shape[0]:
                raise RuntimeError(f"{self!r}: Input batch size {x.shape[0]} doesn't match hidden{k} batch size "
                                   f"{hb.shape[0]} (input of shape {_shape(input)}, {hx_names[k]} of shape "
                                   f"{_shape(h)})")
            if hb.shape[1] != self.hidden_size:
                raise RuntimeError(f"{self!r}: hidden{k} has inconsistent hidden_size: got {hb.shape[1]}, expected "
                                   f"{self.hidden_size} ({hx_names[k]} of shape {_shape(h)})")
            states.append(hb)
        return x, states, batched


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). Input (N, input_size) or (input_size,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: dtypes.dtype | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):  # PyTorch only fails at the first forward
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx], ["hidden"])
        out = _rnn_step(_ops.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh,
                        self.nonlinearity)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; `hx=(h, c)` (zeros when None); returns `(h', c')`. Gates in PyTorch's order i, f, g, o."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: dtypes.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{self!r}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        states = [None, None] if hx is None else list(hx)
        x, (h, c), batched = self._prepare(input, states, ["hx[0]", "hx[1]"])
        h, c = _lstm_step(_ops.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; gates in PyTorch's order r, z, n."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: dtypes.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx], ["hidden"])
        out = _gru_step(_ops.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)


# ----------------------------------------------------------------------------- sequence layers
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_NO_SCOPE = contextlib.nullcontext()  # the scope of a time step when nobody observes scopes


class RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrent layers. Parameters per layer k and direction:
    `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (and `weight_hr_l{k}` for an LSTM with
    `proj_size`), with the suffix `_reverse` for the backward direction, in PyTorch's order."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: dtypes.dtype | None = None) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):  # type: ignore[operator]
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:  # type: ignore[operator]
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        _check_bool("bias", bias)
        _check_bool("batch_first", batch_first)
        _check_size("input_size", input_size)
        _check_size("hidden_size", hidden_size)
        if not isinstance(num_layers, int) or isinstance(num_layers, bool):
            raise TypeError(f"num_layers should be of type int, got: {type(num_layers).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)  # type: ignore[arg-type]
        self.bidirectional = bool(bidirectional)
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if self.bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, real_hidden)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op, as PyTorch's on the CPU (it only repacks weights for cuDNN)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --------------------------------------------------------------- checks
    def _check_input(self, input: Tensor, input_shape: tuple[int, ...]) -> None:
        """`input` is batched already; `input_shape` is the shape the caller gave."""
        w = getattr(self, self._flat_weights_names[0])
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). Convert "
                             f"input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            if len(input_shape) == 2:
                layout = f"(seq_len, {self.input_size})"
            else:
                layout = f"({'batch, seq_len' if self.batch_first else 'seq_len, batch'}, {self.input_size})"
            raise RuntimeError(f"{self!r}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]} (input of shape {input_shape}, expected {layout})")
        if input.shape[1 if self.batch_first else 0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")

    def _prepare(self, input: Any, hx: Any) -> tuple[Tensor, list[Tensor | None], bool]:
        """Validate as PyTorch does; return the input as (seq, batch, feature), the batched states (None when
        not given) and whether the input was batched."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a cr.Tensor (packed sequences are not supported), got "
                            f"{type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        lstm = self.mode == "LSTM"
        if hx is None:
            states: list[Tensor | None] = [None, None] if lstm else [None]
        elif lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{self!r}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
            states = list(hx)
            want = 3 if batched else 2
            if states[0].ndim != want or states[1].ndim != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(f"{self!r}: For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({states[0].ndim}-D, {states[1].ndim}-D) tensors")
        else:
            states = [hx]
            want = 3 if batched else 2
            if hx.ndim != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(f"{self!r}: For {kind} input, hx should also be {want}-D but got {hx.ndim}-D tensor")
        input_shape = _shape(input)
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            states = [None if s is None else s.unsqueeze(1) for s in states]
        self._check_input(input, input_shape)
        x = input.transpose(0, 1) if self.batch_first else input
        layers = self.num_layers * (2 if self.bidirectional else 1)
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        expected = [(layers, x.shape[1], real_hidden), (layers, x.shape[1], self.hidden_size)]
        labels = ["hidden[0]", "hidden[1]"] if lstm else ["hidden"]
        for s, label in zip(states, labels):
            if s is not None and s.dtype != input.dtype:
                raise RuntimeError(f"{self!r}: {label} dtype ({s.dtype}) does not match the input dtype "
                                   f"({input.dtype})")
        last = ["proj_size" if self.proj_size > 0 else "hidden_size", "hidden_size"]
        for s, exp, label, size in zip(states, expected, labels, last):
            if s is not None and _shape(s) != exp:
                shown, got, layout = exp, list(s.shape), f"(num_layers * num_directions, batch, {size})"
                if not batched:  # as the caller wrote it, without the batch dimension
                    shown, got = (exp[0], exp[2]), [s.shape[0], s.shape[2]]
                    layout = f"(num_layers * num_directions, {size})"
                raise RuntimeError(f"{self!r}: Expected {label} size {shown}, got {got} ({layout} for an input of "
                                   f"shape {input_shape})")
        return x, states, batched

    # --------------------------------------------------------------- forward
    def _run(self, x: Tensor, states: list[Tensor | None]) -> tuple[Tensor, list[Tensor]]:
        """x: (seq, batch, feature). Returns the last layer's outputs (seq, batch, directions*H) and the final
        states stacked as (layers*directions, batch, H).

        Between layers the sequence stays a list of per-step tensors, and each step projects its own input:
        splitting one (seq, batch, gates) product into steps would cost, in backward, one full-size scatter per
        step (quadratic in the sequence length)."""
        directions = 2 if self.bidirectional else 1
        batch = x.shape[1]
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        lstm = self.mode == "LSTM"
        # one named scope per layer (and direction) and per time step, only when someone observes scopes
        # (`cr.explain` groups the graph by them): "LSTM layer 0", "LSTM layer 0, t=3"
        scoped = profiler.observed()
        kind = "RNN" if self.mode.startswith("RNN") else self.mode
        h0 = states[0].unbind(0) if states[0] is not None else None
        c0 = states[1].unbind(0) if lstm and states[1] is not None else None
        xs = list(x.unbind(0))
        finals_h: list[Tensor] = []
        finals_c: list[Tensor] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
                b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
                b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
                w_hr = getattr(self, "weight_hr" + suffix) if self.proj_size > 0 else None
                index = layer * directions + direction
                h = h0[index] if h0 is not None else zeros(batch, real_hidden, dtype=x.dtype)
                c = None
                if lstm:
                    c = c0[index] if c0 is not None else zeros(batch, self.hidden_size, dtype=x.dtype)
                hs: list[Any] = [None] * len(xs)
                where = f"{kind} layer {layer}{', reverse' if direction else ''}" if scoped else ""
                with profiler.record_function(where) if scoped else _NO_SCOPE:
                    for t in (range(len(xs) - 1, -1, -1) if direction else range(len(xs))):
                        with profiler.record_function(f"{where}, t={t}") if scoped else _NO_SCOPE:
                            gi = _ops.linear(xs[t], w_ih, b_ih)
                            if lstm:
                                h, c = _lstm_step(gi, h, c, w_hh, b_hh, w_hr)
                            elif self.mode == "GRU":
                                h = _gru_step(gi, h, w_hh, b_hh)
                            else:
                                h = _rnn_step(gi, h, w_hh, b_hh, "tanh" if self.mode == "RNN_TANH" else "relu")
                        hs[t] = h
                outputs.append(hs)
                finals_h.append(h)
                if lstm:
                    finals_c.append(c)
            xs = outputs[0] if directions == 1 else [cat(pair, -1) for pair in zip(*outputs)]
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                xs = [F.dropout(v, self.dropout, True) for v in xs]
        finals = [stack(finals_h, 0)] + ([stack(finals_c, 0)] if lstm else [])
        return stack(xs, 0), finals

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        x, states, batched = self._prepare(input, hx)
        out, finals = self._run(x, states)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            finals = [f.squeeze(1) for f in finals]
        return (out, (finals[0], finals[1])) if self.mode == "LSTM" else (out, finals[0])


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked `num_layers` deep.

    `forward(input, h_0=None)` -> `(output, h_n)`: input (L, N, H_in) ((N, L, H_in) with `batch_first`,
    (L, H_in) unbatched), output (L, N, D*H_out), h_n (D*num_layers, N, H_out)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: dtypes.dtype | None = None, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"RNN.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory, stacked `num_layers` deep; gates i, f, g, o as PyTorch.

    `forward(input, (h_0, c_0)=None)` -> `(output, (h_n, c_n))`. With `proj_size > 0` the hidden state is
    projected by `weight_hr_l{k}` to `proj_size` features (PyTorch's LSTMP)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: dtypes.dtype | None = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, stacked `num_layers` deep; gates r, z, n as PyTorch.

    `forward(input, h_0=None)` -> `(output, h_n)`."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: dtypes.dtype | None = None, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"GRU.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
