"""`engine.backward.accumulate_grads(leaf, g, leaf, g, ...)` (what a compiled replay calls) must leave exactly what
calling `accumulate_grad(leaf, g, handed)` leaf by leaf with one `handed` set leaves: the same `.grad` tensors
(identity kept where it was added into), values and dtypes to the bit, version counters, and no two `.grad`s
sharing memory where the sequential calls give them separate arrays. Random cases over the kinds of leaves and
gradients a backward hands over."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.engine.backward import accumulate_grad, accumulate_grads

DTYPES = (np.float32, np.float64)


def _case(rng: np.random.Generator) -> list:
    """Specs of (leaf, existing .grad, gradient); arrays may repeat across leaves (one array to two leaves)."""
    shared = {}
    specs = []
    for _ in range(int(rng.integers(1, 6))):
        dt = DTYPES[int(rng.integers(2))]
        zero_d = bool(rng.integers(2))
        shape = () if zero_d else (int(rng.integers(1, 4)),)
        has_grad = bool(rng.integers(2))
        kind = ["scalar", "array", "view", "shared", "other dtype", "tensor"][int(rng.integers(6))]
        specs.append((dt, shape, has_grad, kind, int(rng.integers(1000))))
        shared.setdefault(shape, None)
    return specs


def _build(specs: list) -> tuple[list, list]:
    leaves, grads = [], []
    shared: dict = {}
    for dt, shape, has_grad, kind, seed in specs:
        rng = np.random.default_rng(seed)
        value = rng.standard_normal(shape).astype(dt)
        leaf = cr.tensor(value if shape else dt(value), requires_grad=True)
        if has_grad:
            leaf.grad = cr.tensor(rng.standard_normal(shape).astype(dt) if shape else dt(rng.standard_normal()))
        gv = rng.standard_normal(shape).astype(dt)
        if kind == "scalar" or not shape:
            g = dt(gv) if kind != "other dtype" else np.float64(gv) if dt is np.float32 else np.float32(gv)
            if kind == "tensor":
                g = cr.tensor(g)
        elif kind == "array":
            g = gv
        elif kind == "view":
            g = np.concatenate([gv, gv])[: shape[0]]
        elif kind == "shared":
            g = shared.setdefault((shape, dt), gv)
        elif kind == "other dtype":
            g = gv.astype(np.float64 if dt is np.float32 else np.float32)
        else:
            g = cr.tensor(gv)
        leaves.append(leaf)
        grads.append(g)
    return leaves, grads


def _state(leaves: list, before: list) -> list:
    out = []
    for leaf, old in zip(leaves, before):
        grad = leaf.grad
        data = np.asarray(grad.numpy()) if grad is not None else None
        out.append((grad is old, None if data is None else (data.dtype, data.shape, data.tobytes()),
                    None if grad is None else grad._version))
    arrays = [np.asarray(leaf.grad.numpy()) for leaf in leaves if leaf.grad is not None]
    sharing = [[np.shares_memory(a, b) for b in arrays] for a in arrays]
    return out + [sharing]


@pytest.mark.parametrize("seed", range(300))
def test_accumulate_grads_equals_accumulate_grad_leaf_by_leaf(seed: int) -> None:
    specs = _case(np.random.default_rng(seed))
    results = []
    for batched in (False, True):
        leaves, grads = _build(specs)
        before = [leaf.grad for leaf in leaves]
        try:
            if batched:
                accumulate_grads(*[x for pair in zip(leaves, grads) for x in pair])
            else:
                handed: set[int] = set()
                for leaf, g in zip(leaves, grads):
                    accumulate_grad(leaf, g, handed)
            results.append(_state(leaves, before))
        except Exception as exc:  # noqa: BLE001 - the same exception either way
            results.append((type(exc), str(exc)))
    assert results[0] == results[1]
