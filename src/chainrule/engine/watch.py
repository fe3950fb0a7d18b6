"""`Watch`: the one flag a hot path reads to learn whether anybody observes, shared by the observer seams
(`ops.observe` for forward ops, `autograd.profiler` for named scopes). Observers themselves are kept per thread by
each seam; `on` is True while at least one thread has one, so an unobserved program pays one attribute read."""

from __future__ import annotations

import threading

__all__ = ["Watch"]


class Watch:
    """`on` is True between a `start()` and its `stop()` in any thread (they nest and may interleave)."""

    __slots__ = ("on", "_count", "_lock")

    def __init__(self) -> None:
        self.on = False
        self._count = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._count += 1
            self.on = True

    def stop(self) -> None:
        with self._lock:
            self._count -= 1
            self.on = self._count > 0
