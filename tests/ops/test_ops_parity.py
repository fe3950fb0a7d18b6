"""Value-and-gradient parity with PyTorch for every op in the table (float32 and float64), including
gradients through create_graph=True (the TensorXP path of each VJP) and second derivatives."""

from __future__ import annotations

import pytest
from _ops_cases import CASES
from _ops_harness import check_parity


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_parity_with_torch(case, dtype):
    check_parity(case, dtype)


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
