# makemore's neural bigram: one-hot inputs, a weight matrix, softmax by hand, the loss with
# regularisation, and gradient descent with p.data updates.
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "luna", "aria"]
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
V = len(stoi)
xs, ys = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
W = (torch.sin(torch.arange(V * V).float() * 0.37).reshape(V, V) * 0.5).requires_grad_()
losses = []
for k in range(30):
    xenc = F.one_hot(xs, num_classes=V).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
    losses.append(loss.item())
    W.grad = None
    loss.backward()
    W.data += -10 * W.grad
ce = F.cross_entropy(F.one_hot(xs, num_classes=V).float() @ W, ys)

RESULT = {"losses": losses, "W_sum": W.sum().item(), "xenc_dtype": str(F.one_hot(xs).dtype).split(".")[-1],
          "ce": ce.item()}
TOLERANCE = (1e-4, 1e-5)
