# "Learning PyTorch with Examples": a custom nn.Module with scalar Parameters and a dynamic graph
# (a loop whose length depends on the step, instead of a random draw), SGD with momentum.
import math

import torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.1))
        self.b = torch.nn.Parameter(torch.tensor(0.8))
        self.c = torch.nn.Parameter(torch.tensor(-0.05))
        self.d = torch.nn.Parameter(torch.tensor(-0.08))
        self.e = torch.nn.Parameter(torch.tensor(0.01))

    def forward(self, x, step):
        y = self.a + self.b * x + self.c * x**2 + self.d * x**3
        for exp in range(4, 4 + step % 3):
            y = y + self.e * x**exp
        return y

    def string(self):
        return f"y = {self.a.item():.4f} + {self.b.item():.4f} x + ..."


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
losses = []
for t in range(300):
    y_pred = model(x, t)
    loss = criterion(y_pred, y)
    if t % 60 == 59:
        losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

RESULT = {"losses": losses, "params": {n: p for n, p in model.named_parameters()},
          "state_keys": sorted(model.state_dict().keys()), "n_params": sum(p.numel() for p in model.parameters())}
TOLERANCE = (1e-3, 1e-5)
