"""cr.save / cr.load: tensors, state dicts and optimizer states round-trip exactly; nothing is unpickled;
truncated and foreign files give a clear error."""

from __future__ import annotations

import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import chainrule as cr


def test_tensor_round_trip(tmp_path) -> None:
    for t in (cr.randn(3, 4), cr.tensor(2.5), cr.tensor([1, 2, 3]), cr.tensor([True, False]),
              cr.randn(2, dtype=cr.float64, requires_grad=True)):
        path = tmp_path / "t.crt"
        cr.save(t, path)
        back = cr.load(path)
        assert back.dtype == t.dtype and back.shape == t.shape and back.requires_grad == t.requires_grad
        np.testing.assert_array_equal(back.detach().numpy(), t.detach().numpy())
    assert (tmp_path / "t.crt").exists() and not (tmp_path / "t.crt.npz").exists()  # the name is kept


def test_model_and_optimizer_state_round_trip(tmp_path) -> None:
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.BatchNorm1d(4), cr.nn.Linear(4, 2))
    opt = cr.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    for _ in range(3):
        opt.zero_grad()
        model(cr.randn(5, 3)).pow(2).mean().backward()
        opt.step()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "name": "run",
                  "history": [1.5, float("nan"), float("inf")], "shape": (2, 3), "none": None}
    cr.save(checkpoint, tmp_path / "ckpt.npz")
    back = cr.load(tmp_path / "ckpt.npz")
    assert isinstance(back["model"], OrderedDict) and list(back["model"]) == list(model.state_dict())
    assert back["epoch"] == 3 and back["name"] == "run" and back["shape"] == (2, 3) and back["none"] is None
    assert np.isnan(back["history"][1]) and back["history"][2] == float("inf")
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert set(back["optimizer"]["state"]) == {0, 1, 2, 3, 4, 5}  # int keys survive
    fresh = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.BatchNorm1d(4), cr.nn.Linear(4, 2))
    fresh.load_state_dict(back["model"])
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    opt2 = cr.optim.Adam(fresh.parameters(), lr=1e-2)
    opt2.load_state_dict(back["optimizer"])
    assert opt2.param_groups[0]["betas"] == (0.8, 0.9)
    x = cr.randn(5, 3)
    for m, o in ((model, opt), (fresh, opt2)):
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_truncated_file_gives_a_clear_error(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    cr.save({"w": cr.randn(100, 100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="is not a readable chainrule checkpoint"):
        cr.load(path)


def test_foreign_files_give_a_clear_error(tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="is not a readable chainrule checkpoint"):
        cr.load(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(3))
    with pytest.raises(ValueError, match="no manifest"):
        cr.load(plain)
    torch_file = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, torch_file)
    with pytest.raises(ValueError, match="not a readable chainrule checkpoint"):
        cr.load(torch_file)


class _Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_pickled_objects_are_never_loaded(tmp_path) -> None:
    path, marker = tmp_path / "evil.npz", tmp_path / "marker"
    payload = np.empty(1, dtype=object)
    payload[0] = _Payload(str(marker))
    manifest = b'{"format": "chainrule-checkpoint", "version": 1, "object": {"$ndarray": "a0"}}'
    np.savez(path, __manifest__=np.frombuffer(manifest, np.uint8), a0=payload)
    pickle.loads(pickle.dumps(_Payload(str(tmp_path / "control"))))  # the payload does run when unpickled
    assert (tmp_path / "control").exists()
    with pytest.raises(ValueError, match="allow_pickle=False"):
        cr.load(path)
    assert not marker.exists()


def test_unsupported_objects_are_refused_with_advice(tmp_path) -> None:
    with pytest.raises(TypeError, match="save module.state_dict"):
        cr.save(cr.nn.Linear(2, 2), tmp_path / "m.npz")


def test_interop_tensors_and_state_dicts() -> None:
    t = cr.randn(3, 2)
    tt = cr.interop.to_torch(t)
    assert isinstance(tt, torch.Tensor) and tt.dtype == torch.float32
    np.testing.assert_array_equal(tt.numpy(), t.numpy())
    tt += 1  # a copy: chainrule's tensor is unchanged
    assert not np.array_equal(tt.numpy(), t.numpy())
    back = cr.interop.from_torch(torch.arange(4))
    assert back.dtype == cr.int64 and back.tolist() == [0, 1, 2, 3]
    linear = torch.nn.Linear(3, 2)
    ours = cr.nn.Linear(3, 2)
    ours.load_state_dict(cr.interop.from_torch(linear.state_dict()))
    assert ours.weight.shape == (2, 3)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), linear.weight.detach().numpy())


# ----------------------------------------------------------------------------- bounded, strict loading
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import warnings  # noqa: E402
import zipfile  # noqa: E402

_MANIFEST_A0 = {"format": "chainrule-checkpoint", "version": 1, "object": {"$ndarray": "a0"}}


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _archive(path, members: dict[str, bytes], manifest: object = _MANIFEST_A0, deflate: bool = False) -> None:
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        if manifest is not None:
            text = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            zf.writestr("__manifest__.npy", _npy(np.frombuffer(text, np.uint8)))
        for name, data in members.items():
            zf.writestr(name, data)


def _bomb(path, name: str, header_shape: tuple[int, ...] | None, size: int, named: bool) -> None:
    """A checkpoint with one deflated member `name` of `size` zero bytes (a few hundred KB on disk)."""
    manifest = _MANIFEST_A0 if named else {**_MANIFEST_A0, "object": {"$ndarray": "a1"}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__manifest__.npy", _npy(np.frombuffer(json.dumps(manifest).encode(), np.uint8)))
        zf.writestr("a1.npy", _npy(np.arange(3.0)))
        with zf.open(name, "w", force_zip64=True) as member:
            written = 0
            if header_shape is not None:
                header = _npy(np.zeros(header_shape, np.uint8))[:-int(np.prod(header_shape))]
                member.write(header)
                written = len(header)
            chunk = bytes(2**22)
            while written < size:
                n = min(len(chunk), size - written)
                member.write(chunk[:n])
                written += n


# VmHWM: this process's own peak (on Linux ru_maxrss would include the size of the parent that forked it)
_PEAK = textwrap.dedent("""
    import sys
    import chainrule as cr

    def hwm():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

    base = hwm()
    try:
        cr.load(sys.argv[1])
        outcome = "loaded"
    except ValueError as exc:
        outcome = "ValueError: " + str(exc)
    except BaseException as exc:
        outcome = type(exc).__name__ + ": " + str(exc)
    print(outcome)
    print((hwm() - base) // 1024)
""")


def _peak_mb(path) -> tuple[str, int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    outcome, peak = out.stdout.strip().splitlines()
    return outcome, int(peak)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="measures VmHWM in /proc (Linux)")
def test_zip_bombs_are_not_decompressed(tmp_path) -> None:
    size = 300 * 2**20
    # a bomb the manifest does not name: never read
    unnamed = tmp_path / "unnamed.npz"
    _bomb(unnamed, "junk.npy", None, size, named=False)
    assert unnamed.stat().st_size < 2 * 2**20
    outcome, peak = _peak_mb(unnamed)
    assert outcome == "loaded" and peak < 50, (outcome, peak)
    # a bomb named in the manifest whose .npy header declares 10 bytes: the sizes disagree, nothing decompressed
    lying = tmp_path / "lying.npz"
    _bomb(lying, "a0.npy", (10,), size, named=True)
    outcome, peak = _peak_mb(lying)
    assert outcome.startswith("ValueError") and "a0.npy" in outcome and str(lying) in outcome, outcome
    assert peak < 50, peak
    # a member that is not .npy is refused (it used to come back as raw bytes)
    other = tmp_path / "other.npz"
    _bomb(other, "junk.bin", None, size, named=False)
    outcome, peak = _peak_mb(other)
    assert outcome.startswith("ValueError") and "'junk.bin' is not a .npy array" in outcome and peak < 50


def _malformed_files(tmp_path) -> list:
    good = tmp_path / "good.npz"
    cr.save({"w": cr.randn(4, 3), "step": 3}, good)
    data = good.read_bytes()
    files = []

    def add(name: str, content: bytes) -> None:
        path = tmp_path / name
        path.write_bytes(content)
        files.append(path)

    add("empty.npz", b"")
    add("text.npz", b"hello")
    add("half.npz", data[: len(data) // 2])
    add("tail.npz", data[len(data) // 2:])
    for i in range(0, len(data), max(1, len(data) // 24)):  # one flipped byte at a time
        add(f"flip{i}.npz", data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:])
    manifests = [
        b"not json", b"[1, 2]", b"{}", b'{"format": "chainrule-checkpoint", "version": 1}',
        json.dumps({"format": "chainrule-checkpoint", "version": "x", "object": 1}).encode(),
        json.dumps({"format": "chainrule-checkpoint", "version": 99, "object": 1}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$ndarray": "missing"}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$ndarray": ["a0"]}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$ndarray": "__manifest__"}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$dict": 5}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$dict": [[{"k": 1}, 2]]}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$dict": [[1]]}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$tuple": 3}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$float": 3}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$float": "abc"}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"$tensor": "a0", "requires_grad": {}}}).encode(),
        json.dumps({**_MANIFEST_A0, "object": {"what": 1}}).encode(),
        b'{"format": "chainrule-checkpoint", "version": 1, "object": ' + b'{"$tuple": [' * 5000 + b"1"
        + b"]}" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
    ]
    for i, manifest in enumerate(manifests):
        path = tmp_path / f"manifest{i}.npz"
        _archive(path, {"a0.npy": _npy(np.arange(3.0))}, manifest)
        files.append(path)
    header = _npy(np.zeros(4))[:-32]
    members = [
        {"a0.npy": b"not an npy"},
        {"a0.npy": header},  # the data is missing
        {"a0.npy": header.replace(b"(4,)", b"(2**62,)")},
        {"a0.npy": header.replace(b"(4,)", b"(-1,)  ")},
        {"a0.npy": header.replace(b"'<f8'", b"'|O'  ")},
        {"a0.npy": _npy(np.zeros(3, dtype=[("a", "f4"), ("b", "i4")]))},
        {"a0.npy": _npy(np.array(["ab", "cd"]))},
        {"a0.npy": _npy(np.arange(3.0)), "notes.txt": b"hello"},
    ]
    for i, member in enumerate(members):
        path = tmp_path / f"member{i}.npz"
        _archive(path, member)
        files.append(path)
    no_manifest = tmp_path / "plain.npz"
    np.savez(no_manifest, a=np.zeros(3))
    files.append(no_manifest)
    return files


def test_malformed_files_raise_value_error_naming_the_file(tmp_path) -> None:
    files = _malformed_files(tmp_path)
    assert len(files) >= 50
    for path in files:
        try:
            cr.load(path)
        except ValueError as exc:
            assert str(path) in str(exc), (path, exc)
        else:  # a flipped byte in padding or in a float's mantissa may leave a loadable file: fine
            assert path.name.startswith("flip"), path


def test_unusual_but_valid_arrays_round_trip(tmp_path) -> None:
    path = tmp_path / "ok.npz"
    arrays = [np.asfortranarray(np.arange(12.0).reshape(3, 4)), np.arange(5, dtype=">i4"), np.zeros((0, 3)),
              np.array(7, dtype=np.int16), np.array([1 + 2j]), np.array([True, False])]
    _archive(path, {f"a{i}.npy": _npy(a) for i, a in enumerate(arrays)},
             {**_MANIFEST_A0, "object": [{"$ndarray": f"a{i}"} for i in range(len(arrays))]}, deflate=True)
    back = cr.load(path)
    for a, b in zip(arrays, back):
        assert b.shape == a.shape and b.dtype == a.dtype.newbyteorder("=")
        np.testing.assert_array_equal(a, b)


def test_torch_keywords_weights_only_and_map_location(tmp_path) -> None:
    import chainrule.serialization as ser

    path = tmp_path / "w.pt"
    cr.save({"w": cr.ones(2)}, path)
    for location in (None, "cpu", "cpu:0", torch.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert cr.load(path, map_location=location, weights_only=True)["w"].tolist() == [1.0, 1.0]
    for location in ("cuda", "cuda:1", torch.device("meta"), {"cpu": "cuda:0"}):
        with pytest.raises(RuntimeError, match="CPU only"):
            cr.load(path, map_location=location)
    ser._WARNED_WEIGHTS_ONLY = False
    with pytest.warns(UserWarning, match="never unpickles"):
        assert cr.load(path, weights_only=False)["w"].tolist() == [1.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.load(path, weights_only=False)  # once per process
    with pytest.raises(TypeError, match="never unpickles"):
        cr.load(path, mmap=True)


def test_a_torch_file_is_named_as_such(tmp_path) -> None:
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="PyTorch file.*from_torch"):
        cr.load(path)


# ----------------------------------------------------------------------------- atomic writes
def test_save_is_atomic_and_keeps_permissions(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    cr.save({"v": 1}, path)
    os.chmod(path, 0o640)
    cr.save({"v": 2}, path)
    assert cr.load(path) == {"v": 2} and (os.stat(path).st_mode & 0o777) == 0o640
    with pytest.raises(TypeError):
        cr.save({"v": object()}, path)  # fails while encoding: the old file stays
    assert cr.load(path) == {"v": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]  # no temporary file left behind
    link = tmp_path / "latest.npz"
    link.symlink_to(path)
    cr.save({"v": 3}, link)  # written through the link, as open() would
    assert link.is_symlink() and cr.load(path) == {"v": 3}


_WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import chainrule as cr
    path = sys.argv[1]
    big = cr.tensor(np.random.default_rng(0).standard_normal(400_000).astype(np.float32))
    i = 0
    while True:
        i += 1
        cr.save({"i": i, "w": big}, path)
        print(i, flush=True)
""")


def test_kill_9_while_saving_leaves_a_loadable_file(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    cr.save({"i": 0, "w": cr.zeros(400_000)}, path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = np.random.default_rng(1)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None
        proc.stdout.readline()  # at least one save done: now kill it somewhere in a later one
        import time

        time.sleep(float(rng.uniform(0, 0.3)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        back = cr.load(path)
        assert back["w"].shape == (400_000,) and isinstance(back["i"], int)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "ckpt.npz"]
    assert all(name.startswith(".ckpt.npz.") and name.endswith(".tmp") for name in leftovers)
