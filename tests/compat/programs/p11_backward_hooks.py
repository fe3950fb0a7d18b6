# Gradient inspection hooks: register_full_backward_hook (reading and replacing grad_input),
# register_full_backward_pre_hook, Tensor.register_hook and register_post_accumulate_grad_hook.
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
with torch.no_grad():
    for i, p in enumerate(net.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float64).float() * 0.9 + i).reshape(p.shape))

grad_norms = []
net[2].register_full_backward_hook(lambda m, gin, gout: grad_norms.append([g.norm().item() for g in gout]))
net[0].register_full_backward_hook(lambda m, gin, gout: (gin[0] * 0.5,))
net[2].register_full_backward_pre_hook(lambda m, gout: (gout[0] * 3,))
accumulated = []
for name, p in net.named_parameters():
    p.register_post_accumulate_grad_hook(lambda t, name=name: accumulated.append((name, t.grad.sum().item())))

x = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]], requires_grad=True)
y = net(x).sum()
y.backward()

RESULT = {"grad_norms": grad_norms, "x_grad": x.grad, "accumulated": sorted(accumulated),
          "grads": {n: p.grad for n, p in net.named_parameters()}}
