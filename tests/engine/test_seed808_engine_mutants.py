"""Tests that kill survivors of the seed-808 mutation sample (docs/testing.md)."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule.engine.device import DeviceUnavailableError

_HINT = "cr.cuda.is_available()"


@pytest.mark.parametrize("dev", ["cuda", "cuda:1", cr.device("cuda")])
def test_a_cuda_device_is_refused_with_the_is_available_idiom(dev: object) -> None:
    """Asking for CUDA names the idiom that picks the CPU (seed-808 survivor engine/device.py:109, the hint's
    `== "cuda"` -> `!=`)."""
    with pytest.raises(DeviceUnavailableError, match="CPU only") as info:
        cr.zeros(2, device=dev)
    assert _HINT in str(info.value) and str(info.value).startswith("zeros: device 'cuda")


@pytest.mark.parametrize("dev", ["mps", "xpu", "meta"])
def test_another_accelerator_is_refused_without_the_cuda_idiom(dev: str) -> None:
    """The CUDA idiom would not help someone asking for another device: the message leaves it out (the same
    mutant: with `!=`, these got the CUDA hint and CUDA did not)."""
    with pytest.raises(DeviceUnavailableError, match="CPU only") as info:
        cr.zeros(2, device=dev)
    assert _HINT not in str(info.value) and f"device '{dev}'" in str(info.value)
