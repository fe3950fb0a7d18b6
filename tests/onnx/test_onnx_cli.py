"""`chainrule train --export-onnx PATH`: the trained model as ONNX; CLI mistakes are one line and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import train as train_cmd

TRAIN = [sys.executable, "-m", "chainrule", "train", "--dataset", "moons", "--epochs", "2", "--hidden", "8,4",
         "--quiet", "--plot", "none"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_export_onnx_writes_the_trained_model(tmp_path: Path) -> None:
    try:
        import onnxruntime as ort
    except ImportError:
        pytest.skip("onnxruntime is not installed")
    done = _run(TRAIN + ["--checkpoint", "run.npz", "--export-onnx", "models/moons.onnx"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "models/moons.onnx" in done.stdout
    model = train_cmd.build_model(2, [8, 4], 2, "relu")
    model.load_state_dict(cr.load(str(tmp_path / "run.npz"))["model"])
    model.eval()
    sess = ort.InferenceSession(str(tmp_path / "models" / "moons.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input"] and [o.name for o in sess.get_outputs()] == ["logits"]
    assert sess.get_inputs()[0].shape == ["batch", 2]
    for n in (1, 17):
        x = np.random.default_rng(n).standard_normal((n, 2)).astype(np.float32)
        with cr.no_grad():
            want = model(cr.tensor(x)).numpy()
        np.testing.assert_allclose(sess.run(None, {"input": x})[0], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("where", ["folder", "under-a-file"])
def test_bad_export_path_is_one_line_and_exit_2(tmp_path: Path, where: str) -> None:
    (tmp_path / "afile").write_text("x")
    path = str(tmp_path) if where == "folder" else str(tmp_path / "afile" / "m.onnx")
    done = _run(TRAIN + ["--checkpoint", "none", "--export-onnx", path], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule train:") and "Traceback" not in done.stderr
    assert "--export-onnx" in lines[0] or "cannot write" in lines[0]


def test_missing_onnx_package_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['onnx'] = None; from chainrule.cli.main import main; "
            f"sys.exit(main({TRAIN[3:] + ['--checkpoint', 'none', '--export-onnx', 'm.onnx']!r}))")
    done = _run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "chainrule train: --export-onnx needs the onnx package: pip install 'chainrule[onnx]'"
    assert not (tmp_path / "m.onnx").exists()
