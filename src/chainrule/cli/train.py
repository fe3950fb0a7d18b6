"""`chainrule train`: train an MLP on a bundled dataset with a progress bar, a summary table, a checkpoint
and a loss-curve plot; `--resume` continues from a checkpoint.

    chainrule train --dataset digits
    chainrule train --dataset moons --hidden 16,16 --activation tanh --optimizer sgd --lr 0.1 --epochs 50
    chainrule train --dataset diagonal_flip --hidden 3 --epochs 500 --batch-size 16
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.utils.data import DataLoader, TensorDataset

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}
OPTIMIZERS = {"sgd": cr.optim.SGD, "momentum": cr.optim.SGD, "adam": cr.optim.Adam, "adamw": cr.optim.AdamW,
              "rmsprop": cr.optim.RMSprop, "adagrad": cr.optim.Adagrad}
DEFAULT_HIDDEN = "128,64"
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 1e-2, "adamw": 1e-2, "rmsprop": 1e-3, "adagrad": 0.05}


class TrainingError(Exception):
    """Stops a run with a message for the user (NaN loss, unusable checkpoint)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=cr.datasets.NAMES, default="digits", help="what to learn (default digits)")
    parser.add_argument("--hidden", default=None, help="hidden layer sizes, comma-separated (default 128,64)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu", help="default relu")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                        help="default adam ('momentum' is SGD with momentum 0.9)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default depends on the optimizer)")
    parser.add_argument("--epochs", type=int, default=30, help="default 30")
    parser.add_argument("--batch-size", type=int, default=32, help="default 32")
    parser.add_argument("--schedule", choices=["cosine", "step", "none"], default="cosine",
                        help="learning-rate schedule over the epochs (default cosine annealing to 0)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the weights, the split and the batch order")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="held-out share of the data (default 0.2)")
    parser.add_argument("--checkpoint", default=None,
                        help="where to save model and optimizer (default chainrule-runs/DATASET.npz; 'none': skip)")
    parser.add_argument("--resume", default=None, help="continue training from this checkpoint")
    parser.add_argument("--plot", default=None,
                        help="loss-curve PNG (default chainrule-runs/DATASET-loss.png; 'none': skip; needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


# ----------------------------------------------------------------------------- setup
def _split(x: cr.Tensor, y: cr.Tensor, fraction: float, seed: int, dataset: str) -> tuple:
    if dataset == "diagonal_flip":  # 16 images: learn them all, measure on all
        return x, y, x, y
    perm = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * fraction))
    test, train = perm[:n_test], perm[n_test:]
    return x[train], y[train], x[test], y[test]


def build_model(n_in: int, hidden: list[int], n_out: int, activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for size in hidden:
        layers += [nn.Linear(n_in, size), ACTIVATIONS[activation]()]
        n_in = size
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def _make_optimizer(name: str, params: Any, lr: float) -> cr.optim.Optimizer:
    if name == "momentum":
        return cr.optim.SGD(params, lr=lr, momentum=0.9)
    return OPTIMIZERS[name](params, lr=lr)


def _make_scheduler(name: str, optimizer: cr.optim.Optimizer, epochs: int, done: int) -> Any:
    """One step per epoch; on resume, the schedule picks up at the epoch reached."""
    if name == "none" or epochs <= 0:
        return None
    sched = cr.optim.lr_scheduler
    if name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs, last_epoch=done - 1 if done else -1)
    return sched.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1, last_epoch=done - 1 if done else -1)


def _parse_hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise TrainingError(f"--hidden must be comma-separated layer sizes such as 64,32, got {text!r}") from None
    if any(s <= 0 for s in sizes):
        raise TrainingError(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def _config(args: argparse.Namespace) -> dict[str, Any]:
    lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    return {"dataset": args.dataset, "hidden": _parse_hidden(args.hidden or DEFAULT_HIDDEN),
            "activation": args.activation, "optimizer": args.optimizer, "lr": lr, "schedule": args.schedule,
            "batch_size": args.batch_size, "seed": args.seed, "test_fraction": args.test_fraction}


def _path(value: str | None, default: str) -> str | None:
    if value is not None and value.lower() in ("", "none"):
        return None
    return value or default


# ----------------------------------------------------------------------------- metrics
def _multilabel(dataset: str) -> bool:
    return dataset == "diagonal_flip"


def loss_fn(dataset: str, logits: cr.Tensor, y: cr.Tensor) -> cr.Tensor:
    if _multilabel(dataset):
        return nn.functional.binary_cross_entropy_with_logits(logits, y)
    return nn.functional.cross_entropy(logits, y)


def correct(dataset: str, logits: np.ndarray, y: np.ndarray) -> int:
    if _multilabel(dataset):
        return int(np.all((logits > 0) == (y > 0.5), axis=1).sum())
    return int((logits.argmax(1) == y).sum())


def evaluate(model: nn.Module, dataset: str, x: cr.Tensor, y: cr.Tensor) -> tuple[float, float]:
    model.eval()
    with cr.no_grad():
        logits = model(x)
        loss = loss_fn(dataset, logits, y).item()
    model.train()
    return loss, correct(dataset, logits.numpy(), y.numpy()) / len(x)


# ----------------------------------------------------------------------------- the loop
class _Progress:
    """A rich progress bar with the running loss and accuracy (tqdm, then plain lines, as fallbacks)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet, self.bar, self.kind = total, quiet, None, None
        self.pending, self.last = 0, 0.0
        if quiet:
            return
        try:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("loss {task.fields[loss]:.4f}  acc {task.fields[acc]:.2%}"),
                                TimeElapsedColumn())
            self.task = self.bar.add_task("train", total=total, epoch=0, loss=float("nan"), acc=0.0)
            self.bar.start()
            self.kind = "rich"
        except ImportError:
            try:
                from tqdm import tqdm

                self.bar, self.kind = tqdm(total=total, unit="step"), "tqdm"
            except ImportError:
                self.kind = "plain"

    def update(self, steps: int, epoch: int, loss: float, acc: float, last_in_epoch: bool) -> None:
        """Called every step; redraws at most ten times a second (and at each epoch's end)."""
        self.pending += steps
        now = time.perf_counter()
        if not last_in_epoch and now - self.last < 0.1:
            return
        steps, self.pending, self.last = self.pending, 0, now
        if self.kind == "rich":
            self.bar.update(self.task, advance=steps, epoch=epoch, loss=loss, acc=acc)
        elif self.kind == "tqdm":
            self.bar.update(steps)
            self.bar.set_postfix(epoch=epoch, loss=f"{loss:.4f}", acc=f"{acc:.2%}")
        elif self.kind == "plain" and last_in_epoch:
            print(f"epoch {epoch}: loss {loss:.4f}  acc {acc:.2%}")

    def close(self) -> None:
        if self.kind in ("rich", "tqdm"):
            (self.bar.stop if self.kind == "rich" else self.bar.close)()


def train(args: argparse.Namespace) -> dict[str, Any]:
    config = _config(args)
    checkpoint = None
    if args.resume:
        checkpoint = cr.load(args.resume)
        saved = checkpoint.get("config", {})
        for key in ("dataset", "activation", "optimizer"):
            if saved.get(key) != config[key]:
                raise TrainingError(f"--resume: the checkpoint was trained with --{key} {saved.get(key)}, "
                                    f"not {config[key]}")
        if args.hidden is None:  # the architecture comes from the checkpoint unless given
            config["hidden"] = saved.get("hidden", config["hidden"])
    dataset = config["dataset"]
    x, y = getattr(cr.datasets, dataset)()
    x_train, y_train, x_test, y_test = _split(x, y, config["test_fraction"], config["seed"], dataset)
    cr.manual_seed(config["seed"])
    n_out = y.shape[1] if _multilabel(dataset) else int(y.numpy().max()) + 1
    model = build_model(x.shape[1], config["hidden"], n_out, config["activation"])
    optimizer = _make_optimizer(config["optimizer"], model.parameters(), config["lr"])
    history: dict[str, list] = {"step_loss": [], "epoch_test_acc": []}
    start_epoch, step = 0, 0
    if checkpoint is not None:
        try:
            model.load_state_dict(checkpoint["model"])
        except RuntimeError as exc:
            raise TrainingError(f"--resume: the checkpoint does not fit this model: {exc}") from None
        optimizer.load_state_dict(checkpoint["optimizer"])
        history = {k: list(v) for k, v in checkpoint["history"].items()}
        start_epoch, step = int(checkpoint["epoch"]), int(checkpoint["step"])
    scheduler = _make_scheduler(config.get("schedule", "none"), optimizer, args.epochs, start_epoch)
    generator = cr.Generator(config["seed"] + start_epoch)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=config["batch_size"], shuffle=True,
                        generator=generator)
    progress = _Progress(len(loader) * max(args.epochs - start_epoch, 0), args.quiet)
    started = time.perf_counter()
    try:
        for epoch in range(start_epoch + 1, args.epochs + 1):
            seen = hits = 0
            running = 0.0
            for i, (xb, yb) in enumerate(loader):
                step += 1
                optimizer.zero_grad()
                logits = model(xb)
                loss = loss_fn(dataset, logits, yb)
                value = loss.item()
                if not math.isfinite(value):
                    raise TrainingError(f"the loss became {value} at step {step} (epoch {epoch}, batch {i + 1}); "
                                        f"stopping. Try a smaller --lr (now {config['lr']}).")
                loss.backward()
                optimizer.step()
                history["step_loss"].append(value)
                n = len(yb)
                running += value * n
                seen += n
                hits += correct(dataset, logits.detach().numpy(), yb.numpy())
                progress.update(1, epoch, running / seen, hits / seen, i == len(loader) - 1)
            if scheduler is not None:
                scheduler.step()
            history["epoch_test_acc"].append(evaluate(model, dataset, x_test, y_test)[1])
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    train_loss, train_acc = evaluate(model, dataset, x_train, y_train)
    test_loss, test_acc = evaluate(model, dataset, x_test, y_test)
    return {"config": config, "model": model, "optimizer": optimizer, "history": history, "step": step,
            "epochs": args.epochs, "elapsed": elapsed, "train_loss": train_loss, "train_acc": train_acc,
            "test_loss": test_loss, "test_acc": test_acc, "n_train": len(x_train), "n_test": len(x_test)}


# ----------------------------------------------------------------------------- outputs
def save_checkpoint(result: dict[str, Any], path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    cr.save({"model": result["model"].state_dict(), "optimizer": result["optimizer"].state_dict(),
             "config": result["config"], "epoch": result["epochs"], "step": result["step"],
             "history": result["history"]}, path)


def save_plot(result: dict[str, Any], path: str) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install chainrule[plot]): no plot"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    losses = np.asarray(result["history"]["step_loss"])
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(losses, lw=0.6, alpha=0.5, label="loss per step")
    window = max(1, len(losses) // 50)
    if len(losses) >= window > 1:
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window - 1, len(losses)), smooth, lw=1.5, label=f"mean of {window} steps")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_yscale("log")
    ax.set_title(f"chainrule train --dataset {result['config']['dataset']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None


def _summary(result: dict[str, Any], checkpoint: str | None, plot: str | None) -> None:
    c = result["config"]
    params = sum(p.numel() for p in result["model"].parameters())
    rows = [("dataset", f"{c['dataset']} ({result['n_train']} train / {result['n_test']} test)"),
            ("model", f"MLP {'-'.join(map(str, c['hidden']))} {c['activation']}, {params} parameters"),
            ("optimizer", f"{c['optimizer']} lr={c['lr']:g}, batch {c['batch_size']}, seed {c['seed']}"),
            ("epochs / steps", f"{result['epochs']} / {result['step']} in {result['elapsed']:.2f} s"),
            ("train loss / accuracy", f"{result['train_loss']:.4f} / {result['train_acc']:.2%}"),
            ("test loss / accuracy", f"{result['test_loss']:.4f} / {result['test_acc']:.2%}"),
            ("checkpoint", checkpoint or "-"), ("loss curve", plot or "-")]
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="chainrule train", show_header=False)
        for k, v in rows:
            table.add_row(k, v)
        Console().print(table)
    except ImportError:
        for k, v in rows:
            print(f"{k:>22}  {v}")


def run(args: argparse.Namespace) -> int:
    try:
        if args.epochs < 0 or args.batch_size <= 0:
            raise TrainingError("--epochs must be >= 0 and --batch-size > 0")
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported by the NaN check
            result = train(args)
    except (TrainingError, ValueError) as exc:
        print(f"chainrule train: {exc}", file=sys.stderr)
        return 1
    checkpoint = _path(args.checkpoint, f"chainrule-runs/{args.dataset}.npz")
    plot = _path(args.plot, f"chainrule-runs/{args.dataset}-loss.png")
    if checkpoint:
        save_checkpoint(result, checkpoint)
    if plot:
        note = save_plot(result, plot)
        if note:
            print(note, file=sys.stderr)
            plot = None
    _summary(result, checkpoint, plot)
    return 0
