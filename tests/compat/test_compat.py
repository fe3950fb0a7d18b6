"""Complete PyTorch programs in the style of its tutorials and examples, each run under torch and under
chainrule with only the imports changed (see harness.py); their results must agree."""

from __future__ import annotations

import pytest
from harness import PROGRAMS, compare, run, to_chainrule

PROGRAM_FILES = sorted(PROGRAMS.glob("*.py"))


def test_there_are_at_least_25_programs():
    assert len(PROGRAM_FILES) >= 25


@pytest.mark.parametrize("program", PROGRAM_FILES, ids=[p.stem for p in PROGRAM_FILES])
def test_program_agrees_with_torch(program):
    expected = run(program, "torch")
    got = run(program, "chainrule")
    assert got["torch_imported"] is False, f"{program.name} imported torch under chainrule"
    rtol, atol = expected["tolerance"]
    diffs = compare(got["result"], expected["result"], rtol, atol)
    assert not diffs, f"{program.name} differs from torch:\n" + "\n".join(diffs[:20])


def test_imports_are_the_only_change():
    source = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.ones(2)\n"
    assert to_chainrule(source) == ("import chainrule as torch\nimport chainrule.nn as nn\n"
                                    "from chainrule.utils.data import DataLoader\nx = torch.ones(2)\n")
    with pytest.raises(ValueError, match="does not rewrite"):
        to_chainrule("import torch.nn\n")
