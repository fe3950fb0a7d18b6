"""Lines of the engine that no test executed (mutation testing's `--uncovered` listing): refusals (type and
key words; torch's type where torch refuses the same call), gradient accumulation under create_graph against
torch, and the seams `cr.compile` uses (`has_grad_hooks`, `VersionCounters`)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.engine.tensor import VersionCounters, has_grad_hooks


def _accumulations(lib) -> dict:
    out = {}
    x = lib.tensor([1.0, 2.0], requires_grad=True)  # a retained non-leaf gradient, twice under create_graph
    y = x * 3
    y.retain_grad()
    z = (y ** 2).sum()
    z.backward(create_graph=True, retain_graph=True)
    z.backward(create_graph=True)
    out["retained"] = (y.grad.detach().numpy().tolist(), y.grad.requires_grad)
    (g,) = lib.autograd.grad(y.grad.sum(), x)  # d/dx of 2 * (2 * 3x * 3): 36 each
    out["retained, differentiated"] = g.numpy().tolist()
    x = lib.tensor([1.0, 2.0], requires_grad=True)  # a leaf's .grad with history, then a plain backward
    z = (x ** 3).sum()
    z.backward(create_graph=True, retain_graph=True)
    z.backward()
    out["leaf"] = x.grad.detach().numpy().tolist()
    return out


def test_gradients_accumulated_under_create_graph_as_torch() -> None:
    assert _accumulations(cr) == _accumulations(torch)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.autograd.backward([(x * 2).sum(), 3.0]),
    lambda lib, x: lib.autograd.backward((x.sum(), "y")),
])
def test_backward_of_a_non_tensor_output(call) -> None:
    with pytest.raises(AssertionError, match="Expected output to be a torch.Tensor"):  # torch's type
        call(torch, torch.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match=r"backward: output 1 is a (float|str), not a Tensor"):
        call(cr, cr.ones(2, requires_grad=True))


@pytest.mark.parametrize("mode", [cr.no_grad, cr.enable_grad, cr.inference_mode, lambda: cr.set_grad_enabled(False)])
def test_a_grad_mode_refuses_to_decorate_a_class(mode) -> None:
    class Model:
        pass

    with pytest.raises(RuntimeError, match=r"cannot decorate a class with a grad mode: decorate its methods"):
        mode()(Model)


class _TwoOut:
    """A module returning two tensors, each used by the loss: its full backward hook's two gradients."""

    @staticmethod
    def run(lib) -> tuple:
        nn = lib.nn

        class Split(nn.Module):
            def forward(self, x):
                return x * 2, x ** 2

        seen = []
        m = Split()
        m.register_full_backward_hook(lambda mod, gin, gout: seen.append(
            ([g.numpy().tolist() for g in gin], [g.numpy().tolist() for g in gout])))
        x = lib.tensor([1.0, -3.0], requires_grad=True)
        a, b = m(x)
        (a.sum() * 5 + (b * lib.tensor([1.0, 2.0])).sum()).backward()
        return seen, x.grad.numpy().tolist()


def test_a_module_backward_hook_gets_both_outputs_gradients_as_torch() -> None:
    assert _TwoOut.run(cr) == _TwoOut.run(torch)


def test_has_grad_hooks() -> None:
    t = cr.ones(2, requires_grad=True)
    assert not has_grad_hooks(t)
    h = t.register_post_accumulate_grad_hook(lambda p: None)
    assert has_grad_hooks(t)
    h.remove()
    assert not has_grad_hooks(t)
    h = t.register_hook(lambda g: g)
    assert has_grad_hooks(t)
    t.register_post_accumulate_grad_hook(lambda p: None)
    h.remove()
    assert has_grad_hooks(t)


@pytest.mark.parametrize("value", [[0.5, 1.0], 0.5], ids=["1-d", "0-d (a NumPy scalar: no storage to mark)"])
def test_version_counters_mark_a_saved_output_written(value) -> None:
    x = cr.tensor(value, requires_grad=True)
    y = x.exp()  # exp's backward reads its saved output
    counters = VersionCounters([y])
    counters.bump()
    assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation: the output of ExpBackward0 was "
                                           "(modified|written) in place"):
        y.sum().backward()
    x2 = cr.tensor([0.5, 1.0], requires_grad=True)
    y2 = x2 * 2  # saves no output: a bump does not stop its backward
    VersionCounters([y2]).bump()
    y2.sum().backward()
    assert x2.grad.numpy().tolist() == [2.0, 2.0]


def test_a_list_of_tensors_is_refused_with_the_way_out() -> None:
    # torch converts a list of one-element tensors (and raises ValueError for larger ones): a deviation
    with pytest.raises(TypeError, match=r"tensor: lists of tensors are not converted implicitly; use cr.stack"):
        cr.tensor([cr.tensor(1.0), cr.tensor(2.0)])


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
@pytest.mark.parametrize("dtype", ["uint8", "int64", "float32", "float64", "bool"])
def test_a_list_of_uint8_arrays_or_of_empty_ones(dtype: str) -> None:
    imgs = [np.array([[1, 2], [3, 250]], np.uint8), np.array([[0, 9], [8, 7]], np.uint8)]
    t, c = torch.tensor(imgs), cr.tensor(imgs)
    assert str(c.dtype) == "chainrule.uint8" and str(t.dtype) == "torch.uint8"
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    c = cr.tensor(imgs, dtype=getattr(cr, dtype))
    t = torch.tensor(imgs, dtype=getattr(torch, dtype))
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert str(c.dtype).split(".")[1] == dtype
    empty = [np.zeros(0, np.uint8)]
    assert cr.tensor(empty).dtype == cr.uint8 and cr.tensor(empty).shape == (1, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        e = cr.tensor([np.zeros(0, complex)], dtype=getattr(cr, dtype))  # an empty array of another kind
        assert e.dtype == getattr(cr, dtype) and e.shape == (1, 0)
        assert torch.tensor([np.zeros(0, complex)], dtype=getattr(torch, dtype)).shape == (1, 0)
        assert cr.tensor([np.zeros(0, complex)]).dtype == cr.get_default_dtype()  # torch: complex128
