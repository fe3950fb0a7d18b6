# optim.LBFGS with a closure: the Rosenbrock function with strong Wolfe line search, and a small
# least-squares fit without line search.
import torch


def rosenbrock(xy):
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


params = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
optimizer = torch.optim.LBFGS([params], lr=1, max_iter=20, history_size=10, line_search_fn="strong_wolfe")
trajectory = []
for _ in range(5):
    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(params)
        loss.backward()
        return loss
    loss = optimizer.step(closure)
    trajectory.append(params.detach().clone())

w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
X = torch.stack([torch.linspace(-1, 1, 20, dtype=torch.float64) ** k for k in range(3)], dim=1)
t = 0.5 - 2 * X[:, 1] + 3 * X[:, 2]
opt2 = torch.optim.LBFGS([w], lr=0.5, max_iter=10)


def closure2():
    opt2.zero_grad()
    loss = ((X @ w - t) ** 2).mean()
    loss.backward()
    return loss


for _ in range(3):
    opt2.step(closure2)

RESULT = {"trajectory": trajectory, "final_loss": rosenbrock(params).item(), "w": w,
          "state_keys": sorted(optimizer.state_dict()["state"][0].keys())}
TOLERANCE = (1e-6, 1e-9)
