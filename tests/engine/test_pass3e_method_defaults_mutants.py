"""Tensor methods called WITHOUT their optional arguments give what torch.Tensor's methods give (second round of
the first exhaustive mutation pass, h/p3e: the defaults written out in engine/tensor_methods.py, which the
functional tests never reach because they pass every argument or call the function)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def _f64(lib, data):
    return lib.tensor(np.asarray(data, dtype=np.float64))


def _mats(lib):
    """Operands whose result changes with beta and with alpha: input ones, products of 2s and 3s."""
    return {
        "m1": lib.full((2, 3), 2.0, dtype=lib.float64), "m2": lib.full((3, 2), 3.0, dtype=lib.float64),
        "vec": lib.full((3,), 3.0, dtype=lib.float64),
        "b1": _f64(lib, np.arange(12.0).reshape(2, 2, 3)), "b2": _f64(lib, np.arange(12.0).reshape(2, 3, 2) - 4),
    }


# Each case: the method called with its defaults, the same on both libraries.
CASES = {
    "nan_to_num": lambda lib: _f64(lib, [np.nan, 1.5, np.inf, -np.inf]).nan_to_num(),
    "addmm": lambda lib: _f64(lib, [[1.0, -2.0], [0.5, 4.0]]).addmm(_mats(lib)["m1"], _mats(lib)["m2"]),
    "addmv": lambda lib: _f64(lib, [1.0, -2.0]).addmv(_mats(lib)["m1"], _mats(lib)["vec"]),
    "addbmm": lambda lib: _f64(lib, [[1.0, -2.0], [0.5, 4.0]]).addbmm(_mats(lib)["b1"], _mats(lib)["b2"]),
    "baddbmm": lambda lib: _f64(lib, np.arange(8.0).reshape(2, 2, 2)).baddbmm(_mats(lib)["b1"], _mats(lib)["b2"]),
    "addmv_": lambda lib: _f64(lib, [1.0, -2.0]).addmv_(_mats(lib)["m1"], _mats(lib)["vec"]),
    "addbmm_": lambda lib: _f64(lib, [[1.0, -2.0], [0.5, 4.0]]).addbmm_(_mats(lib)["b1"], _mats(lib)["b2"]),
    "baddbmm_": lambda lib: _f64(lib, np.arange(8.0).reshape(2, 2, 2)).baddbmm_(_mats(lib)["b1"], _mats(lib)["b2"]),
    # full rank, distinct singular values: rcond 1e-15 keeps them all
    "pinverse": lambda lib: _f64(lib, [[2.0, 1.0], [0.0, 3.0], [1.0, 1.0]]).pinverse(),
    "cholesky": lambda lib: _f64(lib, [[4.0, 2.0], [2.0, 3.0]]).cholesky(),
    # the lower factor L of A = L L^T: the default reads it as lower (upper=True would invert U^T U instead)
    "cholesky_inverse": lambda lib: _f64(lib, [[2.0, 0.0], [1.0, 3.0]]).cholesky_inverse(),
    # min=max=0: the data's own range, 100 bins (values outside [0, 1] and a bin count other than 100 show)
    "histc": lambda lib: _f64(lib, [0.5, 1.5, 2.5, 3.0, -1.0, 2.0]).histc(),
    "mode": lambda lib: lib.tensor([[1, 1, 2], [3, 2, 2], [3, 1, 1]]).mode().values,
    "mode_indices": lambda lib: lib.tensor([[1, 1, 2], [3, 2, 2], [3, 1, 1]]).mode().indices,
    "rot90": lambda lib: lib.arange(6).reshape(2, 3).rot90(),
    "rot90_3d": lambda lib: lib.arange(24).reshape(2, 3, 4).rot90(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_method_called_with_defaults_matches_torch(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch.cholesky's (and chainrule's) deprecation warning
        ours = CASES[name](cr)
        theirs = CASES[name](torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_svd_defaults_give_the_reduced_factors_like_torch() -> None:
    data = np.arange(6.0).reshape(3, 2) + np.eye(3, 2)
    ours, theirs = cr.tensor(data).svd(), torch.tensor(data).svd()
    for a, b in zip(ours, theirs, strict=True):
        assert tuple(a.shape) == tuple(b.shape)  # U is (3, 2) with some=True, not (3, 3)
    np.testing.assert_allclose(ours[1].numpy(), theirs[1].numpy(), rtol=1e-12)
    recon = ours[0].numpy() @ np.diag(ours[1].numpy()) @ ours[2].numpy().T  # compute_uv=True: real factors
    np.testing.assert_allclose(recon, data, atol=1e-12)


@pytest.mark.parametrize("data", [[], [0, 2, 2]], ids=["empty", "some"])
def test_bincount_default_minlength_like_torch(data) -> None:
    ours = cr.tensor(data, dtype=cr.int64).bincount()
    theirs = torch.tensor(data, dtype=torch.int64).bincount()
    assert ours.tolist() == theirs.tolist()  # an empty input counts nothing: length 0, not minlength 1
    assert tuple(ours.shape) == tuple(theirs.shape)


def test_split_with_sizes_defaults_to_dim_0_like_torch() -> None:
    data = np.arange(12.0).reshape(3, 4)
    ours = cr.tensor(data).split_with_sizes([1, 2])
    theirs = torch.tensor(data).split_with_sizes([1, 2])
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_multinomial_defaults_to_sampling_without_replacement(lib) -> None:
    # without replacement, 3 draws from 2 categories cannot be made; with replacement they can
    with pytest.raises(RuntimeError, match=r"cannot sample n_sample > prob_dist.size\(-1\) samples without "
                                           r"replacement"):
        lib.tensor([1.0, 1.0]).multinomial(3)


@pytest.mark.parametrize("lib", [torch, cr], ids=["torch", "chainrule"])
def test_multinomial_default_draws_are_distinct(lib) -> None:
    lib.manual_seed(3)
    for _ in range(20):
        draws = lib.tensor([1.0] * 6).multinomial(6).tolist()
        assert sorted(draws) == list(range(6))  # a permutation: no category drawn twice
