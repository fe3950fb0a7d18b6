"""`multinomial`: distributions (chi-square tests with a fixed seed), determinism under `cr.manual_seed` and a
`Generator`, sampling without replacement, shapes and dtypes, and PyTorch's errors. chainrule's random stream is
not PyTorch's, so values are checked for their distribution, not against torch's draws."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

# A fixed seed makes every test deterministic; the critical values are those of the chi-square distribution at a
# significance level of 1e-6 (scipy.stats.chi2.isf(1e-6, df)), so a correct sampler would essentially never fail
# whatever the seed, and a wrong one fails by a wide margin at these sample sizes.
CRITICAL = {1: 23.9, 2: 27.6, 3: 30.7, 4: 33.4, 5: 35.9}


def _chi_square_ok(counts: np.ndarray, probs: np.ndarray) -> bool:
    expected = probs / probs.sum() * counts.sum()
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a category of zero probability was drawn"
    if keep.sum() == 1:
        return True
    statistic = float((((counts[keep] - expected[keep]) ** 2) / expected[keep]).sum())
    return statistic < CRITICAL[int(keep.sum()) - 1]


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_with_replacement_follows_the_weights(dtype):
    cr.manual_seed(0)
    w = np.array([1.0, 0.0, 3.0, 0.5, 5.5])
    draws = cr.multinomial(cr.tensor(w, dtype=dtype), 50_000, replacement=True)
    assert draws.dtype == cr.int64 and tuple(draws.shape) == (50_000,)
    assert _chi_square_ok(np.bincount(draws.numpy(), minlength=5), w)


def test_rows_of_a_2d_input_are_separate_distributions():
    cr.manual_seed(1)
    w = np.array([[0.1, 0.2, 0.7], [5.0, 5.0, 0.0], [0.0, 0.0, 2.0]])
    draws = cr.tensor(w).multinomial(20_000, True).numpy()
    assert draws.shape == (3, 20_000)
    for row, weights in zip(draws, w):
        assert _chi_square_ok(np.bincount(row, minlength=3), weights)
    assert (draws[2] == 2).all()


def test_without_replacement_first_draw_follows_the_weights_and_indices_are_distinct():
    cr.manual_seed(2)
    w = np.array([4.0, 1.0, 2.0, 3.0])
    rows = cr.multinomial(cr.tensor(np.tile(w, (20_000, 1))), 3).numpy()  # 20,000 independent draws of 3
    assert all(len(set(r)) == 3 for r in rows[:500])
    assert _chi_square_ok(np.bincount(rows[:, 0], minlength=4), w)
    # the second draw, given the first: P(j second) = sum_i p_i p_j / (1 - p_i)
    p = w / w.sum()
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    assert _chi_square_ok(np.bincount(rows[:, 1], minlength=4), second)


def test_without_replacement_zero_weights_come_after_the_others():
    cr.manual_seed(3)
    for _ in range(50):
        draw = cr.multinomial(cr.tensor([0.2, 0.0, 0.8, 0.0]), 4).tolist()
        assert sorted(draw[:2]) == [0, 2] and sorted(draw[2:]) == [1, 3]
    assert cr.multinomial(cr.tensor([0.0, 1.0]), 2).tolist() == [1, 0]


def test_character_level_sampling_as_in_makemore():
    """The loop of a bigram language model: sample the next index from a row of probabilities."""
    g = cr.Generator().manual_seed(2147483647)
    counts = cr.tensor(np.random.default_rng(0).integers(0, 50, (27, 27)), dtype=cr.float32) + 1
    probs = counts / counts.sum(1, keepdim=True)
    ix, out = 0, []
    for _ in range(20):
        ix = cr.multinomial(probs[ix], num_samples=1, replacement=True, generator=g).item()
        out.append(ix)
    assert all(0 <= i < 27 for i in out)
    g.manual_seed(2147483647)
    again = []
    ix = 0
    for _ in range(20):
        ix = probs[ix].multinomial(1, replacement=True, generator=g).item()
        again.append(ix)
    assert again == out


def test_deterministic_under_manual_seed_and_independent_generators():
    p = cr.tensor([0.1, 0.2, 0.3, 0.4])
    cr.manual_seed(42)
    a = cr.multinomial(p, 100, True).tolist()
    b = cr.multinomial(p, 3).tolist()
    cr.manual_seed(42)
    assert cr.multinomial(p, 100, True).tolist() == a and cr.multinomial(p, 3).tolist() == b
    g1, g2 = cr.Generator(5), cr.Generator(5)
    cr.manual_seed(0)
    x = cr.multinomial(p, 100, True, generator=g1).tolist()
    cr.rand(10)  # the default generator's use does not move g2
    assert cr.multinomial(p, 100, True, generator=g2).tolist() == x
    assert cr.multinomial(p, 100, True, generator=g1).tolist() != x  # a generator's stream moves on


def test_shapes_dtypes_and_grad():
    p = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = cr.multinomial(p, 2)
    assert tuple(out.shape) == (2, 2) and out.dtype == cr.int64 and not out.requires_grad
    assert tuple(cr.multinomial(cr.ones(0, 3), 1).shape) == (0, 1)
    assert cr.multinomial(cr.tensor([1.0], dtype=cr.float16), 3, True).tolist() == [0, 0, 0]


ERRORS = [
    (lambda m: m.multinomial(m.tensor([0.2, -1.0, 0.8]), 1), RuntimeError, "either `inf`, `nan` or element < 0"),
    (lambda m: m.multinomial(m.tensor([0.2, float("inf")]), 1), RuntimeError, "contains either `inf`, `nan`"),
    (lambda m: m.multinomial(m.tensor([0.2, float("nan")]), 1), RuntimeError, "contains either `inf`, `nan`"),
    (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError, r"invalid multinomial distribution \(sum of"),
    (lambda m: m.multinomial(m.tensor([[0.0, 0.0], [1.0, 1.0]]), 1, True), RuntimeError, "sum of probabilities <= 0"),
    (lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3), RuntimeError,
     r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
    (lambda m: m.multinomial(m.tensor([0.2, 0.8]), 0), RuntimeError, "cannot sample n_sample <= 0 samples"),
    (lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda m: m.multinomial(m.tensor(1.0), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda m: m.multinomial(m.tensor([1, 2]), 1), RuntimeError, "only supports floating-point dtypes"),
    (lambda m: m.multinomial(m.tensor([1.0, 2.0]), 1.0), TypeError, "must be int"),
]


@pytest.mark.parametrize("fn,kind,message", ERRORS)
def test_errors_like_torch(fn, kind, message):
    with pytest.raises(kind, match=message):
        fn(torch)
    with pytest.raises(kind, match=message):
        fn(cr)
