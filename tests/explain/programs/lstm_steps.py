"""A sequence model over 200 time steps: an LSTMCell called once per step, and an nn.LSTM."""
import chainrule as cr
from chainrule import nn

cr.manual_seed(0)


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.LSTMCell(3, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, xs: cr.Tensor) -> cr.Tensor:
        h = c = cr.zeros(2, 4)
        for t in range(xs.shape[0]):
            h, c = self.cell(xs[t], (h, c))
        return self.head(h)


model = Recurrent()
sequence = cr.randn(200, 2, 3)
loss = model(sequence).pow(2).mean()
loss.backward()
print("loss", round(loss.item(), 6))
