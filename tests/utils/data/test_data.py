"""DataLoader determinism, batching and drop_last; TensorDataset; random_split; the datasets."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import DataLoader, Dataset, TensorDataset, random_split


def dataset(n: int = 10) -> TensorDataset:
    return TensorDataset(cr.arange(n).reshape(n, 1).float(), cr.arange(n))


def test_batches_in_order_without_shuffle() -> None:
    batches = list(DataLoader(dataset(), batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 1)
    assert len(DataLoader(dataset(), batch_size=4)) == 3
    assert [b[1].tolist() for b in DataLoader(dataset(), batch_size=4, drop_last=True)] == [[0, 1, 2, 3],
                                                                                         [4, 5, 6, 7]]
    assert len(DataLoader(dataset(), batch_size=4, drop_last=True)) == 2


def test_shuffle_with_a_seeded_generator_is_deterministic() -> None:
    def epochs(seed: int) -> list[list[int]]:
        loader = DataLoader(dataset(), batch_size=3, shuffle=True, generator=cr.Generator(seed))
        return [[i for b in loader for i in b[1].tolist()] for _ in range(3)]

    a, b = epochs(7), epochs(7)
    assert a == b
    assert a[0] != a[1]  # a new order each epoch
    assert all(sorted(e) == list(range(10)) for e in a)  # each sample once per epoch
    assert epochs(8) != a


def test_shuffle_without_generator_follows_manual_seed() -> None:
    cr.manual_seed(3)
    first = [b[1].tolist() for b in DataLoader(dataset(), batch_size=5, shuffle=True)]
    cr.manual_seed(3)
    assert first == [b[1].tolist() for b in DataLoader(dataset(), batch_size=5, shuffle=True)]


def test_map_style_dataset_is_collated() -> None:
    class Squares(Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int):
            return cr.tensor([float(i)]), i * i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert batches[0][0].shape == (2, 1) and batches[0][1].tolist() == [0, 1] and batches[2][1].tolist() == [16]


def test_random_split_is_a_partition() -> None:
    a, b = random_split(dataset(10), [7, 3], generator=cr.Generator(0))
    ids = [int(a[i][1]) for i in range(len(a))] + [int(b[i][1]) for i in range(len(b))]
    assert sorted(ids) == list(range(10)) and len(a) == 7
    c, d = random_split(dataset(10), [0.8, 0.2], generator=cr.Generator(0))
    assert (len(c), len(d)) == (8, 2)
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(dataset(10), [5, 4])
    loader = DataLoader(a, batch_size=4)
    assert sum(len(batch[1]) for batch in loader) == 7


def test_tensor_dataset_checks_sizes() -> None:
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(cr.zeros(3, 2), cr.zeros(4))


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(dataset(), batch_size=0)


def test_diagonal_flip_is_the_transpose_of_each_2x2_image() -> None:
    x, y = cr.datasets.diagonal_flip()
    assert x.shape == (16, 4) and y.shape == (16, 4)
    images = x.numpy().reshape(16, 2, 2)
    np.testing.assert_array_equal(y.numpy().reshape(16, 2, 2), images.transpose(0, 2, 1))
    assert len({tuple(r) for r in x.numpy()}) == 16  # all 16 binary images
    # [a b; c d] = [1 1; 0 0] flips to [1 0; 1 0]
    row = [i for i, r in enumerate(x.tolist()) if r == [1, 1, 0, 0]][0]
    assert y.tolist()[row] == [1, 0, 1, 0]


def test_digits_and_toy_datasets() -> None:
    x, y = cr.datasets.digits()
    assert x.shape == (1797, 64) and y.shape == (1797,) and x.dtype == cr.float32 and y.dtype == cr.int64
    assert x.numpy().min() >= 0.0 and x.numpy().max() <= 1.0 and sorted(set(y.tolist())) == list(range(10))
    assert cr.datasets.digits(images=True)[0].shape == (1797, 1, 8, 8)
    for make in (cr.datasets.xor, cr.datasets.moons, cr.datasets.spirals):
        xs, ys = make()
        assert xs.shape == (400, 2) and set(ys.tolist()) == {0, 1}
        np.testing.assert_array_equal(make()[0].numpy(), xs.numpy())  # deterministic
    xs, ys = cr.datasets.xor(noise=0.0)
    assert np.array_equal(ys.numpy(), (xs.numpy()[:, 0].astype(int) ^ xs.numpy()[:, 1].astype(int)))


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install chainrule\[datasets\]"):
        cr.datasets.digits()
