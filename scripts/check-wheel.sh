#!/usr/bin/env bash
# The package as users get it: build the sdist and the wheel, check their metadata (twine check --strict), install
# the wheel in a fresh venv (no checkout on sys.path: everything runs from an empty temporary folder) and run the
# commands a user runs first: chainrule --version, chainrule tour, one request to chainrule serve (/api/health and
# /), chainrule trace --html, and a widget (anywidget installed). Any failing step fails the script (exit 1).
#
#   bash scripts/check-wheel.sh            # uses `python` (needs build and twine: the dev extra)
#
# Dependencies of the wheel come from PyPI pinned with requirements/test-constraints.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python}"
CONSTRAINTS="$ROOT/requirements/test-constraints.txt"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/chainrule-wheel.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n== check-wheel: %s\n' "$*"; }
fail() { printf 'check-wheel: FAILED: %s\n' "$*" >&2; exit 1; }
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PYTHONPATH

step "build the sdist, and the wheel from it"
# a copy of the checkout without build leftovers (an old build/ or egg-info must not leak into the wheel)
mkdir -p "$WORK/src"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && xargs -0 tar --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"
else
  tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='*.egg-info' --exclude=./dist -cf - . | tar -xf - -C "$WORK/src"
fi
"$PYTHON" -m build --outdir "$WORK/dist" "$WORK/src" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "python -m build"; }
if grep -niE "deprecat|license.*(table|classifier)" "$WORK/build.log"; then
  fail "the build log has deprecation warnings (above)"
fi
SDIST=$(ls "$WORK"/dist/chainrule-*.tar.gz)
WHEEL=$(ls "$WORK"/dist/chainrule-*.whl)
echo "$(basename "$SDIST") $(basename "$WHEEL")"

step "twine check --strict"
"$PYTHON" -m twine check --strict "$SDIST" "$WHEEL"

step "package data in the wheel"
"$PYTHON" - "$WHEEL" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["chainrule/web/openapi.json", "chainrule/web/static/index.html", "chainrule/viz/static/graph.js",
        "chainrule/trace/static/lesson.html", "chainrule/widgets/static/widget.js", "chainrule/onnx/__init__.py"]
missing = [n for n in need if n not in names]
licenses = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
meta = next(zipfile.ZipFile(sys.argv[1]).read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
if missing or not licenses or "License-Expression: MIT" not in meta:
    sys.exit(f"missing from the wheel: {missing}, license file: {licenses}, License-Expression in METADATA: "
             f"{'License-Expression: MIT' in meta}")
print(f"{len(names)} files; package data and LICENSE present; License-Expression: MIT")
EOF

step "install the wheel in a fresh venv"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
CHAINRULE="$WORK/venv/bin/chainrule"
"$VPY" -m pip install -q -c "$CONSTRAINTS" "$WHEEL"
mkdir "$WORK/run"
cd "$WORK/run"  # an empty folder: nothing from the checkout can be imported
"$VPY" - <<'EOF'
import os, sys, chainrule
where = os.path.dirname(chainrule.__file__)
assert where.startswith(sys.prefix), f"chainrule imported from {where}, not from the venv {sys.prefix}"
print("chainrule imported from", where)
EOF

step "chainrule --version"
VERSION=$("$CHAINRULE" --version)
WANT="chainrule $(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")"
[ "$VERSION" = "$WANT" ] || fail "chainrule --version printed '$VERSION', expected '$WANT'"
echo "$VERSION"

step "chainrule tour"
"$CHAINRULE" tour >"$WORK/tour.txt" || { cat "$WORK/tour.txt"; fail "chainrule tour"; }
grep -q "grad" "$WORK/tour.txt" || { cat "$WORK/tour.txt"; fail "chainrule tour printed no gradients"; }
echo "$(wc -l <"$WORK/tour.txt") lines"

step "chainrule serve: GET /api/health and /"
"$CHAINRULE" serve --port 0 --host 127.0.0.1 >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
  URL=$(sed -n 's/^chainrule playgrounds: \(http[^ ]*\).*/\1/p' "$WORK/serve.log")
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; fail "chainrule serve exited"; }
  sleep 0.2
done
[ -n "$URL" ] || { cat "$WORK/serve.log"; fail "chainrule serve did not start within 20 s"; }
"$VPY" - "$URL" <<'EOF'
import json, sys, urllib.request
base = sys.argv[1].rstrip("/")
with urllib.request.urlopen(base + "/api/health", timeout=20) as r:
    health = json.loads(r.read())
    assert r.status == 200, r.status
with urllib.request.urlopen(base + "/", timeout=20) as r:
    page = r.read().decode()
    assert r.status == 200 and "<html" in page.lower(), (r.status, page[:200])
print(f"{base}/api/health -> {health}; / -> {len(page)} bytes of HTML")
EOF
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

step "chainrule trace --html"
cat >"$WORK/run/lesson.py" <<'EOF'
import chainrule as cr
w = cr.tensor(0.5, requires_grad=True)
loss = (2.0 * cr.relu(w * 3.0) - 1.0 - 4.0) ** 2
loss.backward()
print(w.grad)
EOF
"$CHAINRULE" trace lesson.py --html lesson.html >"$WORK/trace.txt" || { cat "$WORK/trace.txt"; fail "chainrule trace"; }
grep -q -- "-24" "$WORK/trace.txt" || { cat "$WORK/trace.txt"; fail "the traced script did not print w.grad = -24"; }
grep -qi "<html" lesson.html || fail "chainrule trace --html wrote no HTML page"
echo "lesson.html: $(wc -c <lesson.html) bytes"

step "a widget (anywidget installed)"
"$VPY" -m pip install -q -c "$CONSTRAINTS" "$WHEEL[widgets]"
"$VPY" - <<'EOF'
import chainrule as cr
import chainrule.widgets
w = chainrule.widgets.Neuron(x=2.0, w=1.5, b=-1.0, t=3.0)
assert "export" in w._esm and len(w._esm) > 1000, "the widget's JavaScript did not load from the package"
print(type(w).__name__, "widget made;", len(w._esm), "characters of JavaScript from the installed package")
EOF

printf '\ncheck-wheel: OK (%s)\n' "$(basename "$WHEEL")"
