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
