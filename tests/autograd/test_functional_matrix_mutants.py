"""`cr.autograd.functional` against `torch.autograd.functional` over a whole matrix: every function x
strict on/off x create_graph on/off x a function that uses all its inputs, one that ignores an input, one
whose output does not depend on the input, a linear one (its Hessian is independent of the input) and
v given, None or of the wrong shape. Both libraries run the same case; the results (values, nesting,
`requires_grad`) or the raised exception (type and message) must agree. Mutation testing found strict-mode
checks and create_graph paths no single test reached; a matrix reaches all of them at once."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import chainrule as cr

rng = np.random.default_rng(12)
X, Y = rng.standard_normal(3), rng.standard_normal(3)


def _fns(lib):
    return {
        "cubic": (lambda x: (x ** 3).sum(), 1),
        "vector": (lambda x: x.tanh() * x, 1),
        "two_used": (lambda x, y: (x * y.exp()).sum() + (x ** 2 * y).sum(), 2),
        "two_vector": (lambda x, y: x.sin() * y, 2),
        "ignores_y": (lambda x, y: (x ** 3).sum(), 2),
        "linear": (lambda x: (2 * x).sum(), 1),
        "linear_vector": (lambda x: 3 * x, 1),
        "constant": (lambda x: lib.tensor(X, dtype=lib.float64).sum(), 1),
        "detached": (lambda x: (x.detach() ** 2).sum(), 1),
        "two_outputs": (lambda x: (x.exp(), (x * x).sum()), 1),
        "sign": (lambda x: x.sign() + x, 1),  # sign's gradient is a constant zero: no graph behind it
        "floor_only": (lambda x: x.floor(), 1),
    }


FUNCS = ["vjp", "jvp", "vhp", "hvp", "jacobian", "hessian"]
VS = ["given", "none", "bad"]


def _inputs(lib, n, requires_grad):
    t = tuple(lib.tensor(a, dtype=lib.float64, requires_grad=requires_grad) for a in (X, Y)[:n])
    return t if n > 1 else t[0]


def _v(lib, which, fname, fn, inputs, n):
    if which == "none":
        return None
    if which == "bad":
        return lib.ones(5, dtype=lib.float64)
    if fname in ("vhp", "hvp", "jvp"):  # v is like the inputs
        return tuple(lib.full((3,), 0.5 + i, dtype=lib.float64) for i in range(n)) if n > 1 else \
            lib.full((3,), 0.5, dtype=lib.float64)
    out = fn(*inputs) if n > 1 else fn(inputs)  # vjp: v is like the outputs
    if isinstance(out, tuple):
        return tuple(lib.full(tuple(o.shape), 0.25, dtype=lib.float64) for o in out)
    return lib.full(tuple(out.shape), 0.25, dtype=lib.float64)


def _run(lib, fname, fkey, strict, create_graph, which_v, requires_grad):
    fn, n = _fns(lib)[fkey]
    inputs = _inputs(lib, n, requires_grad)
    mod = lib.autograd.functional
    try:
        if fname in ("jacobian", "hessian"):
            return getattr(mod, fname)(fn, inputs, create_graph=create_graph, strict=strict)
        v = _v(lib, which_v, fname, fn, inputs, n)
        return getattr(mod, fname)(fn, inputs, v, create_graph=create_graph, strict=strict)
    except Exception as e:  # noqa: BLE001 - compared with the other library's
        return e


def _same(ours, theirs, where):
    if isinstance(theirs, BaseException):
        assert isinstance(ours, BaseException), f"{where}: torch raised {theirs!r}, chainrule returned"
        assert type(ours).__name__ == type(theirs).__name__, (where, ours, theirs)
        assert str(ours).replace("chainrule.", "torch.") == str(theirs), (where, str(ours), str(theirs))
        return
    assert not isinstance(ours, BaseException), f"{where}: chainrule raised {ours!r}, torch did not"
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), (where, ours, theirs)
        for i, (o, t) in enumerate(zip(ours, theirs)):
            _same(o, t, f"{where}[{i}]")
        return
    assert isinstance(ours, cr.Tensor), (where, type(ours))
    assert tuple(ours.shape) == tuple(theirs.shape), (where, ours.shape, theirs.shape)
    assert ours.requires_grad == theirs.requires_grad, (where, "requires_grad", ours.requires_grad)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12,
                               err_msg=where)


CASES = [c for c in itertools.product(FUNCS, list(_fns(cr)), [False, True], [False, True], VS)
         if not (c[0] in ("jacobian", "hessian") and c[4] != "given")]


@pytest.mark.parametrize("fname,fkey,strict,create_graph,which_v", CASES)
def test_functional_matches_torch(fname, fkey, strict, create_graph, which_v):
    ours = _run(cr, fname, fkey, strict, create_graph, which_v, False)
    theirs = _run(torch, fname, fkey, strict, create_graph, which_v, False)
    _same(ours, theirs, f"{fname}({fkey}, strict={strict}, create_graph={create_graph}, v={which_v})")


@pytest.mark.parametrize("fname", FUNCS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_inputs_that_require_grad_match_torch(fname, create_graph):
    """Inputs that already require grad: with create_graph the results hang on the inputs' graph."""
    fkey = "two_used"
    ours = _run(cr, fname, fkey, False, create_graph, "given", True)
    theirs = _run(torch, fname, fkey, False, create_graph, "given", True)
    _same(ours, theirs, f"{fname} on inputs requiring grad")


@pytest.mark.parametrize("fname", FUNCS)
def test_under_no_grad_match_torch(fname):
    """Called under no_grad (create_graph=False): the results do not require grad, as in torch."""
    with cr.no_grad():
        ours = _run(cr, fname, "two_used", False, False, "given", True)
    with torch.no_grad():
        theirs = _run(torch, fname, "two_used", False, False, "given", True)
    _same(ours, theirs, f"{fname} under no_grad")


def _errs(lib):
    mod = lib.autograd.functional
    x = lib.tensor(X, dtype=lib.float64)
    return {
        "jacobian: strict with forward-mode": lambda: mod.jacobian(lambda a: a * 2, x, strict=True, vectorize=True,
                                                                   strategy="forward-mode"),
        "jacobian: an unknown strategy": lambda: mod.jacobian(lambda a: a * 2, x, strategy="sideways"),
        "hessian: a vector output": lambda: mod.hessian(lambda a: a * a, x),
        "vjp: a tuple v for a tensor output": lambda: mod.vjp(lambda a: a * 2, x, (x, x)),
        "vhp: a non-scalar function": lambda: mod.vhp(lambda a: a * a, x, x),
        "jacobian: strict, an output independent of the input": lambda: mod.jacobian(
            lambda a, b: (a * 2, b.detach() * 1.0), (x, x), strict=True),
    }


@pytest.mark.parametrize("case", list(_errs(cr)))
def test_errors_match_torch(case):
    def raised(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - compared below
            return e
        return None

    theirs, ours = raised(_errs(torch)[case]), raised(_errs(cr)[case])
    assert theirs is not None and ours is not None, (theirs, ours)
    _same(ours, theirs, case)
