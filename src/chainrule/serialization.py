"""`cr.save(obj, path)` / `cr.load(path)`: tensors, state dicts and optimizer states in a `.npz` file.

The structure (nested dicts, lists, tuples, numbers, strings, None) goes into a JSON manifest stored
in the archive; every tensor and array is stored as a plain NumPy array. Loading uses
`allow_pickle=False`, so a file can never run code, and anything that is not a chainrule checkpoint
(a truncated download, a foreign file) raises a clear `ValueError`.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from chainrule.engine.tensor import Tensor

FORMAT = "chainrule-checkpoint"
VERSION = 1
_MANIFEST = "__manifest__"


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(obj._data)
        from chainrule.nn.parameter import Parameter

        return {"$tensor": key, "requires_grad": bool(obj.requires_grad and obj.grad_fn is None),
                "parameter": isinstance(obj, Parameter)}
    if isinstance(obj, np.ndarray | np.generic):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(obj)
        return {"$ndarray": key}
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int | float):
        return {"$float": repr(obj)} if isinstance(obj, float) and not np.isfinite(obj) else obj
    if isinstance(obj, dict):
        items = [[_key(k), _encode(v, arrays)] for k, v in obj.items()]
        return {"$dict": items, "ordered": isinstance(obj, OrderedDict)}
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    raise TypeError(f"cr.save: cannot save an object of type {type(obj).__name__}; supported: tensors, arrays, "
                    f"numbers, strings, None and dicts/lists/tuples of them (save module.state_dict(), not a module)")


def _key(k: Any) -> Any:
    if isinstance(k, bool) or not isinstance(k, str | int):
        raise TypeError(f"cr.save: dict keys must be strings or ints, got {type(k).__name__}")
    return k


def _decode(obj: Any, arrays: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "$tensor" in obj:
        data = arrays[obj["$tensor"]]
        data = data[()] if data.ndim == 0 else data
        if obj.get("parameter"):
            from chainrule.nn.parameter import Parameter

            return Parameter(Tensor._make(np.asarray(data)), obj.get("requires_grad", True))
        return Tensor._make(data, None, obj.get("requires_grad", False))
    if "$ndarray" in obj:
        return arrays[obj["$ndarray"]]
    if "$float" in obj:
        return float(obj["$float"])
    if "$tuple" in obj:
        return tuple(_decode(v, arrays) for v in obj["$tuple"])
    if "$dict" in obj:
        pairs = [(k, _decode(v, arrays)) for k, v in obj["$dict"]]
        return OrderedDict(pairs) if obj.get("ordered") else dict(pairs)
    raise ValueError(f"cr.load: unknown entry in the manifest: {sorted(obj)}")


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save tensors, state dicts (`model.state_dict()`, `optimizer.state_dict()`) and nested containers of them."""
    arrays: dict[str, np.ndarray] = {}
    manifest = {"format": FORMAT, "version": VERSION, "object": _encode(obj, arrays)}
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    if isinstance(f, str | os.PathLike):
        with open(f, "wb") as fh:  # a handle, so NumPy does not append '.npz' to the name
            np.savez(fh, **arrays)
    else:
        np.savez(f, **arrays)


def load(f: str | os.PathLike | BinaryIO) -> Any:
    """Load what `save` wrote. Never unpickles; a truncated or foreign file raises ValueError."""
    name = os.fspath(f) if isinstance(f, str | os.PathLike) else getattr(f, "name", "<file>")
    try:
        raw = _read(f)
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            if _MANIFEST not in archive.files:
                raise ValueError("no manifest")
            manifest = json.loads(archive[_MANIFEST].tobytes().decode("utf-8"))
            if manifest.get("format") != FORMAT:
                raise ValueError("not a chainrule checkpoint")
            if manifest.get("version", 0) > VERSION:
                raise ValueError(f"format version {manifest['version']} is newer than this chainrule reads")
            arrays = {k: archive[k] for k in archive.files if k != _MANIFEST}
            return _decode(manifest["object"], arrays)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"cr.load: {name} is not a readable chainrule checkpoint (truncated, corrupted or another "
                         f"format): {exc}") from None


def _read(f: str | os.PathLike | BinaryIO) -> bytes:
    if isinstance(f, str | os.PathLike):
        with open(f, "rb") as fh:
            return fh.read()
    return f.read()
