"""`torch.utils.data.dataset`'s path: the dataset classes, re-exported from `chainrule.utils.data`."""

from chainrule.utils.data import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)

__all__ = ["ConcatDataset", "Dataset", "IterableDataset", "Subset", "TensorDataset", "random_split"]
