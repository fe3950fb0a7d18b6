"""Take the screenshots of docs/playgrounds.md with headless Chromium against a real `chainrule serve`.

    python tests/web/make_screenshots.py        # writes docs/img/playground-*.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
SHOTS = {
    "graph": "/graph?expr=x*y%2Bx&v.x=2&v.y=3&step=4",
    "neuron": "/neuron?x=2&w=1.5&b=-1&t=3&lr=0.1",
    "neuron-closed": "/neuron?x=2&w=1.5&b=-4&t=3&lr=0.1",
    "two-inputs": "/two-inputs?a1=1&a2=0.5&w1=0.8&w2=-0.4&b=0.2&y=1",
    "flip": "/flip?x=1100&t=1010&lr=0.1&steps=3",
    "flip-trained": "/flip?x=1100&t=1010&lr=0.1&steps=0&hidden=3&train=1",
    "depth": "/depth?depth=20&activation=sigmoid&scale=1",
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            text=True)
    try:
        url = proc.stdout.readline().split()[2].rstrip("/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 860})
            for name, path in SHOTS.items():
                if sys.argv[1:] and name not in sys.argv[1:]:  # make_screenshots.py flip depth: only those
                    continue
                page.goto(url + path)
                page.wait_for_function("() => Number(document.body.dataset.updates || 0) > 0")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"playground-{name}.png"), full_page=True)
                print("wrote", OUT / f"playground-{name}.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
