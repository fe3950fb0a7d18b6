"""`alpha` of add/sub/subtract/rsub (functions, methods and in-place methods) is keyword-only, as in PyTorch: a third
positional argument is a TypeError in both, not a silent scaling."""
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("call", [
    lambda m: m.add(m.ones(2), m.ones(2), 2),
    lambda m: m.sub(m.ones(2), m.ones(2), 2),
    lambda m: m.subtract(m.ones(2), m.ones(2), 2),
    lambda m: m.rsub(m.ones(2), m.ones(2), 2),
    lambda m: m.ones(2).add(m.ones(2), 2),
    lambda m: m.ones(2).sub(m.ones(2), 2),
    lambda m: m.ones(2).subtract(m.ones(2), 2),
    lambda m: m.ones(2).add_(m.ones(2), 2),
    lambda m: m.ones(2).sub_(m.ones(2), 2),
    lambda m: m.ones(2, requires_grad=True).add(m.ones(2), 2),
], ids=range(10))
def test_positional_alpha_is_a_type_error_as_in_torch(call):
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(cr)


@pytest.mark.parametrize("name", ["add", "sub", "subtract", "rsub"])
def test_keyword_alpha_as_torch(name):
    a, b = [1.0, -2.0, 3.5], [0.5, 4.0, -1.0]
    ours = getattr(cr, name)(cr.tensor(a), cr.tensor(b), alpha=3)
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b), alpha=3)
    assert ours.tolist() == theirs.tolist()
    if name != "rsub":
        x, t = cr.tensor(a), torch.tensor(a)
        getattr(x, name + "_")(cr.tensor(b), alpha=-2) if name != "subtract" else x.sub_(cr.tensor(b), alpha=-2)
        getattr(t, name + "_")(torch.tensor(b), alpha=-2) if name != "subtract" else t.sub_(torch.tensor(b), alpha=-2)
        assert x.tolist() == t.tolist()
