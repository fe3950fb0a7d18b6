# "Learning PyTorch with Examples": the nn package version (Sequential, Flatten(0, 1), MSELoss sum)
# and the optim version (RMSprop), with weights set to fixed values.
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)


def make_model():
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.1, -0.05, 0.02]]))
        model[0].bias.fill_(0.05)
    return model


model = make_model()
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-6
sgd_losses = []
for t in range(400):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        sgd_losses.append(loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]

model2 = make_model()
optimizer = torch.optim.RMSprop(model2.parameters(), lr=1e-3)
rms_losses = []
for t in range(60):  # RMSprop near the optimum is chaotic (the x^2 weight hovers at 0): keep to the early steps
    loss = loss_fn(model2(xx), y)
    if t % 15 == 14:
        rms_losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

RESULT = {
    "sgd_losses": sgd_losses, "sgd_weight": linear_layer.weight, "sgd_bias": linear_layer.bias,
    "rms_losses": rms_losses, "rms_weight": model2[0].weight, "xx_shape": list(xx.shape),
}
TOLERANCE = (1e-3, 1e-4)
