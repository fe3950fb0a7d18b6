# makemore part 2: a character-level MLP with an embedding table indexed by a context tensor,
# view, tanh, cross_entropy, minibatches and a learning-rate decay.
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn"]
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
block_size = 3
X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + ".":
        ix = stoi[ch]
        X.append(context)
        Y.append(ix)
        context = context[1:] + [ix]
X = torch.tensor(X)
Y = torch.tensor(Y)


def fixed(*shape, scale, seed):
    n = 1
    for s in shape:
        n *= s
    return (torch.sin(torch.arange(n, dtype=torch.float32) * 0.61 + seed) * scale).view(shape)


C = fixed(len(stoi), 2, scale=1.0, seed=1)
W1 = fixed(6, 20, scale=0.3, seed=2)
b1 = fixed(20, scale=0.01, seed=3)
W2 = fixed(20, len(stoi), scale=0.1, seed=4)
b2 = torch.zeros(len(stoi))
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True

losses = []
for i in range(60):
    ix = (torch.arange(16) * 7 + i * 5) % X.shape[0]
    emb = C[X[ix]]
    h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Y[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 40 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    losses.append(loss.item())

emb = C[X]
full = F.cross_entropy(torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1) @ W2 + b2, Y)

RESULT = {"losses": losses[::10], "full": full.item(), "emb_shape": list(emb.shape),
          "n_params": sum(p.nelement() for p in parameters)}
TOLERANCE = (1e-3, 1e-5)
