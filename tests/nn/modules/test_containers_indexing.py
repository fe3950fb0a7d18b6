"""Sequential and ModuleList addressed by position as in PyTorch: assignment, deletion with renumbering,
insert, extend, pop and slices, compared with torch.nn's containers."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _layout(container):
    return [(k, type(m).__name__, getattr(m, "out_features", None)) for k, m in container._modules.items()]


def _build(lib, kind):
    nn = lib.nn
    return getattr(nn, kind)([nn.Linear(2, 1), nn.ReLU(), nn.Linear(2, 3), nn.Tanh()]) if kind == "ModuleList" \
        else nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Linear(2, 3), nn.Tanh())


EDITS = {
    "setitem": lambda c, nn: c.__setitem__(1, nn.Linear(2, 5)),
    "setitem_negative": lambda c, nn: c.__setitem__(-1, nn.Sigmoid()),
    "delitem": lambda c, nn: c.__delitem__(1),
    "delitem_negative": lambda c, nn: c.__delitem__(-2),
    "delitem_slice": lambda c, nn: c.__delitem__(slice(0, 3, 2)),
    "insert": lambda c, nn: c.insert(1, nn.Linear(2, 7)),
    "insert_end": lambda c, nn: c.insert(4, nn.Linear(2, 7)),
    "extend": lambda c, nn: c.extend([nn.Linear(2, 8), nn.ReLU()]),
    "pop": lambda c, nn: c.pop(0),
    "append": lambda c, nn: c.append(nn.Linear(2, 9)),
}


@pytest.mark.parametrize("kind", ["Sequential", "ModuleList"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_edits_match_torch(kind, edit):
    ours, theirs = _build(cr, kind), _build(torch, kind)
    r1 = EDITS[edit](ours, cr.nn)
    r2 = EDITS[edit](theirs, torch.nn)
    assert _layout(ours) == _layout(theirs)
    assert type(r1).__name__ == type(r2).__name__
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))


@pytest.mark.parametrize("kind", ["Sequential", "ModuleList"])
def test_slices_and_bad_indices(kind):
    ours, theirs = _build(cr, kind), _build(torch, kind)
    assert type(ours[1:3]).__name__ == type(theirs[1:3]).__name__ == kind
    assert _layout(ours[1:3]) == _layout(theirs[1:3])
    for c in (ours, theirs):
        with pytest.raises(IndexError):
            c[4]
        with pytest.raises(IndexError):
            c[-5] = cr.nn.ReLU() if c is ours else torch.nn.ReLU()
    if kind == "Sequential":
        for c, nn in ((ours, cr.nn), (theirs, torch.nn)):
            with pytest.raises(IndexError):
                c.insert(9, nn.ReLU())
            c.insert(-1, nn.Linear(2, 7))
        assert _layout(ours) == _layout(theirs)


def test_replaced_layer_trains():
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 2))
    model[2] = cr.nn.Linear(4, 5)
    out = model(cr.ones(2, 3))
    assert out.shape == (2, 5)
    out.sum().backward()
    assert model[2].weight.grad is not None


@pytest.mark.parametrize("kinds", [[], ["a"], ["a", "a"], ["a", "a", "b", "a", "a", "a"], ["a", "b", "b"]])
def test_module_list_repr_collapses_repeated_modules_as_pytorch(kinds: list[str]) -> None:
    def build(lib: object, kind: str) -> object:
        return lib.Linear(2, 3) if kind == "a" else lib.Sequential(lib.Linear(3, 3), lib.ReLU())

    ours = cr.nn.ModuleList([build(cr.nn, k) for k in kinds])
    theirs = torch.nn.ModuleList([build(torch.nn, k) for k in kinds])
    assert repr(ours) == repr(theirs)
