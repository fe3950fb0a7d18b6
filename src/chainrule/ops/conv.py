"""Ops for neural-network layers and losses: `linear`, `conv2d` (im2col + matmul), `max_pool2d`,
`avg_pool2d`, the unfold/fold pair they are built on, and the fused losses (`cross_entropy`,
`nll_loss`, `binary_cross_entropy[_with_logits]`).

Each is one op with a forward, a VJP written against `xp` (so `create_graph=True` works and the
gradients are themselves differentiable) and a formula for explanations. Where a VJP needs
im2col/col2im on tensors it calls the differentiable `unfold`/`fold` ops defined here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from chainrule.engine.tensor import Tensor
from chainrule.ops.registry import apply, defop

Pair = tuple[int, int]


# ----------------------------------------------------------------------------- im2col / col2im on arrays
def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def windows(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, fill: float = 0.0) -> np.ndarray:
    """A strided view (N, C, kh, kw, oh, ow) of every kernel window of x (N, C, H, W)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    view = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]  # (N, C, oh, ow, kh, kw)
    return view.transpose(0, 1, 4, 5, 2, 3)


def np_unfold(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """im2col: (N, C, H, W) -> (N, C*kh*kw, oh*ow), as `torch.nn.functional.unfold`."""
    w = windows(x, kernel, stride, padding)
    n, c, kh, kw, oh, ow = w.shape
    return w.reshape(n, c * kh * kw, oh * ow)


def np_fold(cols: np.ndarray, size: Pair, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """col2im, the adjoint of `np_unfold`: overlapping window entries are summed back into (N, C, H, W)."""
    (h, w), (kh, kw), (sh, sw), (ph, pw) = size, kernel, stride, padding
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += blocks[:, :, i, j]
    return out[:, :, ph:ph + h, pw:pw + w] if ph or pw else out


# ----------------------------------------------------------------------------- unfold / fold ops
UNFOLD = defop(
    "unfold", lambda x, kernel, stride, padding: np_unfold(x, kernel, stride, padding), "x",
    vjp=lambda xp, g, out, x, kernel, stride, padding: (fold_(xp, g, x.shape[2:], kernel, stride, padding),),
    formulas=("1 from each window position back to its pixel (col2im, summed over overlaps)",),
    saves_inputs=False, backward_name="Im2ColBackward0",
)
FOLD = defop(
    "fold", lambda g, size, kernel, stride, padding: np_fold(g, size, kernel, stride, padding), "cols",
    vjp=lambda xp, g, out, cols, size, kernel, stride, padding: (unfold_(xp, g, kernel, stride, padding),),
    formulas=("each pixel's gradient copied to every window containing it (im2col)",),
    saves_inputs=False, backward_name="Col2ImBackward0",
)


def unfold_(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair) -> Any:
    if xp.is_tensor:
        return apply(UNFOLD, (x,), {"kernel": kernel, "stride": stride, "padding": padding})
    return np_unfold(x, kernel, stride, padding)


def fold_(xp: Any, cols: Any, size: tuple, kernel: Pair, stride: Pair, padding: Pair) -> Any:
    size = (int(size[0]), int(size[1]))
    if xp.is_tensor:
        return apply(FOLD, (cols,), {"size": size, "kernel": kernel, "stride": stride, "padding": padding})
    return np_fold(cols, size, kernel, stride, padding)


def unfold(input: Tensor, kernel_size: Pair, stride: Pair = (1, 1), padding: Pair = (0, 0)) -> Tensor:
    return apply(UNFOLD, (input,), {"kernel": kernel_size, "stride": stride, "padding": padding})


# ----------------------------------------------------------------------------- linear
def _linear_forward(x: Any, w: Any, b: Any, input_grad: bool = True) -> Any:
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _linear_vjp(xp: Any, g: Any, out: Any, x: Any, w: Any, b: Any, input_grad: bool = True) -> tuple:
    """`input_grad=False` (the input needs no gradient, e.g. a batch of data) skips G @ W."""
    if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short
        return g @ w if input_grad else None, g.T @ x, None if b is None else g.sum(0)
    gx = xp.matmul(g, w) if input_grad else None
    g2 = g if len(g.shape) == 2 else xp.reshape(g, (-1, w.shape[0]))
    x2 = x if len(x.shape) == 2 else xp.reshape(x, (-1, w.shape[1]))
    gw = xp.matmul(xp.swapaxes(g2, 0, 1), x2)
    gb = None if b is None else xp.sum(g2, axis=0)
    return gx, gw, gb


LINEAR = defop("linear", _linear_forward, "x weight bias", vjp=_linear_vjp,
               formulas=("G @ W", "G^T @ x", "sum of G over the batch"), backward_name="AddmmBackward0")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ W^T + b as one op (PyTorch's addmm)."""
    if input.requires_grad:
        return apply(LINEAR, (input, weight, bias))
    return apply(LINEAR, (input, weight, bias), {"input_grad": False})


# ----------------------------------------------------------------------------- conv2d
def _conv2d_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, input_grad: bool = True) -> Any:
    o, _, kh, kw = w.shape
    cols = np_unfold(x, (kh, kw), stride, padding)  # (N, C*kh*kw, L)
    out = np.matmul(w.reshape(o, -1), cols)  # (N, O, L)
    if b is not None:
        out += b.reshape(1, o, 1)
    oh = out_size(x.shape[2], kh, stride[0], padding[0])
    return out.reshape(x.shape[0], o, oh, -1)


def _conv2d_vjp(xp: Any, g: Any, out: Any, x: Any, w: Any, b: Any, stride: Pair, padding: Pair,
                input_grad: bool = True) -> tuple:
    o, c, kh, kw = w.shape
    n = x.shape[0]
    g3 = xp.reshape(g, (n, o, -1))  # (N, O, L)
    w2 = xp.reshape(w, (o, c * kh * kw))
    cols = unfold_(xp, x, (kh, kw), stride, padding)  # recomputed rather than kept alive between passes
    gw = xp.reshape(xp.sum(xp.matmul(g3, xp.swapaxes(cols, 1, 2)), axis=0), w.shape)
    gx = None
    if input_grad:  # skipped for a first layer fed with data
        gx = fold_(xp, xp.matmul(xp.swapaxes(w2, 0, 1), g3), x.shape[2:], (kh, kw), stride, padding)
    gb = None if b is None else xp.sum(g3, axis=(0, 2))
    return gx, gw, gb


CONV2D = defop("conv2d", _conv2d_forward, "x weight bias", vjp=_conv2d_vjp,
               formulas=("col2im(W^T @ G)", "sum over the batch of G @ im2col(x)^T", "sum of G over batch and pixels"),
               backward_name="ConvolutionBackward0")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Pair, padding: Pair) -> Tensor:
    return apply(CONV2D, (input, weight, bias), {"stride": stride, "padding": padding,
                                                 "input_grad": input.requires_grad})


# ----------------------------------------------------------------------------- pooling
def _pool_shape(x: Any, kernel: Pair, stride: Pair, padding: Pair) -> tuple[int, int]:
    h = out_size(x.shape[2], kernel[0], stride[0], padding[0])
    return h, out_size(x.shape[3], kernel[1], stride[1], padding[1])


def max_pool_mask(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """One-hot (N, C*kh*kw, L) marking each window's maximum (the first one on ties, as PyTorch)."""
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    cols = windows(x, kernel, stride, padding, fill=-np.inf).reshape(n, c, k, -1)
    arg = np.argmax(cols, axis=2)
    mask = np.arange(k).reshape(1, 1, k, 1) == arg[:, :, None, :]
    return mask.reshape(n, c * k, -1)


def _max_pool_forward(x: Any, kernel: Pair, stride: Pair, padding: Pair, mask: np.ndarray) -> Any:
    n, c = x.shape[:2]
    cols = windows(x, kernel, stride, padding, fill=-np.inf).reshape(n, c, kernel[0] * kernel[1], -1)
    return np.max(cols, axis=2).reshape((n, c) + _pool_shape(x, kernel, stride, padding))


def _max_pool_vjp(xp: Any, g: Any, out: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair,
                  mask: np.ndarray) -> tuple:
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    spread = xp.reshape(g, (n, c, 1, -1)) * mask.reshape(n, c, k, -1).astype(x.dtype if not xp.is_tensor
                                                                              else x._data.dtype)
    return (fold_(xp, xp.reshape(spread, (n, c * k, -1)), x.shape[2:], kernel, stride, padding),)


MAX_POOL2D = defop("max_pool2d", _max_pool_forward, "x", vjp=_max_pool_vjp,
                   formulas=("1 at each window's maximum, else 0",), saves_inputs=False,
                   backward_name="MaxPool2DWithIndicesBackward0")


def max_pool2d(input: Tensor, kernel: Pair, stride: Pair, padding: Pair) -> Tensor:
    mask = max_pool_mask(input._data, kernel, stride, padding)
    return apply(MAX_POOL2D, (input,), {"kernel": kernel, "stride": stride, "padding": padding, "mask": mask})


def _avg_pool_forward(x: Any, kernel: Pair, stride: Pair, padding: Pair) -> Any:
    return windows(x, kernel, stride, padding).mean(axis=(2, 3)).astype(x.dtype, copy=False)


def _avg_pool_vjp(xp: Any, g: Any, out: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair) -> tuple:
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    spread = xp.broadcast_to(xp.reshape(g, (n, c, 1, -1)) / k, (n, c, k, g.shape[2] * g.shape[3]))
    return (fold_(xp, xp.reshape(spread, (n, c * k, -1)), x.shape[2:], kernel, stride, padding),)


AVG_POOL2D = defop("avg_pool2d", _avg_pool_forward, "x", vjp=_avg_pool_vjp,
                   formulas=("1/(kh*kw) for every element of the window (padding counted)",), saves_inputs=False,
                   backward_name="AvgPool2DBackward0")


def avg_pool2d(input: Tensor, kernel: Pair, stride: Pair, padding: Pair) -> Tensor:
    return apply(AVG_POOL2D, (input,), {"kernel": kernel, "stride": stride, "padding": padding})


# ----------------------------------------------------------------------------- fused losses
# Both cross-entropy forms reduce to loss_n = -sum_c q[n, c] * log_softmax(x)[n, c] / denom with a constant
# target matrix q (class weights, ignored entries and label smoothing folded in) and a constant `denom`.
# Plain class indices (no weights, smoothing or ignored entries) skip q: `target` holds the indices.
def _reduce(per: np.ndarray, reduction: str, denom: float) -> Any:
    if reduction == "none":
        return per
    total = per.sum(dtype=per.dtype)
    return (total / per.dtype.type(denom) if reduction == "mean" else total).astype(per.dtype)[()]


def _scale(xp: Any, g: Any, reduction: str, denom: float) -> Any:
    """The upstream gradient as a per-sample factor, broadcastable against (N, C, ...)."""
    if reduction == "none":
        return xp.expand_dims(g, 1)
    return g / denom if reduction == "mean" else g


def softmax_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(softmax, log_softmax) over dim 1, from the max-shifted logits: no overflow for any logits."""
    shifted = x - x.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    return e / total, shifted - np.log(total)


def onehot(target: np.ndarray, shape: tuple, dtype: Any) -> np.ndarray:
    """The class indices of (N, C) logits as a one-hot (N, C) matrix."""
    q = np.zeros(shape, dtype)
    q[np.arange(shape[0]), target] = 1
    return q


def _ce_forward(x: Any, q: np.ndarray | None, target: np.ndarray | None, reduction: str, denom: float,
                p: np.ndarray, logp: np.ndarray) -> Any:
    if q is None and reduction == "mean":  # the common case, in few NumPy calls
        return logp.dtype.type(-logp[np.arange(logp.shape[0]), target].sum() / denom)
    per = -logp[np.arange(logp.shape[0]), target] if q is None else -(q * logp).sum(axis=1)
    return _reduce(per, reduction, denom)


def _ce_vjp(xp: Any, g: Any, out: Any, x: Any, q: np.ndarray | None, target: np.ndarray | None, reduction: str,
            denom: float, p: np.ndarray, logp: np.ndarray) -> tuple:
    if not xp.is_tensor and q is None:  # the fast path: softmax - onehot, scaled
        grad = p.copy()
        grad[np.arange(grad.shape[0]), target] -= 1
        return (grad * _scale(xp, g, reduction, denom),)
    if q is None:
        q = onehot(target, p.shape, p.dtype)
    if xp.is_tensor:
        from chainrule.ops.activations import softmax

        p = softmax(x, 1)
    return ((p * q.sum(axis=1, keepdims=True) - q) * _scale(xp, g, reduction, denom),)


CROSS_ENTROPY = defop("cross_entropy", _ce_forward, "x", vjp=_ce_vjp,
                      formulas=("softmax(x) * sum(q) - q  (q: the target distribution, weighted)",),
                      backward_name="CrossEntropyLossBackward0")


def cross_entropy(input: Tensor, q: np.ndarray | None, reduction: str, denom: float,
                  target: np.ndarray | None = None) -> Tensor:
    """Fused log_softmax + negative log likelihood; pass either q or (for plain (N, C) logits) target indices."""
    p, logp = softmax_parts(input._data)
    return apply(CROSS_ENTROPY, (input,), {"q": q, "target": target, "reduction": reduction, "denom": denom,
                                          "p": p, "logp": logp})


NLL_LOSS = defop(
    "nll_loss", lambda x, q, reduction, denom: _reduce(-(q * x).sum(axis=1), reduction, denom), "x",
    vjp=lambda xp, g, out, x, q, reduction, denom: (-q * _scale(xp, g, reduction, denom),),
    formulas=("-q  (q: the weighted one-hot target)",), saves_inputs=False, backward_name="NllLossBackward0",
)


def nll_loss(input: Tensor, q: np.ndarray, reduction: str, denom: float) -> Tensor:
    return apply(NLL_LOSS, (input,), {"q": q, "reduction": reduction, "denom": denom})


def _weighted(per: Any, w: np.ndarray | None) -> Any:
    return per if w is None else per * w


def _bce_logits_forward(x: Any, y: np.ndarray, w: np.ndarray | None, pos_weight: np.ndarray | None,
                        reduction: str) -> Any:
    log_sig_neg = np.logaddexp(0.0, -x).astype(x.dtype)  # -log(sigmoid(x)), stable for any x
    if pos_weight is None:
        per = (1 - y) * x + log_sig_neg
    else:
        per = (1 - y) * x + (1 + (pos_weight - 1) * y) * log_sig_neg
    return _reduce(np.asarray(_weighted(per, w), dtype=x.dtype), reduction, per.size)


def _bce_logits_vjp(xp: Any, g: Any, out: Any, x: Any, y: np.ndarray, w: np.ndarray | None,
                    pos_weight: np.ndarray | None, reduction: str) -> tuple:
    s = xp.sigmoid(x)
    local = s - y if pos_weight is None else (1 + (pos_weight - 1) * y) * s - pos_weight * y
    n = int(np.prod(x.shape))
    scale = g if reduction != "mean" else g / n
    return (_weighted(local * scale, w),)


BCE_WITH_LOGITS = defop("binary_cross_entropy_with_logits", _bce_logits_forward, "x", vjp=_bce_logits_vjp,
                        formulas=("sigmoid(x) - y",), backward_name="BinaryCrossEntropyWithLogitsBackward0")


def bce_with_logits(input: Tensor, y: np.ndarray, w: np.ndarray | None, pos_weight: np.ndarray | None,
                    reduction: str) -> Tensor:
    return apply(BCE_WITH_LOGITS, (input,), {"y": y, "w": w, "pos_weight": pos_weight, "reduction": reduction})


def _bce_forward(p: Any, y: np.ndarray, w: np.ndarray | None, reduction: str) -> Any:
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)  # PyTorch clamps the logs at -100: finite at p = 0 or 1
        log_q = np.maximum(np.log1p(-p), -100.0)
    per = -(y * log_p + (1 - y) * log_q)
    return _reduce(np.asarray(_weighted(per, w), dtype=p.dtype), reduction, per.size)


def _bce_vjp(xp: Any, g: Any, out: Any, p: Any, y: np.ndarray, w: np.ndarray | None, reduction: str) -> tuple:
    pq = p * (1 - p)
    denom = xp.where(pq < 1e-12, 1e-12, pq)  # PyTorch's EPSILON guard
    n = int(np.prod(p.shape))
    scale = g if reduction != "mean" else g / n
    return (_weighted((p - y) / denom * scale, w),)


BCE = defop("binary_cross_entropy", _bce_forward, "p", vjp=_bce_vjp, formulas=("(p - y) / (p (1 - p))",),
            backward_name="BinaryCrossEntropyBackward0")


def bce(input: Tensor, y: np.ndarray, w: np.ndarray | None, reduction: str) -> Tensor:
    return apply(BCE, (input,), {"y": y, "w": w, "reduction": reduction})
