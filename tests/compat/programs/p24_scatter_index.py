# Index and scatter operations as used for one-hot targets, histograms and embedding updates:
# scatter_, scatter_add_, scatter (value=), index_add_, index_copy, index_fill, gather, roll,
# with gradients through scatter_add and index_add.
import torch

labels = torch.tensor([2, 0, 1, 2])
one_hot = torch.zeros(4, 3).scatter_(1, labels.unsqueeze(1), 1.0)
counts = torch.zeros(3).scatter_add_(0, labels, torch.ones(4))
marked = torch.zeros(2, 4).scatter(1, torch.tensor([[0, 3], [1, 1]]), value=5.0)
acc = torch.zeros(5, 2)
acc.index_add_(0, torch.tensor([0, 4, 0]), torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), alpha=2)
copied = torch.zeros(4, 2).index_copy(0, torch.tensor([3, 1]), torch.tensor([[1.0, 1.0], [2.0, 2.0]]))
filled = torch.arange(6.0).reshape(2, 3).index_fill(1, torch.tensor([0, 2]), -1.0)
gathered = torch.arange(12.0).reshape(3, 4).gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]]))
rolled = torch.roll(torch.arange(10).reshape(2, 5), shifts=(1, -2), dims=(0, 1))
rolled_flat = torch.arange(5).roll(2)

src = torch.tensor([0.5, -1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
base = torch.ones(3, dtype=torch.float64, requires_grad=True)
out = base.scatter_add(0, torch.tensor([0, 2, 0, 1]), src * src)
(out * torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)).sum().backward()
w = torch.ones(3, 2, dtype=torch.float64, requires_grad=True)
s = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
w.index_add(0, torch.tensor([2, 2]), s, alpha=-1).pow(2).sum().backward()
r = torch.arange(6.0, requires_grad=True)
(torch.roll(r, 2) * torch.arange(6.0)).sum().backward()

RESULT = {"one_hot": one_hot, "counts": counts, "marked": marked, "acc": acc, "copied": copied, "filled": filled,
          "gathered": gathered, "rolled": rolled, "rolled_flat": rolled_flat, "src_grad": src.grad,
          "base_grad": base.grad, "w_grad": w.grad, "s_grad": s.grad, "r_grad": r.grad}
