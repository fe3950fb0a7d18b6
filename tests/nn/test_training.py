"""End-to-end: `chainrule train` as a subprocess (tiny run, resume, NaN stop) and the accuracy targets: the
digits MLP from the CLI and the digits CNN example each reach >= 97% on held-out data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

import chainrule as cr

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainrule", "train", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_tiny_run_saves_checkpoint_and_plot_then_resumes(tmp_path: Path) -> None:
    run = cli("--dataset", "xor", "--hidden", "8", "--epochs", "3", "--checkpoint", "ck.npz", "--plot", "loss.png",
              cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "test loss / accuracy" in run.stdout and "xor (320 train / 80 test)" in run.stdout
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    checkpoint = cr.load(tmp_path / "ck.npz")
    assert checkpoint["epoch"] == 3 and checkpoint["config"]["hidden"] == [8]
    assert list(checkpoint["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(checkpoint["history"]["step_loss"]) == checkpoint["step"] == 3 * 10
    resumed = cli("--dataset", "xor", "--epochs", "5", "--resume", "ck.npz", "--checkpoint", "ck2.npz", "--plot",
                  "none", "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    after = cr.load(tmp_path / "ck2.npz")
    assert after["epoch"] == 5 and after["step"] == 50
    assert after["history"]["step_loss"][:30] == checkpoint["history"]["step_loss"]


def test_resume_into_another_architecture_names_the_keys(tmp_path: Path) -> None:
    assert cli("--dataset", "moons", "--hidden", "4", "--epochs", "1", "--checkpoint", "c.npz", "--plot", "none",
               "--quiet", cwd=tmp_path).returncode == 0
    run = cli("--dataset", "moons", "--hidden", "6", "--epochs", "2", "--resume", "c.npz", "--quiet", cwd=tmp_path)
    assert run.returncode == 1
    assert "size mismatch for 0.weight" in run.stderr and "(4, 2)" in run.stderr and "(6, 2)" in run.stderr


def test_a_nan_loss_stops_the_run_naming_the_step(tmp_path: Path) -> None:
    run = cli("--dataset", "moons", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3", "--quiet", cwd=tmp_path)
    assert run.returncode == 1
    assert "the loss became nan at step 2 (epoch 1, batch 2)" in run.stderr
    assert not (tmp_path / "chainrule-runs").exists()  # nothing saved from a diverged run


def test_a_negative_learning_rate_is_refused(tmp_path: Path) -> None:
    run = cli("--dataset", "xor", "--lr", "-1", "--quiet", cwd=tmp_path)
    assert run.returncode == 1 and "Invalid learning rate: lr=-1.0" in run.stderr


def test_digits_mlp_from_the_cli_reaches_97_percent(tmp_path: Path) -> None:
    run = cli("--dataset", "digits", "--checkpoint", "d.npz", "--plot", "none", "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    checkpoint = cr.load(tmp_path / "d.npz")
    model = cr.nn.Sequential(cr.nn.Linear(64, 128), cr.nn.ReLU(), cr.nn.Linear(128, 64), cr.nn.ReLU(),
                             cr.nn.Linear(64, 10))
    model.load_state_dict(checkpoint["model"])
    x, y = cr.datasets.digits()
    test = np.random.default_rng(0).permutation(len(x))[:359]  # the CLI's held-out split for seed 0
    with cr.no_grad():
        accuracy = (model(x[test]).argmax(1).numpy() == y.numpy()[test]).mean()
    assert accuracy >= 0.97
    assert f"{accuracy:.2%}" in run.stdout


def test_digits_cnn_example_reaches_97_percent() -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import train_digits_cnn
    finally:
        sys.path.pop(0)
    assert train_digits_cnn.main() >= 0.97


def test_diagonal_flip_example(capsys) -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import diagonal_flip
    finally:
        sys.path.pop(0)
    _, wrong3 = diagonal_flip.train(3)
    assert wrong3 > 0  # 4 planes make at most 15 regions in 3-D: one of the 16 patterns is always missed
    assert diagonal_flip.main() == 0  # 4 hidden units: zero error
