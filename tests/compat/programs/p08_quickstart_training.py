# In the style of PyTorch's Quickstart: device selection, a Module with Flatten and a Sequential stack,
# DataLoader over a Dataset, train and test loops, argmax accuracy, state_dict round trip.
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"


def init_weights(model):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.7 + i).reshape(p.shape) * 0.2)


images = torch.cos(torch.arange(64 * 1 * 6 * 6, dtype=torch.float32) * 0.013).reshape(64, 1, 6, 6)
labels = (images.sum(dim=(1, 2, 3)) > 0).long() + (images[:, 0, 0, 0] > 0.5).long()
training_data = TensorDataset(images[:48], labels[:48])
test_data = TensorDataset(images[48:], labels[48:])
train_dataloader = DataLoader(training_data, batch_size=8)
test_dataloader = DataLoader(test_data, batch_size=8)
for X, y in test_dataloader:
    first_batch = (list(X.shape), list(y.shape), str(y.dtype).split(".")[-1])
    break


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                                               nn.Linear(16, 3))

    def forward(self, x):
        x = self.flatten(x)
        return self.linear_relu_stack(x)


model = NeuralNetwork().to(device)
init_weights(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    for X, y in dataloader:
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return loss.item()


def test(dataloader, model, loss_fn):
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / num_batches, correct / len(dataloader.dataset)


history = []
for t in range(5):
    history.append([train(train_dataloader, model, loss_fn, optimizer), *test(test_dataloader, model, loss_fn)])

state = model.state_dict()
model2 = NeuralNetwork().to(device)
model2.load_state_dict(state)
model2.eval()
with torch.no_grad():
    pred = model2(test_data[0][0].unsqueeze(0).to(device))

RESULT = {"device": str(device), "first_batch": first_batch, "history": history, "pred": pred,
          "keys": list(state.keys()), "repr": repr(model).splitlines()[:3]}
TOLERANCE = (1e-3, 1e-5)
