# In the style of makemore's bigram model: a count matrix built by indexing, normalised rows,
# the average negative log likelihood, and sampling names with multinomial from a seeded generator.
import torch

words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn",
         "abigail", "emily", "ella", "elizabeth", "camila", "luna", "sofia", "avery", "mila", "aria"]
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)

N = torch.zeros((V, V), dtype=torch.int32)
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1

P = (N + 1).float()
P /= P.sum(1, keepdims=True)

g = torch.Generator().manual_seed(2147483647)
samples = []
for _ in range(5):
    out = []
    ix = 0
    while True:
        p = P[ix]
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    samples.append("".join(out))

log_likelihood = 0.0
n = 0
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        log_likelihood += torch.log(P[stoi[ch1], stoi[ch2]])
        n += 1
nll = -log_likelihood / n

RESULT = {"N_sum": N.sum().item(), "N_row0": N[0], "P_rows_sum_to_one": torch.allclose(P.sum(1), torch.ones(V)),
          "nll": nll.item(), "samples_end_with_dot": all(s.endswith(".") for s in samples),
          "samples_in_vocab": all(set(s) <= set(stoi) for s in samples), "n": n,
          "multinomial_shape": list(torch.multinomial(P, 3, replacement=True, generator=g).shape)}
TOLERANCE = (1e-5, 1e-6)
