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

from chainrule import datasets, nn, optim
from chainrule.creation import zeros
from chainrule.engine.grad_mode import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.onnx import export as onnx_export
from chainrule.random import Generator, manual_seed
from chainrule.serialization import atomic_write, load, save
from chainrule.utils.data import DataLoader, TensorDataset
from chainrule.utils.numbers import format_number

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}
OPTIMIZERS = {"sgd": optim.SGD, "momentum": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}
DEFAULT_HIDDEN = "128,64"
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 1e-2, "adamw": 1e-2, "rmsprop": 1e-3, "adagrad": 0.05}


class TrainingError(Exception):
    """Stops a run with a message for the user (NaN loss, unusable checkpoint)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("With --resume, options left out are the checkpoint's; --epochs is the total to reach. "
                     "Exit status: 0, 1 if training failed (a NaN loss), 2 for bad arguments or an unusable "
                     "checkpoint. See docs/nn.md.")
    parser.add_argument("--dataset", choices=datasets.NAMES, default=None, help="what to learn (default digits)")
    parser.add_argument("--hidden", default=None, help="hidden layer sizes, comma-separated (default 128,64)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default=None, help="default relu")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=None,
                        help="default adam ('momentum' is SGD with momentum 0.9)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default depends on the optimizer)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs to reach (default 30; with --resume, the end of the saved schedule)")
    parser.add_argument("--batch-size", type=int, default=None, help="default 32")
    parser.add_argument("--schedule", choices=["cosine", "step", "none"], default=None,
                        help="learning-rate schedule over the epochs (default cosine annealing to 0)")
    parser.add_argument("--seed", type=int, default=None, help="seeds the weights, the split and the batch order")
    parser.add_argument("--test-fraction", type=float, default=None,
                        help="held-out share of the data, between 0 and 1 (default 0.2)")
    parser.add_argument("--checkpoint", default=None,
                        help="where to save model and optimizer after each epoch (default chainrule-runs/DATASET.npz; "
                             "'none': skip)")
    parser.add_argument("--resume", default=None, help="continue training from this checkpoint")
    parser.add_argument("--plot", default=None,
                        help="loss-curve PNG (default chainrule-runs/DATASET-loss.png; 'none': skip; needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--export-onnx", metavar="PATH", default=None,
                        help="also write the trained model as ONNX to PATH, with a dynamic batch size (needs the "
                             "onnx extra: pip install 'chainrule[onnx]'); see docs/onnx.md")


DEFAULTS: dict[str, Any] = {"dataset": "digits", "activation": "relu", "optimizer": "adam", "schedule": "cosine",
                            "batch_size": 32, "seed": 0, "test_fraction": 0.2, "epochs": 30}
MAX_LAYER = 65_536  # units in one hidden layer
MAX_LAYERS = 64
MAX_PARAMETERS = 50_000_000  # 200 MB of float32 weights, 600 MB with Adam's moments


class UsageError(TrainingError):
    """A bad argument or an unusable checkpoint: one line, exit status 2."""


# ----------------------------------------------------------------------------- setup
def _split(x: Tensor, y: Tensor, fraction: float, seed: int, dataset: str) -> tuple:
    if dataset == "diagonal_flip":  # 16 images: learn them all, measure on all
        return x, y, x, y
    perm = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * fraction))
    if not 0 < n_test < len(x):
        raise UsageError(f"--test-fraction {fraction:g} leaves {n_test} of {len(x)} samples for testing: "
                         f"choose a share that keeps both sets non-empty")
    test, train = perm[:n_test], perm[n_test:]
    return x[train], y[train], x[test], y[test]


def build_model(n_in: int, hidden: list[int], n_out: int, activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for size in hidden:
        layers += [nn.Linear(n_in, size), ACTIVATIONS[activation]()]
        n_in = size
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def _make_optimizer(name: str, params: Any, lr: float) -> optim.Optimizer:
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    return OPTIMIZERS[name](params, lr=lr)


def _make_scheduler(name: str, optimizer: optim.Optimizer, epochs: int, done: int) -> Any:
    """One step per epoch; on resume, the schedule picks up at the epoch reached."""
    if name == "none" or epochs <= 0:
        return None
    sched = optim.lr_scheduler
    if name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs, last_epoch=done - 1 if done else -1)
    return sched.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1, last_epoch=done - 1 if done else -1)


def _parse_hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--hidden must be comma-separated layer sizes such as 64,32, got {text!r}") from None
    _check_hidden(sizes, "--hidden")
    return sizes


def _check_hidden(sizes: Any, where: str) -> None:
    if not isinstance(sizes, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
        raise UsageError(f"{where}: hidden sizes must be a list of whole numbers, got {sizes!r}")
    if any(s <= 0 or s > MAX_LAYER for s in sizes) or len(sizes) > MAX_LAYERS:
        raise UsageError(f"{where}: hidden sizes must be between 1 and {MAX_LAYER}, at most {MAX_LAYERS} layers, "
                         f"got {sizes if len(sizes) <= 8 else sizes[:8] + ['...']}")


def _check_value(key: str, value: Any, where: str) -> None:
    """One configuration value (from the command line or a checkpoint); raises UsageError naming it."""
    flag = "--" + key.replace("_", "-")
    ok = {"dataset": lambda v: v in datasets.NAMES, "activation": lambda v: v in ACTIVATIONS,
          "optimizer": lambda v: v in OPTIMIZERS, "schedule": lambda v: v in ("cosine", "step", "none"),
          "lr": lambda v: _number(v) and math.isfinite(v) and v >= 0,
          "batch_size": lambda v: _whole(v) and v > 0, "seed": lambda v: _whole(v) and 0 <= v < 2**63,
          "test_fraction": lambda v: _number(v) and 0 < v < 1, "epochs": lambda v: _whole(v) and v >= 0}[key]
    if not ok(value):
        need = {"lr": "a finite number >= 0", "batch_size": "a whole number > 0", "seed": "a whole number >= 0",
                "test_fraction": "a number between 0 and 1 (both excluded)", "epochs": "a whole number >= 0"}
        raise UsageError(f"{where}{flag} must be {need.get(key, 'one of the choices in --help')}, got {value!r}")


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _config(args: argparse.Namespace, saved: dict[str, Any] | None) -> dict[str, Any]:
    """The run's settings: the command line's, else the checkpoint's (on resume), else the defaults."""
    config: dict[str, Any] = {}
    for key in ("dataset", "activation", "optimizer", "schedule", "batch_size", "seed", "test_fraction"):
        given = getattr(args, key)
        if given is not None:
            _check_value(key, given, "")
        if saved is not None:
            if given is not None and key in _FIXED and given != saved[key]:
                raise UsageError(f"--resume: the checkpoint was trained with --{key.replace('_', '-')} {saved[key]}, "
                                 f"not {given} (leave the option out to keep the checkpoint's)")
            config[key] = saved[key] if given is None else given
        else:
            config[key] = DEFAULTS[key] if given is None else given
    if args.lr is not None:
        _check_value("lr", args.lr, "")
    config["lr"] = args.lr if args.lr is not None else (saved["lr"] if saved is not None
                                                        else DEFAULT_LR[config["optimizer"]])
    if args.hidden is not None:
        config["hidden"] = _parse_hidden(args.hidden)
    else:
        config["hidden"] = saved["hidden"] if saved is not None else _parse_hidden(DEFAULT_HIDDEN)
    return config


# what a resumed run cannot change: the model, the optimizer's kind, and the split of the data
_FIXED = ("dataset", "activation", "optimizer", "seed", "test_fraction")


def _path(value: str | None, default: str) -> str | None:
    if value is not None and value.lower() in ("", "none"):
        return None
    return value or default


# ----------------------------------------------------------------------------- metrics
def _multilabel(dataset: str) -> bool:
    return dataset == "diagonal_flip"


def loss_fn(dataset: str, logits: Tensor, y: Tensor) -> Tensor:
    if _multilabel(dataset):
        return nn.functional.binary_cross_entropy_with_logits(logits, y)
    return nn.functional.cross_entropy(logits, y)


def correct(dataset: str, logits: np.ndarray, y: np.ndarray) -> int:
    if _multilabel(dataset):
        return int(np.all((logits > 0) == (y > 0.5), axis=1).sum())
    return int((logits.argmax(1) == y).sum())


def evaluate(model: nn.Module, dataset: str, x: Tensor, y: Tensor) -> tuple[float, float]:
    model.eval()
    with no_grad():
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
                                TextColumn("loss {task.fields[loss]}  acc {task.fields[acc]:.2%}"),
                                TimeElapsedColumn())
            self.task = self.bar.add_task("train", total=total, epoch=0, loss=format_number(float("nan")), acc=0.0)
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
            self.bar.update(self.task, advance=steps, epoch=epoch, loss=format_number(loss), acc=acc)
        elif self.kind == "tqdm":
            self.bar.update(steps)
            self.bar.set_postfix(epoch=epoch, loss=format_number(loss), acc=f"{acc:.2%}")
        elif self.kind == "plain" and last_in_epoch:
            print(f"epoch {epoch}: loss {format_number(loss)}  acc {acc:.2%}")

    def close(self) -> None:
        if self.kind in ("rich", "tqdm"):
            (self.bar.stop if self.kind == "rich" else self.bar.close)()


def read_checkpoint(path: str) -> dict[str, Any]:
    """Load and check a checkpoint written by `chainrule train`; UsageError (one line) for anything unusable."""
    try:
        checkpoint = load(path)
    except FileNotFoundError:
        raise UsageError(f"--resume: {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--resume: {path} is a folder, not a checkpoint") from None
    except OSError as exc:
        raise UsageError(f"--resume: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--resume: {str(exc).removeprefix('cr.load: ')}") from None
    bad = f"--resume: {path} is not a checkpoint of chainrule train"
    if not isinstance(checkpoint, dict):
        raise UsageError(f"{bad} (it holds a {type(checkpoint).__name__})")
    missing = [k for k in ("model", "optimizer", "config", "epoch", "step", "history") if k not in checkpoint]
    if missing:
        raise UsageError(f"{bad} (no {', '.join(missing)})")
    config = checkpoint["config"]
    if not isinstance(config, dict):
        raise UsageError(f"{bad} (its config is not a dict)")
    for key in ("dataset", "activation", "optimizer", "schedule", "batch_size", "seed", "test_fraction", "lr"):
        if key not in config:
            if key == "schedule":  # checkpoints older than the schedule option
                config[key] = "none"
                continue
            raise UsageError(f"{bad} (its config has no {key})")
        _check_value(key, config[key], f"--resume: {path}: the checkpoint's ")
    _check_hidden(config.get("hidden"), f"--resume: {path}: the checkpoint's --hidden")
    for key in ("epoch", "step"):
        if not _whole(checkpoint[key]) or checkpoint[key] < 0:
            raise UsageError(f"{bad} (its {key} is {checkpoint[key]!r})")
    history = checkpoint["history"]
    if not (isinstance(history, dict) and all(isinstance(history.get(k), list) for k in ("step_loss", "epoch_test_acc"))
            and all(_number(v) for k in ("step_loss", "epoch_test_acc") for v in history[k])):
        raise UsageError(f"{bad} (its history is malformed)")
    if not isinstance(checkpoint["model"], dict) or not isinstance(checkpoint["optimizer"], dict):
        raise UsageError(f"{bad} (its model or optimizer state is not a dict)")
    schedule = checkpoint.get("schedule")
    if schedule is not None and not (isinstance(schedule, dict) and _whole(schedule.get("first"))
                                     and _whole(schedule.get("last")) and _number(schedule.get("lr"))
                                     and 0 <= schedule["first"] <= checkpoint["epoch"] <= schedule["last"]
                                     and math.isfinite(schedule["lr"]) and schedule["lr"] >= 0):
        raise UsageError(f"{bad} (its schedule is malformed: {schedule!r})")
    return checkpoint


def _count_parameters(n_in: int, hidden: list[int], n_out: int) -> int:
    sizes = [n_in, *hidden, n_out]
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def _load_optimizer(optimizer: optim.Optimizer, state: dict[str, Any], path: str) -> None:
    """Load the saved optimizer state after checking its hyperparameters with the optimizer's own checks."""
    bad = f"--resume: {path}: the optimizer state"
    groups = state.get("param_groups")
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups) or not isinstance(
            state.get("state"), dict):
        raise UsageError(f"{bad} is malformed")
    for group in groups:
        hyper = {k: group[k] for k in optimizer.defaults if k in group}
        try:
            type(optimizer)([zeros(1, requires_grad=True)], **hyper)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{bad} is unusable: {exc}") from None
        for key in ("lr", "initial_lr"):
            if key in group and not (_number(group[key]) and math.isfinite(group[key]) and group[key] >= 0):
                raise UsageError(f"{bad} is unusable: {key} = {group[key]!r} (must be a finite number >= 0)")
    try:
        optimizer.load_state_dict(state)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise UsageError(f"{bad} does not fit this model: {exc}") from None


def _plan_schedule(args: argparse.Namespace, config: dict[str, Any], checkpoint: dict[str, Any] | None,
                   optimizer: optim.Optimizer) -> tuple[int, int, int, str | None]:
    """(first, last, target): the schedule runs over epochs first+1..last; train up to epoch `target`.
    Also a note for the user on what a resumed run does with the learning rate."""
    if checkpoint is None:
        epochs = DEFAULTS["epochs"] if args.epochs is None else args.epochs
        _check_value("epochs", epochs, "")
        return 0, epochs, epochs, None
    done = int(checkpoint["epoch"])
    saved = checkpoint.get("schedule") or {"first": 0, "last": done, "lr": config["lr"]}
    unfinished = saved["last"] > done
    target = args.epochs if args.epochs is not None else (saved["last"] if unfinished else None)
    if target is None:
        raise UsageError(f"--resume: the checkpoint has finished its {done} epochs; give --epochs N with N above "
                         f"{done} to train on (--epochs is the total to reach)")
    if target <= done:
        raise UsageError(f"--resume: --epochs {target} is not above the checkpoint's {done} epochs: nothing to "
                         f"train (--epochs is the total to reach; the checkpoint is left as it is)")
    name = config["schedule"]
    same_lr = args.lr is None or args.lr == saved["lr"]
    same_schedule = args.schedule is None or args.schedule == checkpoint["config"]["schedule"]
    if unfinished and target == saved["last"] and same_lr and same_schedule:
        lr = optimizer.param_groups[0]["lr"]
        note = (f"continuing the saved {name} schedule at epoch {done + 1} of {target} (lr {format_number(lr)})"
                if name != "none" else f"continuing at epoch {done + 1} of {target} with lr {format_number(lr)}")
        return saved["first"], saved["last"], target, note
    for group in optimizer.param_groups:  # a fresh schedule from the base learning rate
        group["lr"] = group["initial_lr"] = config["lr"]
    why = "the saved one ended" if not unfinished else "new --epochs, --lr or --schedule"
    note = (f"a fresh {name} schedule over epochs {done + 1}-{target} from lr {format_number(config['lr'])} ({why})"
            if name != "none" else f"epochs {done + 1}-{target} at lr {format_number(config['lr'])}")
    return done, target, target, note


def train(args: argparse.Namespace, checkpoint: dict[str, Any] | None = None, on_epoch: Any = None) -> dict[str, Any]:
    """Train as `args` say, continuing `checkpoint` (from `read_checkpoint(args.resume)`) if given."""
    config = _config(args, checkpoint["config"] if checkpoint is not None else None)
    dataset = config["dataset"]
    try:
        x, y = getattr(datasets, dataset)()
    except ImportError:
        raise UsageError(f"--dataset {dataset} needs scikit-learn, which ships its data (pip install scikit-learn); "
                         f"xor, moons, spirals and diagonal_flip need nothing more") from None
    x_train, y_train, x_test, y_test = _split(x, y, config["test_fraction"], config["seed"], dataset)
    n_out = y.shape[1] if _multilabel(dataset) else int(y.numpy().max()) + 1
    n_params = _count_parameters(x.shape[1], config["hidden"], n_out)
    if n_params > MAX_PARAMETERS:
        where = "--hidden" if args.hidden is not None or checkpoint is None else "--resume: the checkpoint's hidden"
        raise UsageError(f"{where} sizes {config['hidden']} make {n_params:,} parameters, more than the limit of "
                         f"{MAX_PARAMETERS:,}")
    manual_seed(config["seed"])
    model = build_model(x.shape[1], config["hidden"], n_out, config["activation"])
    try:
        optimizer = _make_optimizer(config["optimizer"], model.parameters(), config["lr"])
    except ValueError as exc:
        raise UsageError(f"--lr: {exc}") from None
    history: dict[str, list] = {"step_loss": [], "epoch_test_acc": []}
    start_epoch, step = 0, 0
    if checkpoint is not None:
        try:
            model.load_state_dict(checkpoint["model"])
        except (RuntimeError, ValueError, TypeError, AttributeError, KeyError) as exc:
            detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            raise UsageError(f"--resume: the checkpoint does not fit this model: {detail}") from None
        _load_optimizer(optimizer, checkpoint["optimizer"], args.resume)
        history = {k: list(v) for k, v in checkpoint["history"].items()}
        start_epoch, step = int(checkpoint["epoch"]), int(checkpoint["step"])
    first, last, target, note = _plan_schedule(args, config, checkpoint, optimizer)
    if note:
        print(f"chainrule train: resuming at epoch {start_epoch}: {note}", file=sys.stderr)
    scheduler = _make_scheduler(config["schedule"], optimizer, last - first, start_epoch - first)
    generator = Generator(config["seed"])
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=config["batch_size"], shuffle=True,
                        generator=generator)
    result: dict[str, Any] = {"config": config, "model": model, "optimizer": optimizer, "history": history,
                              "step": step, "epochs": start_epoch, "first_epoch": start_epoch, "first_step": step,
                              "schedule": {"name": config["schedule"], "first": first, "last": last,
                                           "lr": config["lr"]},
                              "n_train": len(x_train), "n_test": len(x_test)}
    progress = _Progress(len(loader) * max(target - start_epoch, 0), args.quiet)
    started = time.perf_counter()
    try:
        for epoch in range(start_epoch + 1, target + 1):
            generator.manual_seed(config["seed"] * 1_000_003 + epoch)  # each epoch's batch order: the same if resumed
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
            result["epochs"], result["step"] = epoch, step
            if on_epoch is not None:
                on_epoch(result)
    finally:
        progress.close()
    result["elapsed"] = time.perf_counter() - started
    result["train_loss"], result["train_acc"] = evaluate(model, dataset, x_train, y_train)
    result["test_loss"], result["test_acc"] = evaluate(model, dataset, x_test, y_test)
    return result


# ----------------------------------------------------------------------------- outputs
def save_checkpoint(result: dict[str, Any], path: str) -> None:
    """Written atomically (cr.save): a crash or kill at any moment leaves the previous checkpoint loadable."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save({"model": result["model"].state_dict(), "optimizer": result["optimizer"].state_dict(),
          "config": result["config"], "epoch": result["epochs"], "step": result["step"],
          "history": result["history"], "schedule": result["schedule"]}, path)


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
    atomic_write(path, lambda fh: fig.savefig(fh, dpi=100, format="png"))
    plt.close(fig)
    return None


def _progress_text(result: dict[str, Any]) -> str:
    text = f"{result['epochs']} / {result['step']}"
    if result["first_epoch"]:
        text += (f" (this run: epochs {result['first_epoch'] + 1}-{result['epochs']}, "
                 f"{result['step'] - result['first_step']} steps)")
    return text + f" in {result['elapsed']:.2f} s"


def _check_onnx_path(path: str) -> None:
    """Before training: the onnx package is there and PATH can be a file (so a long run is not wasted)."""
    if not path or os.path.isdir(path):
        raise UsageError(f"--export-onnx: {path!r} is {'a folder' if path else 'empty'}; give a file path such as "
                         f"model.onnx")
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise UsageError("--export-onnx needs the onnx package: pip install 'chainrule[onnx]'") from None


def export_onnx(result: dict[str, Any], path: str) -> None:
    """The trained model in eval mode, traced on one sample, as ONNX with a dynamic batch axis."""
    model = result["model"]
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError(20, "Not a directory", folder)
    os.makedirs(folder, exist_ok=True)
    model.eval()
    example = zeros(1, model[0].in_features)
    onnx_export(model, example, path, input_names=["input"], output_names=["logits"])


def _summary(result: dict[str, Any], checkpoint: str | None, plot: str | None, onnx_path: str | None = None) -> None:
    c = result["config"]
    params = sum(p.numel() for p in result["model"].parameters())
    rows = [("dataset", f"{c['dataset']} ({result['n_train']} train / {result['n_test']} test)"),
            ("model", f"MLP {'-'.join(map(str, c['hidden']))} {c['activation']}, {params} parameters"),
            ("optimizer", f"{c['optimizer']} lr={format_number(c['lr'])}, batch {c['batch_size']}, seed {c['seed']}"),
            ("epochs / steps", _progress_text(result)),
            ("train loss / accuracy", f"{format_number(result['train_loss'])} / {result['train_acc']:.2%}"),
            ("test loss / accuracy", f"{format_number(result['test_loss'])} / {result['test_acc']:.2%}"),
            ("checkpoint", checkpoint or "-"), ("loss curve", plot or "-")]
    if onnx_path:
        rows.append(("onnx", onnx_path))
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
    saved: list[str] = []

    def on_epoch(result: dict[str, Any]) -> None:  # a checkpoint after every epoch: an interrupted run resumes
        if checkpoint:
            save_checkpoint(result, checkpoint)
            saved[:] = [f"epoch {result['epochs']}"]

    checkpoint: str | None = None
    try:
        if args.epochs is not None and args.epochs < 0:
            raise UsageError(f"--epochs must be >= 0, got {args.epochs}")
        if args.batch_size is not None and args.batch_size <= 0:
            raise UsageError(f"--batch-size must be > 0, got {args.batch_size}")
        resumed = read_checkpoint(args.resume) if args.resume else None
        dataset = args.dataset or (resumed["config"]["dataset"] if resumed is not None else DEFAULTS["dataset"])
        checkpoint = _path(args.checkpoint, f"chainrule-runs/{dataset}.npz")
        plot = _path(args.plot, f"chainrule-runs/{dataset}-loss.png")
        if args.export_onnx is not None:
            _check_onnx_path(args.export_onnx)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported by the NaN check
            result = train(args, resumed, on_epoch)
    except UsageError as exc:
        print(f"chainrule train: {exc}", file=sys.stderr)
        return 2
    except TrainingError as exc:
        kept = f" (the checkpoint {checkpoint} holds {saved[0]})" if saved else ""
        print(f"chainrule train: {exc}{kept}", file=sys.stderr)
        return 1
    except OSError as exc:  # the checkpoint (or its folder) cannot be written
        print(f"chainrule train: cannot write the checkpoint {checkpoint}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        kept = f"; the checkpoint {checkpoint} holds {saved[0]} (continue with --resume)" if saved else ""
        print(f"chainrule train: interrupted{kept}", file=sys.stderr)
        return 130
    target = checkpoint
    try:
        if checkpoint and result["epochs"] == result["first_epoch"]:
            save_checkpoint(result, checkpoint)  # --epochs 0: the untrained model
        target = plot
        note = save_plot(result, plot) if plot else None
        target = args.export_onnx
        if args.export_onnx:
            export_onnx(result, args.export_onnx)
    except OSError as exc:
        print(f"chainrule train: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if plot and note:
        print(note, file=sys.stderr)
        plot = None
    _summary(result, checkpoint, plot, args.export_onnx)
    return 0
