"""`cr.save(obj, path)` / `cr.load(path)`: tensors, state dicts and optimizer states in a `.npz` file.

The structure (nested dicts, lists, tuples, numbers, strings, None) goes into a JSON manifest stored
in the archive; every tensor and array is stored as a plain NumPy array (`a<k>.npy`).

Writing a path is atomic: the archive goes to a temporary file in the same folder, is flushed and
fsynced, and then replaces the old file in one step, so a crash at any moment leaves either the old
file or the new one, never a broken one.

Loading never unpickles and is bounded: only the members the manifest names are read, each one's
declared sizes (the zip's and the `.npy` header's) are checked against each other before anything is
decompressed, object dtypes and members that are not `.npy` are refused, and anything malformed
raises `ValueError` naming the file and the problem. Memory is bounded by the declared tensor sizes.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from chainrule.engine.tensor import Tensor, wrap

__all__ = ["atomic_write", "load", "save"]

FORMAT = "chainrule-checkpoint"
VERSION = 1
_MANIFEST = "__manifest__"
_PARAMETER = "chainrule.nn.parameter.Parameter"
_parameter_class: type[Tensor] | None = None


def _parameter() -> type[Tensor] | None:
    """`cr.nn.Parameter`, found among Tensor's subclasses by its qualified name rather than imported: the
    serialization layer does not depend on nn (docs/architecture.md). `import chainrule` loads nn, so it is
    found whenever a program has made one; None only if nn was never imported (then nothing is one)."""
    global _parameter_class
    if _parameter_class is None:
        stack = list(Tensor.__subclasses__())
        while stack:
            cls = stack.pop()
            if f"{cls.__module__}.{cls.__qualname__}" == _PARAMETER:
                _parameter_class = cls
                break
            stack.extend(cls.__subclasses__())
    return _parameter_class


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(obj.array)
        parameter = _parameter()
        return {"$tensor": key, "requires_grad": bool(obj.requires_grad and obj.grad_fn is None),
                "parameter": parameter is not None and isinstance(obj, parameter)}
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


def _decode(obj: Any, arrays: Callable[[Any], np.ndarray]) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "$tensor" in obj:
        data = arrays(obj["$tensor"])
        data = data[()] if data.ndim == 0 else data
        if not all(isinstance(obj.get(k, False), bool) for k in ("requires_grad", "parameter")):
            raise _Malformed("requires_grad and parameter of a $tensor entry must be true or false")
        parameter = _parameter() if obj.get("parameter") else None
        if parameter is not None:
            return parameter(wrap(np.asarray(data)), obj.get("requires_grad", True))
        return wrap(data, None, obj.get("requires_grad", False))
    if "$ndarray" in obj:
        return arrays(obj["$ndarray"])
    if "$float" in obj:
        if not isinstance(obj["$float"], str):
            raise _Malformed(f"a $float entry holds {obj['$float']!r}, not a string")
        return float(obj["$float"])
    if "$tuple" in obj:
        if not isinstance(obj["$tuple"], list):
            raise _Malformed("a $tuple entry is not a list")
        return tuple(_decode(v, arrays) for v in obj["$tuple"])
    if "$dict" in obj:
        items = obj["$dict"]
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
            raise _Malformed("a $dict entry is not a list of [key, value] pairs")
        if not all(isinstance(k, str | int) and not isinstance(k, bool) for k, _ in items):
            raise _Malformed("a dict key in the manifest is not a string or an int")
        pairs = [(k, _decode(v, arrays)) for k, v in items]
        return OrderedDict(pairs) if obj.get("ordered") else dict(pairs)
    raise _Malformed(f"unknown entry in the manifest: {sorted(obj)}")


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save tensors, state dicts (`model.state_dict()`, `optimizer.state_dict()`) and nested containers of them.

    A path is written atomically (a temporary file in the same folder, fsynced, then renamed over the old
    file): an interrupted save leaves the previous file intact. An open binary file is written as is.
    """
    arrays: dict[str, np.ndarray] = {}
    manifest = {"format": FORMAT, "version": VERSION, "object": _encode(obj, arrays)}
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    if isinstance(f, str | os.PathLike):
        atomic_write(f, lambda fh: np.savez(fh, **arrays))  # a handle, so NumPy does not append '.npz'
    else:
        np.savez(f, **arrays)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], Any]) -> None:
    """Call `write(handle)` on a temporary file next to `path`, flush and fsync it, then atomically replace
    `path` with it (and fsync the folder). On any error the temporary file is removed and `path` is untouched."""
    path = os.path.realpath(os.fspath(path))  # through a symlink to its target, as open() writes
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:  # keep the old file's permissions, or those a plain open() would give (mkstemp makes it 0600)
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (not possible on every platform)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


_WARNED_WEIGHTS_ONLY = False


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, *, weights_only: bool | None = None,
         **kwargs: Any) -> Any:
    """Load what `save` wrote. Never unpickles; a truncated, malformed or foreign file raises ValueError.

    `map_location` and `weights_only` are accepted as in `torch.load`: everything loads on the CPU (a
    location that is not the CPU raises RuntimeError, a callable is not called); `weights_only=True` is what
    chainrule always does, and `weights_only=False` warns once and loads the same way (there is nothing
    pickled to load: `cr.save` writes only tensors, arrays, numbers, strings and containers of them).
    """
    global _WARNED_WEIGHTS_ONLY
    if kwargs:
        raise TypeError(f"cr.load() got unexpected keyword arguments {sorted(kwargs)}: chainrule never unpickles, "
                        f"so pickle_module, mmap and pickle options have no meaning here")
    _check_location(map_location)
    if weights_only is False and not _WARNED_WEIGHTS_ONLY:
        _WARNED_WEIGHTS_ONLY = True
        warnings.warn("cr.load(weights_only=False): chainrule never unpickles, so the file is loaded exactly as "
                      "with weights_only=True (everything cr.save can write loads that way); the argument can "
                      "be dropped", UserWarning, stacklevel=2)
    name = os.fspath(f) if isinstance(f, str | os.PathLike) else getattr(f, "name", "<file>")
    try:
        if isinstance(f, str | os.PathLike):
            with open(f, "rb") as fh:
                return _load(fh)
        if not (hasattr(f, "seek") and getattr(f, "seekable", lambda: True)()):
            f = io.BytesIO(f.read())
        return _load(f)
    except FileNotFoundError:
        raise
    except _Malformed as exc:
        raise ValueError(f"cr.load: {name} is not a readable chainrule checkpoint: {exc}") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, IndexError, TypeError, AttributeError,
            UnicodeDecodeError, RecursionError, NotImplementedError, RuntimeError, OverflowError) as exc:
        raise ValueError(f"cr.load: {name} is not a readable chainrule checkpoint (truncated, corrupted or another "
                         f"format): {type(exc).__name__}: {exc}") from None


def _check_location(location: Any) -> None:
    if location is None or callable(location):
        return
    if isinstance(location, dict):
        for target in location.values():
            _check_location(target)
        return
    text = str(getattr(location, "type", location))
    if text.split(":")[0] != "cpu":
        raise RuntimeError(f"cr.load(map_location={location!r}): chainrule runs on the CPU only; everything is "
                           f"loaded on the CPU (use map_location='cpu' or leave it out)")


class _Malformed(Exception):
    """A problem with the file's content, reported as ValueError naming the file."""


MAX_MANIFEST_BYTES = 256 * 2**20  # the JSON structure; tensors are stored beside it
_MAX_DEFLATE_RATIO = 1100  # deflate cannot compress more than about 1032:1, so a larger claim is a lie


def _load(fh: BinaryIO) -> Any:
    with zipfile.ZipFile(fh) as archive:
        members = {info.filename: info for info in archive.infolist()}
        if any(n.endswith("data.pkl") for n in members):
            raise _Malformed("it looks like a PyTorch file (torch.save); load it with torch.load and convert it "
                             "with cr.interop.from_torch")
        others = sorted(n for n in members if not n.endswith(".npy"))
        if others:
            raise _Malformed(f"member {others[0]!r} is not a .npy array")
        info = members.get(_MANIFEST + ".npy")
        if info is None:
            raise _Malformed("no manifest (a plain NumPy .npz file, not written by cr.save)")
        raw = _read_member(archive, info, max_bytes=MAX_MANIFEST_BYTES)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise _Malformed("the manifest is not a byte array")
        try:
            manifest = json.loads(raw.tobytes().decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise _Malformed(f"the manifest is not valid JSON ({type(exc).__name__})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _Malformed("not a chainrule checkpoint (the manifest names another format)")
        version = manifest.get("version", 0)
        if not isinstance(version, int) or version > VERSION:
            raise _Malformed(f"format version {version!r} is newer than this chainrule reads")
        if "object" not in manifest:
            raise _Malformed("the manifest has no object")
        cache: dict[str, np.ndarray] = {}

        def array(key: Any) -> np.ndarray:
            if not isinstance(key, str):
                raise _Malformed(f"array reference {key!r} is not a string")
            if key not in cache:
                member = members.get(key + ".npy")
                if member is None or key == _MANIFEST:
                    raise _Malformed(f"the manifest names array {key!r}, which the file does not hold")
                cache[key] = _read_member(archive, member)
            return cache[key]

        try:
            return _decode(manifest["object"], array)
        except RecursionError:
            raise _Malformed("the manifest is nested too deeply") from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int | None = None) -> np.ndarray:
    """One `.npy` member, its header and sizes checked before its data is decompressed."""
    name = info.filename
    if info.compress_type == zipfile.ZIP_STORED:
        if info.file_size != info.compress_size:
            raise _Malformed(f"{name}: stored size {info.compress_size} differs from its declared size "
                             f"{info.file_size}")
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        if info.file_size > _MAX_DEFLATE_RATIO * max(info.compress_size, 1):
            raise _Malformed(f"{name}: declares {info.file_size} bytes from {info.compress_size} compressed "
                             f"(more than deflate can produce: a zip bomb?)")
    else:
        raise _Malformed(f"{name}: unsupported compression (method {info.compress_type})")
    if max_bytes is not None and info.file_size > max_bytes:
        raise _Malformed(f"{name}: {info.file_size} bytes, more than the limit of {max_bytes}")
    with archive.open(info) as member:
        try:
            major, minor = np.lib.format.read_magic(member)
            if (major, minor) == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif (major, minor) in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise _Malformed(f"{name}: unknown .npy version {major}.{minor}")
        except ValueError as exc:
            raise _Malformed(f"{name}: not a valid .npy array ({exc})") from None
        if dtype.hasobject:
            raise _Malformed(f"{name}: object arrays hold pickled Python objects, which chainrule never loads "
                             f"(allow_pickle=False)")
        if dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
            raise _Malformed(f"{name}: unsupported dtype {dtype}")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        header = member.tell()
        if header + nbytes != info.file_size:
            raise _Malformed(f"{name}: the header declares shape {shape} of {dtype} ({nbytes} bytes), but the "
                             f"member holds {info.file_size - header} bytes of data")
        flat = np.empty(count, dtype=dtype)
        view = memoryview(flat).cast("B")
        got = 0
        while got < nbytes:
            n = member.readinto(view[got:])
            if not n:
                break
            got += n
        if got != nbytes:
            raise _Malformed(f"{name}: truncated ({got} of {nbytes} bytes of data)")
    out = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
    if not dtype.isnative:
        out = out.astype(dtype.newbyteorder("="))
    return out

