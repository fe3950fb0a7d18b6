# The classic linear-regression tutorial: nn.Linear(1, 1), MSELoss, SGD, epochs over the full data,
# then weight_decay and a MultiStepLR schedule, and clip_grad_value_.
import torch
import torch.nn as nn

x_train = torch.linspace(0, 1, 15).view(-1, 1)
y_train = 3.0 * x_train + 0.5 + 0.1 * torch.sin(20 * x_train)
model = nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(0.2)
    model.bias.fill_(-0.1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.2, weight_decay=1e-3)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[40, 80], gamma=0.5)
losses = []
for epoch in range(120):
    outputs = model(x_train)
    loss = criterion(outputs, y_train)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), clip_value=1.0)
    optimizer.step()
    scheduler.step()
    if (epoch + 1) % 20 == 0:
        losses.append(loss.item())
predicted = model(x_train).detach()

RESULT = {"losses": losses, "weight": model.weight.item(), "bias": model.bias.item(), "predicted": predicted,
          "lr": scheduler.get_last_lr()}
TOLERANCE = (1e-4, 1e-6)
