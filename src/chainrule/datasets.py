"""Small datasets that need no network: `digits()` (scikit-learn's bundled 8x8 digits), `xor()`,
`moons()`, `spirals()` and `diagonal_flip()` (the chapter's 2x2-image task).

Each returns `(inputs, targets)` tensors: float32 inputs, int64 class indices (or float32 bits for
`diagonal_flip`). Wrap them in `cr.utils.data.TensorDataset` to batch them.
"""

from __future__ import annotations

import itertools

import numpy as np

from chainrule.engine.tensor import Tensor, wrap

__all__ = ["NAMES", "diagonal_flip", "digits", "moons", "spirals", "xor"]

NAMES = ("digits", "xor", "moons", "spirals", "diagonal_flip")


def _pair(x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
    return wrap(np.ascontiguousarray(x, dtype=np.float32)), wrap(np.ascontiguousarray(y))


def digits(images: bool = False) -> tuple[Tensor, Tensor]:
    """1797 handwritten digits: inputs (1797, 64) in [0, 1] (or (1797, 1, 8, 8) with images=True), labels 0-9."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("digits() needs scikit-learn, which ships the data: "
                          "pip install chainrule[datasets]") from None
    bunch = load_digits()
    x = bunch.data.astype(np.float32) / 16.0
    if images:
        x = x.reshape(-1, 1, 8, 8)
    return _pair(x, bunch.target.astype(np.int64))


def xor(n_samples: int = 400, noise: float = 0.15, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Points scattered around the four corners of the unit square, labelled a XOR b."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n_samples, 2))
    x = corners + rng.normal(0.0, noise, size=(n_samples, 2))
    return _pair(x, (corners[:, 0] ^ corners[:, 1]).astype(np.int64))


def moons(n_samples: int = 400, noise: float = 0.1, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles (the same construction as scikit-learn's make_moons)."""
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    x = x + rng.normal(0.0, noise, size=x.shape)
    perm = rng.permutation(n_samples)
    return _pair(x[perm], y[perm])


def spirals(n_samples: int = 400, n_classes: int = 2, noise: float = 0.2, seed: int = 0) -> tuple[Tensor, Tensor]:
    """`n_classes` interleaved spiral arms in the plane, one class per arm."""
    rng = np.random.default_rng(seed)
    per = n_samples // n_classes
    xs, ys = [], []
    for k in range(n_classes):
        r = np.linspace(0.05, 1.0, per)
        theta = np.linspace(k * 2 * np.pi / n_classes, k * 2 * np.pi / n_classes + 3.5, per)
        theta = theta + rng.normal(0.0, noise * 0.5, per)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], 1))
        ys.append(np.full(per, k, np.int64))
    perm = rng.permutation(per * n_classes)
    return _pair(np.concatenate(xs)[perm], np.concatenate(ys)[perm])


def diagonal_flip() -> tuple[Tensor, Tensor]:
    """All 16 binary 2x2 images [a b; c d] as 4 input bits (a, b, c, d); each target is the image flipped
    along its main diagonal, [a c; b d], i.e. the bits (a, c, b, d)."""
    x = np.array(list(itertools.product((0.0, 1.0), repeat=4)), np.float32)
    return _pair(x, x[:, [0, 2, 1, 3]].astype(np.float32))
