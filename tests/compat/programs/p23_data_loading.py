# "Datasets & DataLoaders": a map-style Dataset subclass with a transform, DataLoader batching with a
# custom collate_fn, default_collate from torch.utils.data.dataloader, Subset, random_split with a
# seeded generator (sizes only), and an IterableDataset.
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, Subset, random_split
from torch.utils.data.dataloader import default_collate


class SquaresDataset(Dataset):
    def __init__(self, n, transform=None):
        self.n = n
        self.transform = transform

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        x = torch.tensor([float(idx), float(idx) ** 2])
        label = idx % 3
        if self.transform:
            x = self.transform(x)
        return x, label


ds = SquaresDataset(10, transform=lambda t: t / 10)
loader = DataLoader(ds, batch_size=4, shuffle=False)
batches = [(x, y) for x, y in loader]
dropped = len(DataLoader(ds, batch_size=4, drop_last=True))


def collate_pad(batch):
    xs = [torch.ones(i % 3 + 1) * i for _, i in batch]
    longest = max(len(x) for x in xs)
    return torch.stack([torch.cat([x, torch.zeros(longest - len(x))]) for x in xs])


padded = next(iter(DataLoader(ds, batch_size=5, collate_fn=collate_pad)))
collated = default_collate([{"a": torch.ones(2), "b": 1}, {"a": torch.zeros(2), "b": 2}])
sub = Subset(ds, [1, 3, 5])
train, test = random_split(ds, [7, 3], generator=torch.Generator().manual_seed(42))


class Counter(IterableDataset):
    def __iter__(self):
        return iter(torch.arange(7))


streamed = [b for b in DataLoader(Counter(), batch_size=3)]
shuffled = sorted(int(y) for _, ys in DataLoader(ds, batch_size=3, shuffle=True) for y in ys)

RESULT = {"batches": batches, "n_batches": len(loader), "dropped": dropped, "padded": padded,
          "collated": collated, "sub": [sub[i][1] for i in range(len(sub))], "split": [len(train), len(test)],
          "split_disjoint": not set(train.indices) & set(test.indices), "streamed": streamed, "shuffled": shuffled}
