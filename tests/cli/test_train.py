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
    assert run.returncode == 2
    assert "size mismatch for 0.weight" in run.stderr and "(4, 2)" in run.stderr and "(6, 2)" in run.stderr


def test_a_nan_loss_stops_the_run_naming_the_step(tmp_path: Path) -> None:
    run = cli("--dataset", "moons", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3", "--quiet", cwd=tmp_path)
    assert run.returncode == 1
    assert "the loss became nan at step 2 (epoch 1, batch 2)" in run.stderr
    assert not (tmp_path / "chainrule-runs").exists()  # nothing saved from a diverged run


def test_a_negative_learning_rate_is_refused(tmp_path: Path) -> None:
    run = cli("--dataset", "xor", "--lr", "-1", "--quiet", cwd=tmp_path)
    assert run.returncode == 2 and run.stderr == "chainrule train: --lr must be a finite number >= 0, got -1.0\n"


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


# ----------------------------------------------------------------------------- resuming, and mistakes
import os  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from chainrule.cli import train as train_cli  # noqa: E402
from chainrule.cli.main import main  # noqa: E402

TINY = ("--dataset", "xor", "--hidden", "8", "--plot", "none", "--quiet")


def test_resume_after_a_finished_run_starts_a_fresh_schedule(tmp_path: Path) -> None:
    assert cli(*TINY, "--epochs", "3", "--checkpoint", "ck.npz", cwd=tmp_path).returncode == 0
    before = cr.load(tmp_path / "ck.npz")
    assert before["optimizer"]["param_groups"][0]["lr"] == 0.0  # the cosine schedule ended at 0
    again = cli("--resume", "ck.npz", "--checkpoint", "ck.npz", "--plot", "none", "--quiet", cwd=tmp_path)
    assert again.returncode == 2 and "finished its 3 epochs; give --epochs N" in again.stderr
    run = cli("--resume", "ck.npz", "--epochs", "5", "--checkpoint", "ck.npz", "--plot", "none", "--quiet",
              cwd=tmp_path)  # the dataset, model and optimizer come from the checkpoint
    assert run.returncode == 0, run.stderr
    assert "a fresh cosine schedule over epochs 4-5 from lr 0.01 (the saved one ended)" in run.stderr
    assert "5 / 50 (this run: epochs 4-5, 20 steps)" in run.stdout
    after = cr.load(tmp_path / "ck.npz")
    assert after["epoch"] == 5 and after["schedule"] == {"name": "cosine", "first": 3, "last": 5, "lr": 0.01}
    moved = [not np.array_equal(a.numpy(), b.numpy()) for a, b in zip(before["model"].values(),
                                                                       after["model"].values())]
    assert all(moved)  # it trained (with lr 0 nothing would move)


def test_epochs_not_above_the_checkpoint_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    assert cli(*TINY, "--epochs", "3", "--checkpoint", "ck.npz", cwd=tmp_path).returncode == 0
    data = (tmp_path / "ck.npz").read_bytes()
    for epochs in ("3", "2", "0"):
        run = cli("--resume", "ck.npz", "--epochs", epochs, "--checkpoint", "ck.npz", cwd=tmp_path)
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr == (f"chainrule train: --resume: --epochs {epochs} is not above the checkpoint's 3 epochs: "
                              f"nothing to train (--epochs is the total to reach; the checkpoint is left as it is)\n")
    assert (tmp_path / "ck.npz").read_bytes() == data


def _weights(path: Path) -> list[np.ndarray]:
    return [t.numpy() for t in cr.load(path)["model"].values()]


@pytest.mark.parametrize("schedule", ["cosine", "step", "none"])
def test_an_interrupted_run_resumes_its_saved_schedule_exactly(tmp_path: Path, monkeypatch, capsys,
                                                               schedule: str) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["train", *TINY, "--optimizer", "adam", "--schedule", schedule, "--epochs", "6"]
    assert main([*args, "--checkpoint", "full.npz"]) == 0
    real_save = train_cli.save_checkpoint

    def save_then_stop(result, path):  # Ctrl-C at the end of epoch 4, before its checkpoint
        if result["epochs"] == 4:
            raise KeyboardInterrupt
        real_save(result, path)

    monkeypatch.setattr(train_cli, "save_checkpoint", save_then_stop)
    assert main([*args, "--checkpoint", "cut.npz"]) == 130
    assert "interrupted; the checkpoint cut.npz holds epoch 3 (continue with --resume)" in capsys.readouterr().err
    monkeypatch.setattr(train_cli, "save_checkpoint", real_save)
    assert cr.load("cut.npz")["epoch"] == 3
    assert main(["train", "--resume", "cut.npz", "--checkpoint", "cut.npz", "--plot", "none", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"continuing the saved {schedule} schedule at epoch 4 of 6" in err or "continuing at epoch 4 of 6" in err
    full, cut = cr.load("full.npz"), cr.load("cut.npz")
    assert cut["epoch"] == 6 and cut["step"] == full["step"]
    assert cut["history"]["step_loss"] == full["history"]["step_loss"]
    for a, b in zip(_weights(Path("full.npz")), _weights(Path("cut.npz"))):
        np.testing.assert_array_equal(a, b)  # bit for bit the uninterrupted run


def _bad_checkpoints(tmp_path: Path) -> dict[str, Path]:
    assert cli(*TINY, "--epochs", "1", "--checkpoint", "good.npz", cwd=tmp_path).returncode == 0
    good = cr.load(tmp_path / "good.npz")
    files: dict[str, Path] = {}

    def variant(name: str, obj) -> None:
        files[name] = tmp_path / f"{name}.npz"
        cr.save(obj, files[name])

    variant("a tensor", cr.zeros(3))
    variant("no model", {k: v for k, v in good.items() if k != "model"})
    variant("lr -1 in the config", {**good, "config": {**good["config"], "lr": -1.0}})
    groups = [{**good["optimizer"]["param_groups"][0], "lr": -1.0}]
    variant("lr -1 in the optimizer", {**good, "optimizer": {**good["optimizer"], "param_groups": groups}})
    variant("a huge hidden size", {**good, "config": {**good["config"], "hidden": [600_000_000]}})
    variant("huge layers", {**good, "config": {**good["config"], "hidden": [60_000, 60_000]}})
    variant("a negative epoch", {**good, "epoch": -4})
    variant("a malformed history", {**good, "history": {"step_loss": "x"}})
    variant("an unknown dataset", {**good, "config": {**good["config"], "dataset": "imagenet"}})
    variant("weights of another shape", {**good, "model": {k: cr.zeros(2) for k in good["model"]}})
    variant("a malformed schedule", {**good, "schedule": {"first": 5, "last": 2, "lr": 0.1}})
    (tmp_path / "notes.npz").write_text("hello")
    files["a text file"] = tmp_path / "notes.npz"
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    files["a plain npz"] = tmp_path / "plain.npz"
    torch.save({"w": torch.zeros(2)}, tmp_path / "model.pt")
    files["a torch file"] = tmp_path / "model.pt"
    files["a folder"] = tmp_path
    files["a missing file"] = tmp_path / "missing.npz"
    return files


def test_unusable_checkpoints_and_bad_arguments_give_one_line_and_status_2(tmp_path: Path) -> None:
    for what, path in _bad_checkpoints(tmp_path).items():
        data = path.read_bytes() if path.is_file() else None
        run = cli("--resume", str(path), "--epochs", "9", "--checkpoint", str(path) if data else "x.npz",
                  "--plot", "none", "--quiet", cwd=tmp_path)
        assert run.returncode == 2, (what, run.stderr)
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("chainrule train: --resume"), (what, run.stderr)
        assert "Traceback" not in run.stderr and "allow_pickle" not in run.stderr, what
        if data is not None:
            assert path.read_bytes() == data, what
    for args in (["--test-fraction", "0"], ["--test-fraction", "1.5"], ["--test-fraction", "1"],
                 ["--test-fraction", "0.0001"], ["--hidden", "8,0"], ["--hidden", "a"], ["--lr", "nan"],
                 ["--epochs", "-1"], ["--batch-size", "0"], ["--seed", "-3"]):
        run = cli("--dataset", "xor", *args, "--quiet", "--plot", "none", cwd=tmp_path)
        assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, (args, run)
    assert not (tmp_path / "chainrule-runs").exists()
    (tmp_path / "folder").mkdir()
    for args in (["--checkpoint", "folder"], ["--checkpoint", "none", "--plot", "folder"]):
        run = cli("--dataset", "xor", "--epochs", "1", "--quiet", *args, cwd=tmp_path)
        assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Is a directory" in run.stderr, run.stderr


def test_core_only_install_names_what_digits_needs(tmp_path: Path) -> None:
    code = "import sys; sys.modules['sklearn'] = None; from chainrule.cli.main import main; sys.exit(main())"
    run = subprocess.run([sys.executable, "-c", code, "train", "--quiet"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr == ("chainrule train: --dataset digits needs scikit-learn, which ships its data (pip install "
                          "scikit-learn); xor, moons, spirals and diagonal_flip need nothing more\n")


def test_kill_9_during_training_leaves_the_resumed_checkpoint_loadable(tmp_path: Path) -> None:
    assert cli(*TINY, "--epochs", "1", "--checkpoint", "ck.npz", cwd=tmp_path).returncode == 0
    rng = np.random.default_rng(2)
    epochs = [1]
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "chainrule", "train", "--resume", "ck.npz", "--epochs", "100000",
                                 "--checkpoint", "ck.npz", "--plot", "none", "--quiet"], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while cr.load(tmp_path / "ck.npz")["epoch"] == epochs[-1] and time.monotonic() < deadline:
            time.sleep(0.05)  # wait until it is rewriting the checkpoint it resumed from
        time.sleep(float(rng.uniform(0, 0.5)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        checkpoint = train_cli.read_checkpoint(str(tmp_path / "ck.npz"))
        assert checkpoint["epoch"] > epochs[-1]
        epochs.append(checkpoint["epoch"])
