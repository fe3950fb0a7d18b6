# In the style of PyTorch's MNIST example: Conv2d, max_pool2d, Dropout (train and eval), flatten,
# log_softmax + nll_loss, SGD with momentum, StepLR, and a test loop with argmax(keepdim=True).
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.0)
        self.fc1 = nn.Linear(8 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Net().to(device)
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.83 + i).reshape(p.shape) * 0.3)
data = torch.cos(torch.arange(24 * 10 * 10, dtype=torch.float32) * 0.021).reshape(24, 1, 10, 10)
target = torch.arange(24) % 3
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
scheduler = StepLR(optimizer, step_size=2, gamma=0.7)
losses, lrs = [], []
for epoch in range(1, 5):
    model.train()
    for batch in range(3):
        d, t = data[batch * 8:(batch + 1) * 8].to(device), target[batch * 8:(batch + 1) * 8].to(device)
        optimizer.zero_grad()
        loss = F.nll_loss(model(d), t)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])
model.eval()
test_loss, correct = 0.0, 0
with torch.no_grad():
    output = model(data)
    test_loss += F.nll_loss(output, target, reduction="sum").item()
    pred = output.argmax(dim=1, keepdim=True)
    correct += pred.eq(target.view_as(pred)).sum().item()

RESULT = {"losses": losses, "lrs": lrs, "test_loss": test_loss, "correct": correct, "pred_shape": list(pred.shape)}
TOLERANCE = (1e-3, 1e-5)
