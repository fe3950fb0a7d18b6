"""cr.utils.data against torch.utils.data: ConcatDataset, IterableDataset through the DataLoader, the
samplers (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler),
DataLoader's sampler= / batch_sampler= / collate_fn= and their mutual exclusions, default_collate."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule as cr
import chainrule.utils.data as crd

Point = collections.namedtuple("Point", "x y")


def plain(value):
    """A structure comparable across the two libraries: tensors as (dtype name, values)."""
    if isinstance(value, cr.Tensor | torch.Tensor):
        return ("tensor", str(value.dtype).split(".")[-1], np.asarray(value.tolist()).tolist(), tuple(value.shape))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [plain(v) for v in value])
    return value


def both(make):
    """make(lib, data_module) for chainrule and torch."""
    return make(cr, crd), make(torch, tud)


class Squares:
    """A map-style dataset defined twice (one per library): sample i = (tensor([i, i^2]), i, {'odd': ...})."""

    @staticmethod
    def make(lib, data, n: int = 7):
        class _Squares(data.Dataset):
            def __len__(self) -> int:
                return n

            def __getitem__(self, i):
                return lib.tensor([float(i), float(i * i)]), i, {"odd": i % 2 == 1, "half": i / 2}

        return _Squares()


class Stream:
    @staticmethod
    def make(lib, data, n: int = 11, with_len: bool = True):
        class _Stream(data.IterableDataset):
            def __iter__(self):
                for i in range(n):
                    yield lib.tensor([float(i)]), i

        class _Sized(_Stream):
            def __len__(self) -> int:
                return n

        return _Sized() if with_len else _Stream()


def loaders_equal(ours, theirs) -> None:
    got, want = [plain(b) for b in ours], [plain(b) for b in theirs]
    assert got == want
    assert len(got) > 0


# ------------------------------------------------------------------------------------------- ConcatDataset
def test_concat_dataset_indexes_like_pytorch() -> None:
    ours, theirs = both(lambda lib, data: data.ConcatDataset(
        [data.TensorDataset(lib.arange(3)), data.TensorDataset(lib.arange(10, 15)), data.TensorDataset(lib.arange(3))]))
    assert len(ours) == len(theirs) == 11 and ours.cumulative_sizes == theirs.cumulative_sizes
    for i in list(range(11)) + list(range(-11, 0)):
        assert plain(ours[i]) == plain(theirs[i])
    for bad, exc in ((-12, ValueError), (11, IndexError)):
        with pytest.raises(exc, match=str(bad)):
            ours[bad]
        with pytest.raises(exc):
            theirs[bad]
    loaders_equal(crd.DataLoader(ours, batch_size=4), tud.DataLoader(theirs, batch_size=4))
    added = crd.TensorDataset(cr.arange(2)) + crd.TensorDataset(cr.arange(5, 7))
    assert isinstance(added, crd.ConcatDataset) and [int(added[i][0]) for i in range(4)] == [0, 1, 5, 6]


def test_concat_dataset_errors() -> None:
    with pytest.raises(AssertionError, match="empty"):
        crd.ConcatDataset([])
    with pytest.raises(AssertionError):
        tud.ConcatDataset([])
    with pytest.raises(AssertionError, match=r"datasets\[1\] is _Sized"):
        crd.ConcatDataset([crd.TensorDataset(cr.arange(2)), Stream.make(cr, crd)])
    with pytest.raises(AssertionError):
        tud.ConcatDataset([tud.TensorDataset(torch.arange(2)), Stream.make(torch, tud)])


# ------------------------------------------------------------------------------------------- IterableDataset
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (11, True), (20, False),
                                                  (None, False)])
def test_iterable_dataset_batches_like_pytorch(batch_size, drop_last) -> None:
    ours, theirs = both(lambda lib, data: data.DataLoader(Stream.make(lib, data), batch_size=batch_size,
                                                          drop_last=drop_last))
    loaders_equal(ours, theirs)
    assert len(ours) == len(theirs)
    assert len(list(ours)) == len(ours)


def test_iterable_dataset_without_len_and_errors() -> None:
    loader = crd.DataLoader(Stream.make(cr, crd, with_len=False), batch_size=4)
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    with pytest.raises(TypeError):
        len(loader)
    with pytest.raises(TypeError, match="cannot be indexed"):
        Stream.make(cr, crd)[0]
    for kwargs, match in (({"shuffle": True}, "shuffle=True"), ({"sampler": [0, 1]}, r"sampler=\[0, 1\]"),
                          ({"batch_sampler": [[0]]}, r"batch_sampler=\[\[0\]\]")):
        with pytest.raises(ValueError, match="IterableDataset.*" + match):
            crd.DataLoader(Stream.make(cr, crd), **kwargs)
        with pytest.raises(ValueError):
            tud.DataLoader(Stream.make(torch, tud), **kwargs)


# ------------------------------------------------------------------------------------------- samplers
def test_sequential_and_batch_samplers_match_pytorch() -> None:
    assert list(crd.SequentialSampler(range(6))) == list(tud.SequentialSampler(range(6)))
    assert len(crd.SequentialSampler(range(6))) == 6
    for size in (1, 3, 4, 10, 11):
        for drop in (False, True):
            ours, theirs = crd.BatchSampler(range(10), size, drop), tud.BatchSampler(range(10), size, drop)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(crd.BatchSampler(crd.SequentialSampler(range(5)), 2, False)) == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("kwargs,match", [({"batch_size": 0, "drop_last": False}, "batch_size=0"),
                                          ({"batch_size": True, "drop_last": False}, "batch_size=True"),
                                          ({"batch_size": 2.0, "drop_last": False}, "batch_size=2.0"),
                                          ({"batch_size": 2, "drop_last": 1}, "drop_last=1")])
def test_batch_sampler_errors(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        crd.BatchSampler(range(4), **kwargs)
    with pytest.raises(ValueError):
        tud.BatchSampler(range(4), **kwargs)


def test_random_sampler() -> None:
    data = range(10)
    order = list(crd.RandomSampler(data, generator=cr.Generator(0)))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert order == list(crd.RandomSampler(data, generator=cr.Generator(0)))  # seeded: reproducible
    sampler = crd.RandomSampler(data, generator=cr.Generator(0))
    assert list(sampler) != list(sampler)  # a new order each pass
    longer = list(crd.RandomSampler(data, num_samples=25, generator=cr.Generator(1)))
    assert len(longer) == 25 and sorted(longer[:10]) == sorted(longer[10:20]) == list(range(10))
    assert len(set(longer[20:])) == 5
    shorter = crd.RandomSampler(data, num_samples=4)
    assert len(shorter) == 4 and len(set(shorter)) == 4
    drawn = list(crd.RandomSampler(range(3), replacement=True, num_samples=3000, generator=cr.Generator(2)))
    counts = np.bincount(drawn, minlength=3)
    assert len(drawn) == 3000 and set(drawn) == {0, 1, 2} and np.all(np.abs(counts - 1000) < 150)
    cr.manual_seed(5)
    first = list(crd.RandomSampler(data))
    cr.manual_seed(5)
    assert list(crd.RandomSampler(data)) == first  # without a generator: chainrule's default one


@pytest.mark.parametrize("kwargs,exc,match", [({"replacement": 1}, TypeError, "replacement=1"),
                                              ({"num_samples": 0}, ValueError, "num_samples=0"),
                                              ({"num_samples": 2.5}, ValueError, "num_samples=2.5")])
def test_random_sampler_errors(kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        crd.RandomSampler(range(4), **kwargs)
    with pytest.raises(exc):
        tud.RandomSampler(range(4), **kwargs)


def test_subset_random_sampler() -> None:
    sampler = crd.SubsetRandomSampler([3, 5, 7, 9], generator=cr.Generator(0))
    assert sorted(sampler) == [3, 5, 7, 9] and len(sampler) == 4


def test_weighted_random_sampler() -> None:
    weights = [0.0, 1.0, 3.0, 0.0, 6.0]
    drawn = list(crd.WeightedRandomSampler(weights, 20000, generator=cr.Generator(0)))
    counts = np.bincount(drawn, minlength=5) / 20000
    assert counts[0] == counts[3] == 0
    np.testing.assert_allclose(counts[[1, 2, 4]], [0.1, 0.3, 0.6], atol=0.02)
    once = list(crd.WeightedRandomSampler(weights, 3, replacement=False, generator=cr.Generator(1)))
    assert sorted(once) == [1, 2, 4]
    sampler = crd.WeightedRandomSampler(cr.tensor([1.0, 2.0]), 5)
    assert len(sampler) == 5 and len(list(sampler)) == 5 and sampler.weights.dtype == cr.float64
    assert plain(sampler.weights) == plain(tud.WeightedRandomSampler(torch.tensor([1.0, 2.0]), 5).weights)


@pytest.mark.parametrize("args,kwargs,match", [
    (([1.0, 2.0], 0), {}, "num_samples=0"),
    (([1.0, 2.0], True), {}, "num_samples=True"),
    (([1.0, 2.0], 2), {"replacement": "yes"}, "replacement='yes'"),
    (([[1.0, 2.0]], 2), {}, r"shape \(1, 2\)"),
])
def test_weighted_random_sampler_construction_errors(args, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        crd.WeightedRandomSampler(*args, **kwargs)
    with pytest.raises(ValueError):
        tud.WeightedRandomSampler(*args, **kwargs)


@pytest.mark.parametrize("weights,n,replacement,match", [
    ([1.0, -1.0], 2, True, "element < 0"),
    ([1.0, float("nan")], 2, True, "nan"),
    ([0.0, 0.0], 2, True, "sum of probabilities"),
    ([1.0, 2.0], 3, False, "without replacement"),
    ([1.0, 0.0, 0.0], 2, False, "num_samples=2"),
])
def test_weighted_random_sampler_bad_weights_fail_when_drawing(weights, n, replacement, match) -> None:
    with pytest.raises(RuntimeError, match=match):
        list(crd.WeightedRandomSampler(weights, n, replacement=replacement))
    if weights != [1.0, 0.0, 0.0]:  # torch.multinomial draws zero-weight indices then; chainrule refuses
        with pytest.raises(RuntimeError):
            list(tud.WeightedRandomSampler(weights, n, replacement=replacement))


# ------------------------------------------------------------------------------------------- DataLoader
@pytest.mark.parametrize("kwargs", [
    {"sampler": [6, 0, 3, 3, 1], "batch_size": 2},
    {"sampler": [6, 0, 3, 3, 1], "batch_size": 2, "drop_last": True},
    {"batch_sampler": [[0, 2], [1, 3, 5], [6]]},
    {"batch_size": None},
    {"batch_size": None, "sampler": [4, 2]},
    {"batch_size": 3, "collate_fn": lambda batch: [len(batch), batch[0][1]]},
    {"batch_size": None, "collate_fn": lambda sample: sample[1] * 10},
])
def test_dataloader_arguments_match_pytorch(kwargs) -> None:
    ours, theirs = both(lambda lib, data: data.DataLoader(Squares.make(lib, data), **kwargs))
    loaders_equal(ours, theirs)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("kwargs", [
    {"sampler": crd.SequentialSampler(range(10))},
    {"batch_sampler": crd.BatchSampler(range(9, -1, -1), 4, drop_last=True)},
    {"batch_size": 4, "sampler": [9, 9, 1]},
])
def test_tensor_dataset_fast_path_follows_samplers(kwargs) -> None:
    torch_kwargs = {k: (list(v) if isinstance(v, crd.Sampler) else v) for k, v in kwargs.items()}
    if "batch_sampler" in kwargs:
        torch_kwargs["batch_sampler"] = list(kwargs["batch_sampler"])
    ours = crd.DataLoader(crd.TensorDataset(cr.arange(10).float(), cr.arange(10)), **kwargs)
    theirs = tud.DataLoader(tud.TensorDataset(torch.arange(10).float(), torch.arange(10)), **torch_kwargs)
    loaders_equal(ours, theirs)


@pytest.mark.parametrize("kwargs,match", [
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_size=2"),
    ({"batch_sampler": [[0]], "shuffle": True}, "shuffle=True"),
    ({"batch_sampler": [[0]], "sampler": [0]}, r"sampler=\[0\]"),
    ({"batch_sampler": [[0]], "drop_last": True}, "drop_last=True"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"batch_size": -1}, "batch_size=-1"),
    ({"num_workers": -1}, "num_workers=-1"),
])
def test_dataloader_mutual_exclusions_like_pytorch(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        crd.DataLoader(Squares.make(cr, crd), **kwargs)
    with pytest.raises(ValueError):
        tud.DataLoader(Squares.make(torch, tud), **kwargs)


def test_shuffle_uses_a_random_sampler_with_the_generator() -> None:
    loader = crd.DataLoader(Squares.make(cr, crd), batch_size=3, shuffle=True, generator=cr.Generator(4))
    assert isinstance(loader.sampler, crd.RandomSampler) and loader.sampler.generator is loader.generator
    assert isinstance(loader.batch_sampler, crd.BatchSampler)
    seen = [i for batch in loader for i in batch[1].tolist()]
    assert sorted(seen) == list(range(7))


# ------------------------------------------------------------------------------------------- default_collate
CASES = [
    [1, 2, 3],
    [1.0, 2.5],
    [True, False],
    [np.float32(1.5), np.float32(2.0)],
    [np.array([1, 2]), np.array([3, 4])],
    [np.arange(6.0).reshape(2, 3), np.ones((2, 3))],
    ["a", "b"],
    [(1, "a"), (2, "b")],
    [[1, 2], [3, 4]],
    [{"x": 1, "y": [1.0, 2.0]}, {"x": 2, "y": [3.0, 4.0]}],
    [Point(1, 2.0), Point(3, 4.0)],
    [{"t": "T", "n": (np.int32(1), 0.5)}, {"t": "T", "n": (np.int32(2), 1.5)}],
]


@pytest.mark.parametrize("batch", CASES, ids=[str(i) for i in range(len(CASES))])
def test_default_collate_matches_pytorch(batch) -> None:
    assert plain(crd.default_collate(batch)) == plain(tud.default_collate(batch))


def test_default_collate_stacks_tensors_like_pytorch() -> None:
    ours = crd.default_collate([(cr.tensor([1.0, 2.0]), cr.tensor(3)), (cr.tensor([4.0, 5.0]), cr.tensor(6))])
    theirs = tud.default_collate([(torch.tensor([1.0, 2.0]), torch.tensor(3)),
                                  (torch.tensor([4.0, 5.0]), torch.tensor(6))])
    assert plain(ours) == plain(theirs)


@pytest.mark.parametrize("make,exc,match", [
    (lambda lib: [[1, 2], [3]], RuntimeError, "equal size"),
    (lambda lib: [lib.zeros(2), lib.zeros(3)], RuntimeError, "equal size"),
    (lambda lib: [object(), object()], TypeError, "found object"),
    (lambda lib: [np.array(["a"]), np.array(["b"])], TypeError, "numpy"),
])
def test_default_collate_errors_like_pytorch(make, exc, match) -> None:
    with pytest.raises(exc, match=match):
        crd.default_collate(make(cr))
    with pytest.raises(exc):
        tud.default_collate(make(torch))


def test_default_convert_for_unbatched_loading() -> None:
    sample = {"a": np.arange(3), "b": (np.float64(2.0), "s"), "c": 1}
    assert plain(crd.default_convert(sample)) == plain(tud.default_convert(sample))
