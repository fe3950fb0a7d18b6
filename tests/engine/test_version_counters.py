"""`engine.tensor.VersionCounters`: the in-place record of a compiled optimizer update (several tensors written
together, on every call). Each `bump()` must leave what one in-place write per tensor leaves, as PyTorch's
`with torch.no_grad(): p.sub_(...)` does: version counters up by one, and a graph that saved the tensor, or a
tensor sharing its memory, refuses to backward, on the first call and on later ones (which reuse what the first
looked up), and after the tensor was rebound to another array."""

import pytest
import torch

import chainrule as cr
from chainrule.engine.tensor import VersionCounters


def _leaves(lib):
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lib.tensor(0.5, requires_grad=True)
    return w, b


def _write_torch(ts) -> None:
    with torch.no_grad():
        for t in ts:
            t.sub_(0.0)


@pytest.mark.parametrize("calls", [1, 3])
def test_bump_raises_for_a_graph_that_saved_the_tensor_or_an_alias_as_torch(calls: int) -> None:
    cases = {
        "itself": lambda lib, w, b, a: (w * w).sum(),
        "detached alias": lambda lib, w, b, a: (a * w.detach()).sum(),
        "view": lambda lib, w, b, a: (a[1:] * w.detach()[1:]).sum(),
        "0-d": lambda lib, w, b, a: (b * b),
    }
    for name, build in cases.items():
        outcomes = []
        for lib in (torch, cr):
            w, b = _leaves(lib)
            a = lib.tensor([2.0, 3.0, 4.0], requires_grad=True)
            versions = VersionCounters([w, b]) if lib is cr else None
            for _ in range(calls - 1):  # earlier calls, before the graph is built
                versions.bump() if lib is cr else _write_torch([w, b])
            loss = build(lib, w, b, a)
            versions.bump() if lib is cr else _write_torch([w, b])
            try:
                loss.backward()
                outcomes.append("ok")
            except RuntimeError as exc:
                outcomes.append("inplace" if "modified by an inplace operation" in str(exc) else str(exc))
            assert (w._version, b._version) == (calls, calls), (name, lib.__name__)
        assert outcomes[0] == outcomes[1] == "inplace", (name, outcomes)


def test_bump_after_rebinding_does_what_an_in_place_op_does() -> None:
    """After `w.data = ...` the cached storage record is replaced: the outcome for graphs that saved the old and
    the new memory is the engine's own for an in-place write (`w.sub_(0.0)` under no_grad)."""
    outcomes = {}
    for how in ("in-place op", "VersionCounters"):
        w = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = cr.tensor([2.0, 3.0, 4.0], requires_grad=True)
        versions = VersionCounters([w])
        versions.bump()
        old = w.detach()  # shares the old array
        w.data = cr.tensor([4.0, 5.0, 6.0])
        new = w.detach()  # shares the new array
        saved = [(a * old).sum(), (a * new).sum()]
        if how == "VersionCounters":
            versions.bump()
        else:
            with cr.no_grad():
                w.sub_(0.0)
        got = []
        for loss in saved:
            try:
                loss.backward()
                got.append("ok")
            except RuntimeError as exc:
                got.append("inplace" if "modified by an inplace operation" in str(exc) else str(exc))
        outcomes[how] = got
    assert outcomes["VersionCounters"] == outcomes["in-place op"]
    assert outcomes["VersionCounters"][1] == "inplace"


def test_bump_leaves_values_alone() -> None:
    w, b = _leaves(cr)
    VersionCounters([w, b]).bump()
    assert w.tolist() == [1.0, 2.0, 3.0] and b.item() == 0.5 and w.grad is None
