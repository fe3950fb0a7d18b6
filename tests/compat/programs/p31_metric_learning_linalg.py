# Metric learning with triplet, cosine-embedding and margin-ranking losses on a small embedding network, then
# torch.linalg in a few classic uses: least squares by solve, a Gaussian-process log likelihood from Cholesky and
# slogdet, PCA from the SVD and eigh, with gradients flowing through each.
import math

import torch
import torch.nn as nn

embed = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
with torch.no_grad():
    for i, p in enumerate(embed.parameters()):
        p.copy_(torch.cos(torch.arange(p.numel(), dtype=torch.float32) * 0.37 + i).reshape(p.shape) * 0.5)
anchor = torch.sin(torch.arange(6 * 4, dtype=torch.float32) * 0.3).reshape(6, 4)
positive = anchor + 0.1 * torch.cos(torch.arange(6 * 4, dtype=torch.float32)).reshape(6, 4)
negative = torch.flipud(anchor) * -1.0
labels = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
triplet, cosine, ranking = nn.TripletMarginLoss(margin=0.5), nn.CosineEmbeddingLoss(0.1), nn.MarginRankingLoss(0.2)
optimizer = torch.optim.SGD(embed.parameters(), lr=0.1, momentum=0.9)
losses = []
for step in range(10):
    a, p, n = embed(anchor), embed(positive), embed(negative)
    loss = triplet(a, p, n) + cosine(a, n, labels) + ranking(a.norm(dim=1), n.norm(dim=1), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
distances = nn.PairwiseDistance()(embed(anchor), embed(negative))

# least squares: the normal equations solved with linalg.solve, the slope learned through them
x = torch.linspace(0, 1, 20, dtype=torch.float64)
design = torch.stack([torch.ones_like(x), x, x ** 2], dim=1)
target = torch.sin(3 * x)
ridge = torch.tensor(1e-3, dtype=torch.float64, requires_grad=True)
coef = torch.linalg.solve(design.T @ design + ridge * torch.eye(3, dtype=torch.float64), design.T @ target)
fit_error = ((design @ coef - target) ** 2).sum()
fit_error.backward()

# a Gaussian process's negative log marginal likelihood, its gradient with respect to the length scale
length = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
noise = 1e-2 * torch.eye(20, dtype=torch.float64)
kernel = torch.exp(-torch.cdist(x[:, None], x[:, None]) ** 2 / (2 * length ** 2)) + noise
chol = torch.linalg.cholesky(kernel)
alpha = torch.linalg.solve_triangular(chol.T, torch.linalg.solve_triangular(chol, target[:, None], upper=False),
                                      upper=True)[:, 0]
nll = 0.5 * target @ alpha + torch.log(torch.diagonal(chol)).sum() + 10 * math.log(2 * math.pi)
logdet_check = torch.linalg.slogdet(kernel).logabsdet - 2 * torch.log(torch.diagonal(chol)).sum()
nll.backward()

# PCA: singular values and the eigenvalues of the covariance agree; the explained variance is differentiable
points = torch.stack([x, 2 * x + 0.1 * torch.sin(17 * x), torch.cos(x)], dim=1).requires_grad_(True)
centered = points - points.mean(0)
singular = torch.linalg.svdvals(centered)
eigvals, eigvecs = torch.linalg.eigh(centered.T @ centered)
explained = singular[0] ** 2 / (singular ** 2).sum()
explained.backward()

RESULT = {"losses": losses, "distances": distances, "coef": coef, "ridge_grad": ridge.grad, "chol_diag":
          torch.diagonal(chol), "nll": nll, "length_grad": length.grad,
          "logdet_check": logdet_check, "singular": singular,
          "eigvals": eigvals, "eigvec_squares": eigvecs ** 2, "points_grad": points.grad,
          "norms": torch.linalg.matrix_norm(centered, "nuc"), "atan2": torch.atan2(x[1:4], x[4:7]),
          "area": torch.trapezoid(target, x), "counts": torch.bincount(torch.tensor([0, 2, 2, 5])),
          "grid": torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5]))}
TOLERANCE = (1e-5, 1e-7)
