#!/usr/bin/env bash
# Install everything the tests need (idempotent), then run ruff, mypy, import-linter and the whole test suite.
# The test toolchain is pinned: every package comes at the exact version in requirements/test-constraints.txt.
# torch is its CPU build (2.13.0+cpu), taken from PyTorch's CPU index; on an ordinary machine a plain
# `pip install torch` would pull the multi-gigabyte CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
# torch first, alone and without its dependencies (they come from PyPI with the rest, pinned): the CPU build from
# PyTorch's CPU index (machines with a local wheel find it there too).
if ! python -c 'import sys, torch; sys.exit(torch.__version__ != "2.13.0+cpu")' 2>/dev/null; then
  python -m pip install -q --no-deps --retries 1 --timeout 30 \
    --extra-index-url https://download.pytorch.org/whl/cpu \
    -c requirements/test-constraints.txt 'torch==2.13.0+cpu'
fi
python -m pip install -q -c requirements/test-constraints.txt -e '.[dev,all]'

ruff check src tests bench examples
mypy                 # the core's types (files and settings: [tool.mypy] in pyproject.toml)
lint-imports         # the layering (contracts: [tool.importlinter] in pyproject.toml; docs/architecture.md)
python -m pytest -n 2 "$@"
