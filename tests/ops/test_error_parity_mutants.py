"""Bad calls raise the exception PyTorch raises (type), one row per check: mutation testing found these checks
executed by no test (a check removed went unnoticed). Each row runs the same call on torch and on chainrule."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _f(lib):
    return lib.nn.functional


def _grad_non_tensor(lib):
    x = lib.ones(2, requires_grad=True)
    lib.autograd.grad((x * 2).sum(), [x, 3.0])


def _backward_count(lib):
    x = lib.ones(2, requires_grad=True)
    lib.autograd.backward([(x * 2).sum(), (x * 3).sum()], [lib.tensor(1.0)])


def _requires_grad_false_nonleaf(lib):
    x = lib.ones(2, requires_grad=True)
    (x * 2).requires_grad_(False)


def _inplace_broadcast(lib):
    lib.ones(1).add_(lib.ones(3))


def _saved_tensors_of_builtin(lib):
    x = lib.ones(2, requires_grad=True)
    (x + 1).grad_fn.saved_tensors  # noqa: B018


def _index_add_count(lib):
    lib.zeros(3).index_add_(0, lib.tensor([0, 1]), lib.ones(3))


CASES = {
    "grad: a non-tensor input": _grad_non_tensor,
    "backward: fewer gradients than outputs": _backward_count,
    "requires_grad_(False) on a non-leaf": _requires_grad_false_nonleaf,
    "index from a float tensor": lambda lib: [1, 2, 3][lib.tensor(1.0)],
    "add_: result does not fit self": _inplace_broadcast,
    "saved_tensors of a built-in node": _saved_tensors_of_builtin,
    "to(): too many positional arguments": lambda lib: lib.ones(2).to(lib.float64, False, False, False),
    "device(): an index with a device object": lambda lib: lib.device(lib.device("cpu"), 0),
    "device(): a float": lambda lib: lib.device(1.5),
    "device(): a float index": lambda lib: lib.device("cpu", 1.5),
    "lerp: a number as end": lambda lib: lib.lerp(lib.ones(2), 1.0, 0.5),
    "lerp: a string weight": lambda lib: lib.lerp(lib.ones(2), lib.zeros(2), "a"),
    "lerp: integer tensors": lambda lib: lib.lerp(lib.ones(2, dtype=lib.int64), lib.zeros(2, dtype=lib.int64), 0.5),
    "index_select: a 2-D index": lambda lib: lib.ones(3, 3).index_select(0, lib.tensor([[0, 1]])),
    "gather: index of another rank": lambda lib: lib.ones(3, 3).gather(1, lib.tensor([0, 1])),
    "cat: a 0-d tensor": lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]),
    "cat: a tensor instead of a sequence": lambda lib: lib.cat(lib.ones(2, 2)),
    "stack: a tensor instead of a sequence": lambda lib: lib.stack(lib.ones(2, 2)),
    "split: a negative size": lambda lib: lib.ones(4).split(-1),
    "meshgrid: a list": lambda lib: lib.meshgrid(lib.ones(2), [1, 2], indexing="ij"),
    "outer: 2-D tensors": lambda lib: lib.outer(lib.ones(2, 2), lib.ones(2)),
    "bmm: 2-D tensors": lambda lib: lib.bmm(lib.ones(2, 2), lib.ones(2, 2)),
    "mv: a matrix for the vector": lambda lib: lib.mv(lib.ones(2, 2), lib.ones(2, 2)),
    "mv: a vector for the matrix": lambda lib: lib.mv(lib.ones(2), lib.ones(2)),
    "amax over an empty dim": lambda lib: lib.ones(0, 3).amax(0),
    "max over an empty dim": lambda lib: lib.ones(0, 3).max(0),
    "argmax over an empty dim": lambda lib: lib.ones(0, 3).argmax(0),
    "sum: keepdim and keepdims": lambda lib: lib.ones(2, 2).sum(0, keepdim=True, keepdims=True),
    "logsumexp without dim": lambda lib: lib.logsumexp(lib.ones(2)),
    "sum over a repeated dim": lambda lib: lib.ones(2, 2).sum((0, 0)),
    "sum over a repeated negative dim": lambda lib: lib.ones(2, 2).sum((1, -1)),
    "permute: a repeated dim": lambda lib: lib.ones(2, 2).permute(0, 0),
    "transpose of a 0-d tensor": lambda lib: lib.tensor(1.0).transpose(0, 1),
    "transpose of a 0-d tensor, second dim": lambda lib: lib.tensor(1.0).transpose(0, 2),
    "mT of a vector": lambda lib: lib.ones(3).mT,
    "expand: -1 in a new leading dim": lambda lib: lib.ones(3).expand(-1, 3),
    "repeat_interleave: 2-D repeats": lambda lib: lib.ones(2).repeat_interleave(lib.ones(2, 1, dtype=lib.int64)),
    "topk: a float k": lambda lib: lib.ones(3).topk(1.5),
    "relu of a number": lambda lib: _f(lib).relu(3.0),
    "scatter: neither src nor value": lambda lib: lib.zeros(3).scatter(0, lib.tensor([0])),
    "scatter_reduce: a number as src": lambda lib: lib.zeros(3).scatter_reduce(0, lib.tensor([0]), 1.0, "sum"),
    "index_add: a number as source": lambda lib: lib.zeros(3).index_add(0, lib.tensor([0]), 1.0),
    "index_add: indices and source differ": _index_add_count,
    "index_copy: a number as source": lambda lib: lib.zeros(3).index_copy(0, lib.tensor([0]), 1.0),
    "masked_fill: a tensor value of dim 1": lambda lib: lib.zeros(3).masked_fill(lib.tensor([True, False, True]),
                                                                                 lib.ones(2)),
}


# chainrule's type where it differs from torch's on purpose (a clearer type for the same mistake)
OURS = {"grad: a non-tensor input": TypeError}  # torch: RuntimeError from its C++ argument check


def _raised(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - compared below
        return type(e)
    return None


@pytest.mark.parametrize("case", list(CASES))
def test_raises_what_torch_raises(case):
    theirs = _raised(CASES[case], torch)
    assert theirs is not None, f"torch accepts {case}: the row is wrong"
    ours = _raised(CASES[case], cr)
    # the same type, or a base of it (torch's NotImplementedError "not implemented for 'Long'" is a RuntimeError)
    assert ours is not None and (ours is OURS.get(case) or ours in theirs.__mro__[:-3]), (ours, theirs)


def test_float_tensor_index_message_like_torch():
    for lib in (torch, cr):
        with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
            lib.ones(3)[lib.tensor([0.0, 1.0])]


def test_scatter_value_that_is_not_a_number_like_torch():
    for lib in (torch, cr):
        with pytest.raises(TypeError):
            lib.zeros(3).scatter(0, lib.tensor([1]), "a")
