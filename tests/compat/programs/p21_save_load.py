# Saving and loading as the tutorials do: torch.save(state_dict), torch.load(weights_only=True),
# load_state_dict, an optimizer checkpoint dict, map_location="cpu", eval mode.
import os
import tempfile

import torch
import torch.nn as nn
import torch.optim as optim


class TheModelClass(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


model = TheModelClass()
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.77 + i).reshape(p.shape) * 0.5)
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.cos(torch.arange(32, dtype=torch.float32)).reshape(8, 4)
for _ in range(3):
    optimizer.zero_grad()
    model(x).pow(2).mean().backward()
    optimizer.step()

folder = tempfile.mkdtemp()
path = os.path.join(folder, "model.pt")
torch.save(model.state_dict(), path)
model2 = TheModelClass()
model2.load_state_dict(torch.load(path, weights_only=True))
model2.eval()
model.eval()
ckpt = os.path.join(folder, "ckpt.tar")
torch.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
            "loss": 0.25}, ckpt)
checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
optimizer2 = optim.SGD(model2.parameters(), lr=0.01, momentum=0.9)
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])

RESULT = {"same": torch.equal(model(x), model2(x)), "out": model2(x), "epoch": checkpoint["epoch"],
          "loss": checkpoint["loss"], "keys": list(model2.state_dict().keys()),
          "running_mean": model2.bn.running_mean, "num_batches_tracked": model2.bn.num_batches_tracked.item(),
          "momentum_buffer": optimizer2.state_dict()["state"][0]["momentum_buffer"]}
