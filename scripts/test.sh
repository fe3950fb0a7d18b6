#!/usr/bin/env bash
# Install everything the tests need (idempotent), then run ruff and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
python -m pip install -q -e '.[dev]'

ruff check src tests bench examples
python -m pytest -n 2 "$@"
