"""One pre-norm transformer block (single-head causal self-attention, MLP) on a short sequence, GPT style:
projections without bias, a language-model loss."""
import math

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F

cr.manual_seed(0)


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.query = nn.Linear(d, d, bias=False)
        self.key = nn.Linear(d, d, bias=False)
        self.value = nn.Linear(d, d, bias=False)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        h = self.ln1(x)
        q, k, v = self.query(h), self.key(h), self.value(h)
        scores = q @ k.transpose(-2, -1) / math.sqrt(x.shape[-1])
        mask = cr.triu(cr.ones(x.shape[1], x.shape[1]), diagonal=1).bool()
        attention = F.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        x = x + attention @ v
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab: int = 11, d: int = 8, length: int = 6) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.position = nn.Embedding(length, d)
        self.block = Block(d)
        self.out = nn.Linear(d, vocab, bias=False)

    def forward(self, tokens: cr.Tensor) -> cr.Tensor:
        x = self.embed(tokens) + self.position(cr.arange(tokens.shape[1]))
        return self.out(self.block(x))


model = TinyGPT()
tokens = cr.randint(0, 11, (2, 6))
logits = model(tokens)
loss = F.cross_entropy(logits[:, :-1].reshape(-1, 11), tokens[:, 1:].reshape(-1))
loss.backward()
print("loss", round(loss.item(), 6))
