"""Autograd semantics, checked against PyTorch and finite differences."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch

import chainrule as cr


def test_readme_snippet_matches_chapter_and_torch():
    x = cr.tensor(3.0)
    w1 = cr.tensor(0.5, requires_grad=True)
    b1 = cr.tensor(0.0, requires_grad=True)
    w2 = cr.tensor(2.0, requires_grad=True)
    b2 = cr.tensor(-1.0, requires_grad=True)
    loss = (w2 * cr.relu(w1 * x + b1) + b2 - 4.0) ** 2
    loss.backward()
    assert repr(w1.grad) == "tensor(-24.)"
    tw = [torch.tensor(v, requires_grad=True) for v in (0.5, 0.0, 2.0, -1.0)]
    tloss = (tw[2] * torch.relu(tw[0] * 3.0 + tw[1]) + tw[3] - 4.0) ** 2
    tloss.backward()
    for ours, theirs in zip((w1, b1, w2, b2), tw):
        assert ours.grad.item() == theirs.grad.item()
    assert [w1.grad.item(), b1.grad.item(), w2.grad.item(), b2.grad.item()] == [-24.0, -8.0, -6.0, -4.0]


def test_grad_accumulates_until_reset():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 8.0])
    w.grad = None
    (3 * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 3.0])
    w.grad.zero_()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 0.0])


def test_grads_of_two_leaves_never_alias():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_non_scalar_backward_needs_gradient():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        y.backward()
    y.backward(gradient=cr.tensor([1.0, 0.5, 0.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(gradient=cr.tensor([1.0, 2.0]))


def test_backward_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.tensor(2.0).backward()


def test_requires_grad_propagation_and_detach():
    a = cr.tensor(1.0, requires_grad=True)
    b = cr.tensor(2.0)
    assert (a * b).requires_grad and not (b * b).requires_grad
    d = (a * 3).detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    b.requires_grad_()
    assert b.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2], requires_grad=True)


def test_no_grad_and_enable_grad_as_context_and_decorator():
    a = cr.tensor(1.0, requires_grad=True)
    with cr.no_grad():
        assert not (a * 2).requires_grad
        with cr.enable_grad():
            assert (a * 2).requires_grad
    assert cr.is_grad_enabled()

    @cr.no_grad()
    def f(x):
        return x * 2

    assert not f(a).requires_grad
    assert cr.is_grad_enabled()


def test_leaf_and_retain_grad():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * 3
    z = y * y
    assert x.is_leaf and not y.is_leaf
    y.retain_grad()
    z.backward()
    assert y.grad.item() == 12.0 and x.grad.item() == 36.0
    with pytest.warns(UserWarning, match="not a leaf Tensor"):  # as PyTorch's
        assert z.grad is None


def test_register_hook_on_leaf_and_intermediate():
    x = cr.tensor(2.0, requires_grad=True)
    seen = []
    y = x * 3
    y.register_hook(lambda g: seen.append(g.item()) or g * 10)
    handle = x.register_hook(lambda g: g + 1)
    (y * y).backward()
    assert seen == [12.0]
    assert x.grad.item() == 12.0 * 10 * 3 + 1
    handle.remove()


def test_second_backward_needs_retain_graph():
    x = cr.tensor(2.0, requires_grad=True)
    y = (x * x).exp()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 4 * np.exp(4.0), rel=1e-6)
    z = x * x
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


def test_saved_buffers_are_freed_after_backward():
    x = cr.tensor(np.ones(1000), requires_grad=True)
    y = x.exp()
    ref = weakref.ref(y.grad_fn)
    out = (y * 2).sum()
    node = y.grad_fn
    assert node.out is not None
    out.backward()
    # marked used: the values stay only for explanations (`Node.kept`) while the graph lives
    assert node.freed and node.kept is not None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()
    del y, out, node
    gc.collect()
    assert ref() is None


def test_recorded_nodes_have_every_field_node_init_sets():
    from chainrule.engine.node import Node
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    made = Node(None, (x,), (x.array,), (x,), x.array, None, 0)
    nodes = [(x * 2.0).grad_fn, x.exp().grad_fn, (x @ x).grad_fn, made]
    for node in nodes:
        # `acc` is set by the backward walk when it first reaches a node: unset before
        fields = {s: getattr(node, s) for s in Node.__slots__ if not s.startswith("__") and s != "acc"}
        assert fields["mark"] is None and not fields["freed"] and type(fields["seq"]) is int
        assert not hasattr(node, "acc")
    # creation order, counting down: the walk's priority (newest first)
    made_seq, *seqs = [n.seq for n in nodes[-1:] + nodes[:-1]]
    assert made_seq > seqs[0] > seqs[1] > seqs[2]


def test_million_op_chain_has_no_recursion_limit():
    x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_create_graph_second_derivative_and_hvp():
    x = cr.tensor(1.5, dtype=cr.float64, requires_grad=True)
    y = x**3 + x.sin()
    (g,) = cr.autograd.grad(y, x, create_graph=True)
    (gg,) = cr.autograd.grad(g, x)
    assert g.item() == pytest.approx(3 * 1.5**2 + np.cos(1.5))
    assert gg.item() == pytest.approx(6 * 1.5 - np.sin(1.5))

    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    v = rng.standard_normal(4)
    w = cr.tensor(rng.standard_normal(4), requires_grad=True)
    f = (w @ cr.tensor(a) @ w) + (w**4).sum()
    (gw,) = cr.autograd.grad(f, w, create_graph=True)
    (hvp,) = cr.autograd.grad(gw, w, grad_outputs=cr.tensor(v))
    hessian = a + a.T + np.diag(12 * w.detach().numpy() ** 2)
    np.testing.assert_allclose(hvp.numpy(), hessian @ v, rtol=1e-10)


def test_gradient_penalty_matches_torch():
    rng = np.random.default_rng(1)
    xs, ws = rng.standard_normal((5, 3)), rng.standard_normal((3, 1))
    x = cr.tensor(xs, requires_grad=True)
    w = cr.tensor(ws, requires_grad=True)
    out = cr.tanh(x @ w).sum()
    (gx,) = cr.autograd.grad(out, x, create_graph=True)
    (gx.norm() ** 2).backward()
    tx = torch.tensor(xs, requires_grad=True)
    tw = torch.tensor(ws, requires_grad=True)
    (tgx,) = torch.autograd.grad(torch.tanh(tx @ tw).sum(), tx, create_graph=True)
    (tgx.norm() ** 2).backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_autograd_grad_options():
    x = cr.tensor(1.0, requires_grad=True)
    unused = cr.tensor(1.0, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not used in the graph"):
        cr.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = cr.autograd.grad(y, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None
    assert x.grad is None  # autograd.grad never touches .grad


def test_hessian_of_quadratic_form_is_symmetric_matrix():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 3))
    h = cr.hessian(lambda v: v @ cr.tensor(a) @ v)(cr.tensor(rng.standard_normal(3)))
    np.testing.assert_allclose(h.numpy(), a + a.T, rtol=1e-12)


def test_functional_transforms():
    f = lambda x, y: (x * y).sin().sum()  # noqa: E731
    x = cr.tensor([0.5, 1.0], dtype=cr.float64)
    y = cr.tensor([2.0, -1.0], dtype=cr.float64)
    gx, gy = cr.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx.numpy(), np.cos(x.numpy() * y.numpy()) * y.numpy())
    value, g = cr.value_and_grad(f)(x, y)
    assert value.item() == pytest.approx(np.sin(x.numpy() * y.numpy()).sum())
    np.testing.assert_allclose(g.numpy(), gx.numpy())
    third = cr.grad(cr.grad(cr.grad(lambda t: t**4)))(cr.tensor(2.0, dtype=cr.float64))
    assert third.item() == pytest.approx(48.0)
    out, vjp_fn = cr.vjp(lambda t: t**2, cr.tensor([1.0, 3.0]))
    (vx,) = vjp_fn(cr.tensor([1.0, 10.0]))
    np.testing.assert_allclose(vx.numpy(), [2.0, 60.0])
    out, jv = cr.jvp(lambda t: t**2, (cr.tensor([1.0, 3.0]),), (cr.tensor([1.0, 10.0]),))
    np.testing.assert_allclose(jv.numpy(), [2.0, 60.0])
    jac = cr.jacrev(lambda t: t.exp())(cr.tensor([0.0, 1.0], dtype=cr.float64))
    np.testing.assert_allclose(jac.numpy(), np.diag(np.exp([0.0, 1.0])))


def test_gradcheck_passes_and_reports_mismatch():
    rng = np.random.default_rng(3)
    a = cr.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert cr.gradcheck(lambda t: (t.exp() * t).sum(dim=1), (a,))
    # the rule should be g * 2x
    wrong = cr.ops.defop("wrong_square", lambda x: x * x, "x", derivs=(("x", lambda xp, g, out, x: g * x),))

    with pytest.raises(cr.autograd.GradcheckError, match=r"input 0, element \(0, 0\).*analytical.*numerical"):
        cr.gradcheck(lambda t: cr.ops.apply(wrong, (t,)), (a,))
    del cr.ops.REGISTRY["wrong_square"]
    with pytest.raises(cr.autograd.GradcheckError, match="float64"):
        cr.gradcheck(lambda t: t * 2, (cr.tensor([1.0], requires_grad=True),))


def test_numerical_derivative_is_the_difference_quotient():
    h = lambda x: (3 * x + 1) ** 2  # noqa: E731
    assert cr.numerical_derivative(h, 2.0) == pytest.approx(42.0, abs=1e-4)
    assert cr.numerical_derivative(h, 2.0, h=1e-4, central=True) == pytest.approx(42.0, abs=1e-6)


def test_inplace_modification_of_saved_tensor_is_detected():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    with cr.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    e = x.exp()
    out = e.sum()
    e.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_inplace_on_leaf_requiring_grad_is_refused_but_allowed_under_no_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1.0)
    (w * 3).sum().backward()
    with cr.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(w.detach().numpy(), [0.7, 1.7], rtol=1e-6)
    assert w.requires_grad and w.is_leaf


def test_inplace_on_intermediate_is_differentiable_like_torch():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(x)
    y.sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx * 2
    ty.mul_(tx)
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_scalar_storage_aliases_through_data_and_detach():
    w = cr.tensor(1.0, requires_grad=True)
    w.data.sub_(0.5)
    assert w.item() == 0.5
    d = w.detach()
    d.zero_()
    assert w.item() == 0.0


def test_anomaly_mode_names_the_op_and_where_it_was_created():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        y = x.sqrt()  # d sqrt/dx is inf at 0
        with pytest.raises(RuntimeError, match=r"(?s)'SqrtBackward0' returned inf.*test_autograd.py"):
            y.sum().backward()


def test_out_of_range_dim():
    with pytest.raises(IndexError, match="Dimension out of range"):
        cr.ones(2, 3).sum(dim=2)


def test_names_are_kept_on_nodes():
    w = cr.tensor(0.5, requires_grad=True, name="w1")
    z = w * 3
    z.name = "z1"
    assert z.grad_fn.out_name == "z1"
    assert "name='w1'" in repr(w)


def test_training_loop_memory_stays_flat():
    import tracemalloc

    rng = np.random.default_rng(4)
    x = cr.tensor(rng.standard_normal((64, 32)))
    w1 = cr.tensor(rng.standard_normal((32, 64)) * 0.1, requires_grad=True)
    w2 = cr.tensor(rng.standard_normal((64, 1)) * 0.1, requires_grad=True)

    def step():
        loss = (cr.tanh(x @ w1) @ w2).pow(2).mean()
        w1.grad = w2.grad = None
        loss.backward()
        with cr.no_grad():
            w1.sub_(0.01 * w1.grad)
            w2.sub_(0.01 * w2.grad)

    for _ in range(20):
        step()
    tracemalloc.start()
    for _ in range(50):
        step()
    after_50 = tracemalloc.get_traced_memory()[0]
    for _ in range(200):
        step()
    after_250 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after_250 - after_50 < 64 * 1024, (after_50, after_250)
