# Per-sample gradients with torch.func: functional_call over a model's parameters, vmap(grad(...))
# with in_dims, compared with a loop of ordinary backward passes.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap

model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.71 + i).reshape(p.shape) * 0.5)
data = torch.cos(torch.arange(6 * 4, dtype=torch.float32) * 0.3).reshape(6, 4)
targets = torch.tensor([0, 2, 1, 1, 0, 2])
params = {k: v.detach() for k, v in model.named_parameters()}


def compute_loss(params, sample, target):
    predictions = functional_call(model, params, (sample.unsqueeze(0),))
    return F.cross_entropy(predictions, target.unsqueeze(0))


ft_per_sample = vmap(grad(compute_loss), in_dims=(None, 0, 0))(params, data, targets)
loop = []
for i in range(6):
    model.zero_grad()
    F.cross_entropy(model(data[i:i + 1]), targets[i:i + 1]).backward()
    loop.append({k: p.grad.clone() for k, p in model.named_parameters()})

RESULT = {"per_sample": ft_per_sample, "loop_first": loop[0], "loop_last": loop[-1],
          "match": all(torch.allclose(ft_per_sample[k][i], loop[i][k], atol=1e-6) for k in params for i in range(6))}
TOLERANCE = (1e-4, 1e-6)
