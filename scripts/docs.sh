#!/usr/bin/env bash
# Build the documentation site into site/ (offline, strict: a broken link, a docstring the reference cannot
# read or a lesson notebook that fails makes the build fail). Installs the pinned docs toolchain first.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -c requirements/test-constraints.txt -e '.[docs]'
python -m mkdocs build --strict --clean "$@"
echo "site built: $(pwd)/site/index.html"
