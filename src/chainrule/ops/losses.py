"""Fused losses, one op each so explanations see a loss as one step: `cross_entropy`, `nll_loss`,
`binary_cross_entropy` and `binary_cross_entropy_with_logits` (numerically stable forms).

Each has a forward, a VJP written against `xp` (so `create_graph=True` works) and a formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.ops.registry import _forward_error, apply, defop


# ----------------------------------------------------------------------------- fused losses
# Both cross-entropy forms reduce to loss_n = -sum_c q[n, c] * log_softmax(x)[n, c] / denom with a constant
# target matrix q (class weights, ignored entries and label smoothing folded in) and a constant `denom`.
# Plain class indices (no weights, smoothing or ignored entries) skip q: `target` holds the indices.
# The wrappers compute the per-sample losses (`per`) and keep exp(x - rowmax) and its row sums, from which
# the backward pass makes softmax(x) without a second exp.
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


def _softmax_sums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x - rowmax, exp of it, its sums over dim 1): no overflow for any logits."""
    # fmax is the faster reduction; a NaN logit still makes its row's loss NaN through the sum of exps
    shifted = x - np.fmax.reduce(x, axis=1, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=1, keepdims=True)


def onehot(target: np.ndarray, shape: tuple, dtype: Any) -> np.ndarray:
    """The class indices of (N, C) logits as a one-hot (N, C) matrix."""
    q = np.zeros(shape, dtype)
    q[np.arange(shape[0]), target] = 1
    return q


_ROW_STARTS: dict[tuple[int, int], np.ndarray] = {}


def _flat_index(target: np.ndarray, classes: int) -> np.ndarray:
    """Where each row's target class sits in the flattened (N, C) matrix: faster than 2-D fancy indexing."""
    key = (len(target), classes)
    starts = _ROW_STARTS.get(key)
    if starts is None:  # arange(N) * C, cached per batch shape (never written to)
        if len(_ROW_STARTS) > 64:
            _ROW_STARTS.clear()
        starts = _ROW_STARTS[key] = np.arange(0, key[0] * classes, classes)
    return starts + target


def _ce_forward(x: Any, q: np.ndarray | None, target: np.ndarray | None, reduction: str, denom: float,
                per: np.ndarray, e: np.ndarray, total: np.ndarray, flat: np.ndarray | None = None) -> Any:
    if reduction == "mean":
        return per.dtype.type(per.sum() / denom)
    return _reduce(per, reduction, denom)


def _ce_vjp(xp: Any, g: Any, out: Any, x: Any, q: np.ndarray | None, target: np.ndarray | None, reduction: str,
            denom: float, per: np.ndarray, e: np.ndarray, total: np.ndarray, flat: np.ndarray | None = None) -> tuple:
    if not xp.is_tensor:
        grad = e / total  # softmax(x), a fresh array
        if q is None:
            grad.ravel()[flat] -= grad.dtype.type(1)  # a Python 1 would take NumPy's slower casting path
        else:
            grad = grad * q.sum(axis=1, keepdims=True) - q
        grad *= _scale(xp, g, reduction, denom)
        return (grad,)
    from chainrule.ops.activations import softmax

    if q is None:
        assert target is not None  # class-index targets: `q` is None, `target` given
        q = onehot(target, x.shape, x.array.dtype)
    return ((softmax(x, 1) * q.sum(axis=1, keepdims=True) - q) * _scale(xp, g, reduction, denom),)


CROSS_ENTROPY = defop("cross_entropy", _ce_forward, "x", vjp=_ce_vjp,
                      formulas=("softmax(x) * sum(q) - q  (q: the target distribution, weighted)",),
                      backward_name="CrossEntropyLossBackward0")


def cross_entropy(input: Tensor, q: np.ndarray, reduction: str, denom: float) -> Tensor:
    """Fused log_softmax + negative log likelihood against a target matrix q."""
    shifted, e, total = _softmax_sums(input.array)
    per = -(q * (shifted - np.log(total))).sum(axis=1)
    return apply(CROSS_ENTROPY, (input,), {"q": q, "target": None, "reduction": reduction, "denom": denom,
                                          "per": per, "e": e, "total": total})


def cross_entropy_indices(input: Tensor, target: np.ndarray, reduction: str) -> Tensor | None:
    """The common case: (N, C) logits, int64 class indices, nothing weighted, smoothed or ignored. None when
    an index is outside [0, C), so that the caller's general path ignores or reports it."""
    if target.view(np.uint64).max() >= input.array.shape[1]:  # one pass: negative indices wrap to huge values
        return None
    shifted, e, total = _softmax_sums(input.array)
    flat = _flat_index(target, shifted.shape[1])
    per = np.log(total.ravel()) - shifted.ravel()[flat]
    return apply(CROSS_ENTROPY, (input,), {"q": None, "target": target, "reduction": reduction,
                                          "denom": float(len(target)), "per": per, "e": e, "total": total,
                                          "flat": flat})


# nll_loss(x, q) = -sum_c q[n, c] x[n, c] / denom; plain class indices (`target`, no q) pick -x[n, target[n]]
# (also where another entry of the row is -inf, at which q * x would make 0 * -inf = nan)
def _nll_forward(x: Any, q: np.ndarray | None, reduction: str, denom: float, target: np.ndarray | None = None,
                 shape: tuple = ()) -> Any:
    if q is not None:  # only where q is nonzero, as PyTorch picks the target's entry: 0 * -inf is no nan here
        picked = np.zeros(np.broadcast_shapes(q.shape, np.shape(x)), np.result_type(q, x))
        np.multiply(q, x, out=picked, where=q != 0)
        return _reduce(-picked.sum(axis=1), reduction, denom)
    assert target is not None  # class-index targets: `q` is None, `target` given
    return _reduce(-x.ravel()[_flat_index(target, shape[1])], reduction, denom)


def _nll_vjp(xp: Any, g: Any, out: Any, x: Any, q: np.ndarray | None, reduction: str, denom: float,
             target: np.ndarray | None = None, shape: tuple = ()) -> tuple:
    scale = _scale(xp, g, reduction, denom)
    if q is not None:
        return (-q * scale,)
    assert target is not None  # as in the forward
    if xp.is_tensor:  # (x is not saved: the upstream gradient has the loss's dtype, which is x's)
        return (-onehot(target, shape, g.array.dtype) * scale,)
    grad = np.zeros(shape, g.dtype)
    grad.ravel()[_flat_index(target, shape[1])] = -scale.ravel() if reduction == "none" else -scale
    return (grad,)


NLL_LOSS = defop("nll_loss", _nll_forward, "x", vjp=_nll_vjp,
                 formulas=("-q  (q: the weighted one-hot target)",), saves="nothing",
                 backward_name="NllLossBackward0")


def nll_loss(input: Tensor, q: np.ndarray, reduction: str, denom: float) -> Tensor:
    return apply(NLL_LOSS, (input,), {"q": q, "reduction": reduction, "denom": denom})


def nll_loss_indices(input: Tensor, target: np.ndarray, reduction: str) -> Tensor | None:
    """The common case: (N, C) log-probabilities, int64 class indices, nothing weighted or ignored. None when an
    index is outside [0, C), so that the caller's general path ignores or reports it."""
    shape = input.array.shape
    if target.view(np.uint64).max() >= shape[1]:  # one pass: negative indices wrap to huge values
        return None
    return apply(NLL_LOSS, (input,), {"q": None, "reduction": reduction, "denom": float(len(target)),
                                     "target": target, "shape": shape})


# smooth_l1_loss and huber_loss of d = x - y: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; huber_loss is
# that times delta (= beta). Both switch at |d| < beta and round as PyTorch's kernels (0.5 |d| |d| first), so that
# the values are PyTorch's bits, at the switch and for subnormal results too. The target y is a constant (no
# gradient flows into it).
def _robust(huber: bool) -> tuple[Any, Any]:
    def forward(x: Any, y: Any, beta: float, reduction: str) -> Any:
        d = x - y
        a = np.abs(d)
        if huber:
            per = np.where(a < beta, 0.5 * a * a, (a - 0.5 * beta) * beta)
        else:
            per = np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)
        return _reduce(per, reduction, per.size)

    def vjp(xp: Any, g: Any, out: Any, x: Any, y: Any, beta: float, reduction: str) -> tuple:
        d = x - y
        a = np.abs(xp.data(d))
        if huber:
            local = xp.where(a <= beta, d, xp.sign(d) * beta)
        else:
            local = xp.where(a < beta, d / beta, xp.sign(d))
        grad = local * (g / a.size if reduction == "mean" else g)
        return (xp.sum_to(grad, np.shape(xp.data(x))),)  # (a target of a larger shape broadcasts x)

    return forward, vjp


SMOOTH_L1 = defop("smooth_l1_loss", _robust(False)[0], "x", vjp=_robust(False)[1],
                  formulas=("d / beta where |d| < beta, else sign(d)  (d = x - target)",),
                  backward_name="SmoothL1LossBackward0")
HUBER = defop("huber_loss", _robust(True)[0], "x", vjp=_robust(True)[1],
              formulas=("d where |d| <= delta, else delta * sign(d)  (d = x - target)",),
              backward_name="HuberLossBackward0")


def smooth_l1(input: Tensor, target: Any, beta: float, reduction: str, huber: bool = False) -> Tensor:
    """smooth_l1_loss (or huber_loss with delta = beta) of `input` against the constant `target` (an array)."""
    op = HUBER if huber else SMOOTH_L1
    try:
        np.broadcast_shapes(np.shape(input.array), np.shape(target))
    except ValueError as exc:
        raise _forward_error(op, [input.array, target], exc) from None
    return apply(op, (input,), {"y": target, "beta": beta, "reduction": reduction})


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
