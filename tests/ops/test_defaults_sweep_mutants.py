"""Every op called with only its required arguments (so every default is the one in force), as a function and
as a Tensor method, against PyTorch: values, dtypes and shapes. Mutation testing keeps finding a default
argument no test relied on (keepdim, descending, diagonal, dim, unbiased ...); this sweep covers them all."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

A = np.array([[0.5, -1.25, 2.0, 3.5], [4.0, 0.0, -2.5, 1.0], [1.5, 2.5, -0.75, 0.25]])
V = np.array([3.0, -1.0, 2.0, 0.5, 2.0])
I = np.array([[2, 0, 1, 1], [0, 2, 2, 0], [1, 1, 0, 2]])  # noqa: E741

# name -> its positional arguments: names of the arrays below, or plain values (torch functions chainrule does
# not have yet are left out: median, kthvalue, diagonal, rot90, narrow, cross, take, nonzero, unique, ...)
CASES = {
    "sum": ["A"], "mean": ["A"], "prod": ["A"], "std": ["A"], "var": ["A"], "norm": ["A"], "amax": ["A"],
    "amin": ["A"], "argmax": ["A"], "argmin": ["A"], "max": ["A"], "min": ["A"], "logsumexp": ["A", 1],
    "cumsum": ["A", 1], "cumprod": ["A", 1], "all": ["A"], "any": ["A"], "sort": ["V"], "argsort": ["V"],
    "topk": ["V", 2], "flatten": ["A"], "squeeze": ["A"], "unsqueeze": ["A", 0], "transpose": ["A", 0, 1], "t": ["A"],
    "tril": ["A"], "triu": ["A"], "diag": ["A"], "diff": ["A"], "flip": ["A", (0,)], "roll": ["V", 2],
    "movedim": ["A", 0, 1], "split": ["V", 2], "chunk": ["V", 2], "unbind": ["A"], "repeat_interleave": ["V", 2],
    "clamp": ["A", -1.0], "softmax": ["A", 1], "log_softmax": ["A", 1], "gather": ["A", 1, "I"],
    "index_select": ["A", 0, "Iflat"], "outer": ["V", "V"], "inner": ["V", "V"],
    "dot": ["V", "V"], "broadcast_to": ["V", (2, 5)], "isclose": ["A", "A2"], "allclose": ["A", "A2"],
    "equal": ["A", "A"], "lerp": ["A", "A2", 0.25], "clip": ["A", -1.0, 1.0], "remainder": ["A", 1.5], "round": ["A"],
    "sign": ["A"],
}


def _arg(lib, a):
    arrays = {"A": A, "V": V, "A2": A + 0.125, "A3": A * A + 1.0, "At": A.T.copy(), "M2": np.ones((3, 3)),
              "C3": A[:, :3].copy(), "C3b": A[:, 1:].copy(), "Anan": np.where(A > 3, np.nan, A),
              "Vs": np.sort(V), "Abool": A > 0}
    if isinstance(a, str) and a in arrays:
        arr = arrays[a]
        return lib.tensor(arr, dtype=lib.bool if arr.dtype == bool else lib.float64)
    if a == "I":
        return lib.tensor(I)
    if a == "Iflat":
        return lib.tensor(I.reshape(-1)[:5])
    return a


def _as_np(x):
    if isinstance(x, (tuple, list)):
        return [_as_np(e) for e in x]
    if isinstance(x, (bool, int, float)):
        return x
    return (x.detach().numpy().copy(), str(x.dtype).split(".")[-1])


def _same(ours, theirs, where):
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (where, ours, theirs)
        for o, t in zip(ours, theirs):
            _same(o, t, where)
    elif isinstance(theirs, tuple):
        assert ours[1] == theirs[1], (where, "dtype", ours[1], theirs[1])
        assert ours[0].shape == theirs[0].shape, (where, "shape", ours[0].shape, theirs[0].shape)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=where)
    else:
        assert ours == theirs, (where, ours, theirs)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("as_method", [False, True])
def test_defaults_match_torch(name, as_method):
    results = []
    for lib in (torch, cr):
        args = [_arg(lib, a) for a in CASES[name]]
        if as_method:
            if not hasattr(torch.Tensor, name):
                return  # a torch function without a Tensor method
            results.append(_as_np(getattr(args[0], name)(*args[1:])))
        else:
            results.append(_as_np(getattr(lib, name)(*args)))
    _same(results[1], results[0], f"{'Tensor.' if as_method else 'torch.'}{name}{CASES[name]}")
