# An LSTM sequence classifier and a GRU regressor (batch_first, packed as tutorials do by hand),
# trained with Adam and gradient clipping.
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab, emb, hidden, classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.embedding(tokens))
        return self.fc(h[-1])


def init_weights(model, scale):
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.47 + i).reshape(p.shape) * scale)


model = Classifier(10, 4, 6, 2)
init_weights(model, 0.4)
tokens = (torch.arange(5 * 7).reshape(5, 7) * 3) % 10
labels = torch.tensor([0, 1, 1, 0, 1])
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
losses = []
for step in range(15):
    optimizer.zero_grad()
    loss = criterion(model(tokens), labels)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    losses.append(loss.item())

gru = nn.GRU(input_size=2, hidden_size=3, num_layers=2, batch_first=True)
init_weights(gru, 0.3)
seq = torch.cos(torch.arange(4 * 6 * 2, dtype=torch.float32) * 0.2).reshape(4, 6, 2)
out, h = gru(seq)
out.pow(2).mean().backward()

RESULT = {"losses": losses, "gru_out": out, "gru_h": h, "gru_grad": gru.weight_ih_l0.grad,
          "lstm_keys": [k for k, _ in model.lstm.named_parameters()]}
TOLERANCE = (2e-4, 1e-5)
