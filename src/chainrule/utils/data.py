"""`Dataset`, `TensorDataset`, `DataLoader` and `random_split`, as in `torch.utils.data`.

A `DataLoader` over a `TensorDataset` slices whole batches at once (one fancy index per tensor)
rather than stacking samples one by one; other datasets are indexed per sample and collated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from chainrule import random as _random
from chainrule.engine.tensor import Tensor


class Dataset:
    """Anything with `__getitem__(index)` and `__len__()`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are the i-th rows of each tensor; all tensors must have the same first dimension."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].ndim else None
        if any(t.ndim == 0 or t.shape[0] != n for t in tensors):
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"Size mismatch between tensors: first dimensions differ ({shapes})")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor._make(t._data[index]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, np.ndarray | list):
            return self.dataset[self.indices[np.asarray(index)]]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


def _batchable(dataset: Dataset) -> bool:
    """Datasets that can return a whole batch for an index array."""
    if isinstance(dataset, TensorDataset):
        return True
    return isinstance(dataset, Subset) and _batchable(dataset.dataset)


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples (tensors, numbers, or tuples/dicts of them) into batched tensors."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([b._data for b in batch]))
    if isinstance(first, np.ndarray | float | int | np.number) and not isinstance(first, bool):
        return Tensor._make(np.asarray(batch))
    if isinstance(first, tuple | list):
        return type(first)(default_collate(list(items)) for items in zip(*batch))
    if isinstance(first, dict):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    return batch


class DataLoader:
    """Iterate over a dataset in batches; `shuffle=True` draws a new order each epoch from `generator`
    (or from chainrule's default generator), so a seeded generator gives the same order every run."""

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: _random.Generator | None = None, collate_fn: Callable | None = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator or _random.default_generator).numpy.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        fast = self.collate_fn is None and _batchable(self.dataset)
        for start in range(0, stop, size):
            idx = order[start:start + size]
            if fast:
                yield list(self.dataset[idx])
            else:
                samples = [self.dataset[int(i)] for i in idx]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: _random.Generator | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    sizes = [int(x) for x in lengths]
    if all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0) and sum(sizes) != n:
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    if sum(sizes) != n:
        raise ValueError(f"Sum of input lengths ({sum(sizes)}) does not equal the length of the input dataset ({n})")
    perm = (generator or _random.default_generator).numpy.permutation(n)
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
