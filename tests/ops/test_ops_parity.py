"""Value-and-gradient parity with PyTorch for every op in the table (float32 and float64), including
gradients through create_graph=True (the TensorXP path of each VJP) and second derivatives."""

from __future__ import annotations

import pytest
from _ops_cases import CASES
from _ops_harness import check_parity, flat_outputs, make_inputs

import chainrule as cr
from chainrule.ops.registry import REGISTRY


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_parity_with_torch(case, dtype):
    check_parity(case, dtype)


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


# The ops of chainrule/ops (elementwise, activations, reductions, shape_ops, indexing, joins, linalg, inplace);
# nn's ops (conv, pooling, losses) are covered by tests/nn.
OWN_OPS = {
    "to_copy", "add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "floor_divide", "where", "neg",
    "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "abs", "sign",
    "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan", "erf", "floor", "ceil", "round", "trunc", "relu",
    "leaky_relu", "elu", "sigmoid", "gelu", "silu", "softplus", "clamp", "softmax", "log_softmax", "index",
    "index_add_zeros", "index_put", "cat", "stack", "constant_pad_nd", "matmul", "einsum", "sum", "mean", "prod",
    "amax", "amin", "max_dim", "min_dim", "var", "std", "norm", "logsumexp", "cumsum", "reshape", "permute", "expand",
    "repeat", "flip", "clone", "tril", "triu", "cumprod", "lerp",
    "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill", "roll",
}


def _graph_ops(tensors, seen):
    stack = [t.grad_fn for t in tensors if isinstance(t, cr.Tensor) and t.grad_fn is not None]
    visited = set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        seen.add(node.op.name)
        stack.extend(p for p in node.parents if p is not None and not isinstance(p, cr.Tensor))


def test_table_reaches_every_op_and_its_create_graph_backward():
    """Every op of chainrule/ops appears in some row's forward graph, and (through create_graph=True) in some
    row's backward graph too: each VJP has run on chainrule tensors."""
    forward, backward = set(), set()
    for case in CASES:
        if not case.grad:
            continue
        ins = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in make_inputs(case)]
        outs = [o for o in flat_outputs(case.fn(cr, *ins)) if isinstance(o, cr.Tensor) and o.requires_grad]
        _graph_ops(outs, forward)
        if outs:
            grads = cr.autograd.grad(outs, ins, [cr.ones_like(o, requires_grad=True) for o in outs], allow_unused=True,
                                    create_graph=True)
            _graph_ops([g for g in grads if g is not None], backward)
    # floor_divide has no derivative (tests/ops/test_ops_errors.py); index_add_zeros is the VJP of indexing
    assert OWN_OPS - forward - {"floor_divide", "index_add_zeros"} == set(), "ops that no differentiable row runs"
    assert set(REGISTRY) >= OWN_OPS, OWN_OPS - set(REGISTRY)
    assert "index_add_zeros" in backward  # and indexing's VJP is itself recorded under create_graph=True


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6,), (300, 100)], ids=["small", "large"])  # ReLU's two backward paths
def test_relu_gate_gradients_match_torch_bit_for_bit(shape, dtype):
    """Closed gates pass +0 (never -0 or NaN) even for inf/NaN upstream; a NaN input passes its gradient."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    x.flat[:3] = [np.nan, 0.0, -0.0]
    x.flat[3:6] = -1.0
    g.flat[3:6] = [np.inf, np.nan, -2.0]
    ours = cr.tensor(x, requires_grad=True)
    cr.relu(ours).backward(cr.tensor(g))
    ref = torch.tensor(x, requires_grad=True)
    torch.relu(ref).backward(torch.tensor(g))
    got, want = ours.grad.numpy(), ref.grad.numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_number_divided_by_tensor_is_computed_and_saved_as_pytorch_does():
    """`2.0 / y` is reciprocal(y) * 2: the same rounding and grad_fn chain, and writing into y afterwards is
    legal (the reciprocal's output is saved, not y)."""
    import numpy as np
    import torch

    x = np.random.default_rng(3).standard_normal(500).astype(np.float32)
    ours, ref = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a, b = ours * 1.0, ref * 1.0
    qa, qb = 2.0 / a, 2.0 / b
    assert qa.grad_fn.name() == qb.grad_fn.name() == "MulBackward0"
    assert qa.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    with cr.no_grad():
        a.add_(1.0)
    with torch.no_grad():
        b.add_(1.0)
    qa.sum().backward()
    qb.sum().backward()
    np.testing.assert_array_equal(qa.detach().numpy(), qb.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), ref.grad.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cumprod_gradient_with_zeros_matches_torch_on_random_inputs(dtype):
    """Slices with no, one or several zeros, anywhere: the O(n) array path (and, with create_graph=True, the
    differentiable O(n^2) one) give PyTorch's gradient; a long all-zero slice stays fast."""
    import numpy as np
    import torch

    rng = np.random.default_rng(4)
    rtol, atol = (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12)
    for _ in range(60):
        shape = tuple(int(n) for n in rng.integers(1, 6, rng.integers(1, 4)))
        x = rng.standard_normal(shape).astype(dtype)
        x[rng.random(shape) < 0.3] = 0.0
        g = rng.standard_normal(shape).astype(dtype)
        dim = int(rng.integers(-len(shape), len(shape)))
        ref = torch.tensor(x, requires_grad=True)
        torch.cumprod(ref, dim).backward(torch.tensor(g))
        for create_graph in (False, True):
            ours = cr.tensor(x, requires_grad=True)
            (grad,) = cr.autograd.grad(cr.cumprod(ours, dim), ours, cr.tensor(g), create_graph=create_graph)
            assert grad.dtype == ours.dtype
            np.testing.assert_allclose(grad.detach().numpy(), ref.grad.numpy(), rtol=rtol, atol=atol)
    big = cr.zeros(100_000, dtype=getattr(cr, dtype), requires_grad=True)
    cr.cumprod(big, 0).sum().backward()
    assert big.grad.numpy()[0] == 1.0 and not big.grad.numpy()[1:].any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hardtanh_passes_no_gradient_at_its_bounds_like_torch(dtype):
    """One op for cr.hardtanh and F.hardtanh: gradient 1 strictly inside, +0 at and beyond the bounds (clamp
    passes it at the bounds); grad_fn HardtanhBackward0; the same through create_graph."""
    import numpy as np
    import torch

    x = np.array([-2.0, -1.0, -0.5, 0.0, 1.0, 3.0], dtype=dtype)
    g = np.array([1.0, -2.0, 3.0, -4.0, -5.0, -6.0], dtype=dtype)
    for create_graph in (False, True):
        ours = cr.tensor(x, requires_grad=True)
        ref = torch.tensor(x, requires_grad=True)
        yo, yr = cr.hardtanh(ours, -1.0, 1.0), torch.nn.functional.hardtanh(ref, -1.0, 1.0)
        assert yo.grad_fn.name() == yr.grad_fn.name() == "HardtanhBackward0"
        (go,) = cr.autograd.grad(yo, ours, cr.tensor(g), create_graph=create_graph)
        (gr,) = torch.autograd.grad(yr, ref, torch.tensor(g), create_graph=create_graph)
        np.testing.assert_array_equal(go.detach().numpy(), gr.detach().numpy())
        np.testing.assert_array_equal(np.signbit(go.detach().numpy()), np.signbit(gr.detach().numpy()))


MIXED_INDICES = [(None, [0, 0], None, 0), (0, slice(None), [1, 2]), ([1, 0], 0), (0, [1, 2], slice(1, 3)),
                 (Ellipsis, 1, [0, 3]), (1, [[0, 1], [2, 2]], 2), (0, "mask"), (-1, slice(None), [0, -1])]


@pytest.mark.parametrize("index", MIXED_INDICES, ids=str)
def test_integers_mixed_with_index_arrays_select_first_as_in_torch(index):
    """PyTorch applies the integers of an index that holds arrays as selections first (NumPy counts them as
    arrays, which moves the result's dimensions): reads, gradients, writes and gradients through writes."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 4))
    idx = tuple(np.array([True, False, True]) if p == "mask" else p for p in index)
    tidx = tuple(torch.tensor(p) if isinstance(p, list | np.ndarray) else p for p in idx)
    x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    yo, yt = x[idx], t[tidx]
    assert tuple(yo.shape) == tuple(yt.shape)
    g = rng.standard_normal(tuple(yt.shape))
    yo.backward(cr.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(yo.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    # a write at the same index, with gradients to the written tensor and to the value
    v = rng.standard_normal(tuple(yt.shape))
    x2, t2 = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    vo, vt = cr.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    zo, zt = x2 * 1.0, t2 * 1.0
    zo[idx] = vo * 2.0
    zt[tidx] = vt * 2.0
    np.testing.assert_array_equal(zo.detach().numpy(), zt.detach().numpy())
    w = rng.standard_normal(a.shape)
    (zo * cr.tensor(w)).sum().backward()
    (zt * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x2.grad.numpy(), t2.grad.numpy())
    np.testing.assert_array_equal(vo.grad.numpy(), vt.grad.numpy())
