"""The widgets in a real JupyterLab (4.6, anywidget) in Debian's Chromium: `jupyter lab` runs as a real process on
127.0.0.1 (no token, a temporary root and settings folder, the dark theme), a notebook shows
`cr.widgets.Neuron()`, `cr.widgets.DiagonalFlip()` and `cr.widgets.Graph(loss)`; the tests check the chapter's
numbers, the arrow keys on a Neuron slider, the dark theme's contrast, and that typing in a cell after a graph
viewer was shown arrives intact.

Everything shares one JupyterLab and one notebook page (module scope) to stay near 30 s."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anywidget", reason="the widgets extra is not installed (pip install anywidget)")

SRC = Path(__file__).resolve().parents[2] / "src"
CELLS = [
    "import chainrule as cr\nn = cr.widgets.Neuron()  # the chapter's x = 2, w = 1.5, b = -1, t = 3\nn",
    "f = cr.widgets.DiagonalFlip()  # x = 1100, the chapter's fixed 4->3->4 weights\nf",
    "x = cr.tensor(2.0, requires_grad=True, name='x')\nloss = (3 * x + 1) ** 2\ng = cr.widgets.Graph(loss)\ng",
]
DARK = {"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Dark"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                           "checkForUpdates": False}}


def unavailable(reason: str) -> None:
    """As tests/conftest.py's: skip on a developer machine, fail in CI."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        unavailable("jupyterlab is not installed (pip install jupyterlab)")
    root = tmp_path_factory.mktemp("lab")
    notebooks, settings, config, runtime = (root / d for d in ("notebooks", "settings", "config", "runtime"))
    for d in (notebooks, settings, config, runtime):
        d.mkdir()
    for name, value in DARK.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                     "source": src} for i, src in enumerate(CELLS)],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (notebooks / "widgets.ipynb").write_text(json.dumps(nb))
    (notebooks / "untrusted.ipynb").write_text(json.dumps(_untrusted_notebook()))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(runtime), "PYTHONUNBUFFERED": "1"}
    log = (root / "lab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
         "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={notebooks}",
         f"--LabApp.user_settings_dir={settings}",
         f"--LabApp.workspaces_dir={root / 'workspaces'}", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=notebooks)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter lab did not start:\n" + (root / "lab.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def notebook(browser: Any, jupyterlab: str) -> Iterator[Any]:
    """The notebook open in JupyterLab with its three cells run (in order) in a live kernel."""
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        unavailable("no chromium")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(jupyterlab + "/lab/tree/widgets.ipynb")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    # the kernel has started (the status bar says Idle) before any cell runs
    page.wait_for_function("() => /\\|\\s*Idle/.test(document.querySelector("
                           "'#jp-main-statusbar')?.textContent || '')")
    page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()  # select the first cell, command mode
    for _ in CELLS:
        page.keyboard.press("Shift+Enter")
    page.locator(".crw-neuron [data-out=L]").wait_for()
    page.wait_for_function("() => document.querySelector('.crw-neuron [data-out=L]').textContent !== '\u2014'")
    page.locator(".crw-flip .crw-unit").first.wait_for()
    page.locator(".crg-root .crg-table").first.wait_for()  # the shared graph viewer (viz/static/graph.js)
    yield page
    context.close()
    assert not [e for e in errors if "chainrule" in e or "crw" in e], errors


def test_widgets_render_the_chapter_numbers(notebook: Any) -> None:
    neuron = notebook.locator(".crw-neuron")
    out = lambda key: neuron.locator(f"[data-out={key}]").inner_text()  # noqa: E731
    assert (out("z"), out("a"), out("L")) == ("2.0", "2.0", "1.0")  # z = 1.5 * 2 - 1, L = (2 - 3)^2
    assert (out("dL_da"), out("da_dz"), out("dz_dw"), out("product")) == ("-2.0", "1.0", "2.0", "-4.0")
    assert out("grad_w") == "-4.0" and out("gate") == "gate open" and out("upd_L") == "0.04"
    flip = notebook.locator(".crw-flip")
    dead = [u.get_attribute("data-unit") for u in flip.locator(".crw-unit.crw-dead").all()]
    assert dead == ["2"]  # h3 is dead on the top row 1100 (docs/playgrounds.md)
    info = flip.locator("[data-out=info]").inner_text()
    assert "zero rows of dL/dW1: x3, x4; of dL/dW2: h3" in info  # counted from 1, as the units h1-h3 are
    assert flip.locator(".crw-unit").nth(2).inner_text().startswith("h3:")
    # the viewer fills its table in step by step: step to the end, then read d/dx = 42 of (3x + 1)^2 at x = 2
    notebook.eval_on_selector(".crg-root .crg-slider",
                              "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }")
    graph_table = notebook.locator(".crg-root .crg-table").first.inner_text()
    assert "42.0" in graph_table, graph_table


def test_neuron_slider_takes_the_arrow_keys(notebook: Any) -> None:
    neuron = notebook.locator(".crw-neuron")
    slider = neuron.locator("input[data-param=w]")
    cells = notebook.locator(".jp-Notebook .jp-Cell").count()
    slider.focus()
    before = slider.input_value()
    notebook.keyboard.press("ArrowRight")
    notebook.wait_for_function("() => document.querySelector('.crw-neuron input[data-param=w]').value === '1.6'")
    assert before == "1.5"
    # the kernel recomputed: w = 1.6 gives z = 2.2, L = (2.2 - 3)^2 = 0.64
    notebook.wait_for_function("() => document.querySelector('.crw-neuron [data-out=L]').textContent === '0.64'")
    notebook.keyboard.press("ArrowLeft")
    notebook.wait_for_function("() => document.querySelector('.crw-neuron [data-out=L]').textContent === '1.0'")
    assert notebook.locator(".jp-Notebook .jp-Cell").count() == cells  # no key went to the notebook


# WCAG contrast ratio of each matched element's text colour with the first opaque background behind it.
CONTRAST = """(sel) => {
  const rgb = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return m.length > 3 && m[3] === 0 ? null : m.slice(0, 3);
  };
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = (e) => {
    for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c) return c; }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(sel)].map((e) => {
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}"""


def test_dark_theme_is_readable(notebook: Any) -> None:
    assert notebook.evaluate("document.body.dataset.jpThemeLight") == "false"  # JupyterLab Dark is on
    texts = notebook.evaluate(CONTRAST, ".crw-neuron .crw-eq, .crw-neuron .crw-num, .crw-flip .crw-unit, "
                                        ".crw-flip [data-out=info], .crw-flip button, .crw-neuron button")
    assert texts and min(texts) >= 4.5, texts
    dead = notebook.evaluate(CONTRAST, ".crw-flip .crw-unit.crw-dead")
    assert dead and min(dead) >= 4.5, dead  # was white on pink
    gates = notebook.evaluate(CONTRAST, ".crw-gate")
    assert gates and min(gates) >= 3.0, gates


def test_typing_in_a_cell_after_a_graph_viewer_arrives_intact(notebook: Any) -> None:
    before = notebook.locator(".jp-Notebook .jp-Cell").count()
    notebook.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").last.click()
    notebook.locator("jp-button[data-command='notebook:insert-cell-below'], "
                     "button[data-command='notebook:insert-cell-below']").first.click()
    cells = notebook.locator(".jp-Notebook .jp-Cell")
    notebook.wait_for_function("(n) => document.querySelectorAll('.jp-Notebook .jp-Cell').length > n", arg=before)
    cells.last.locator(".cm-content").click()
    notebook.keyboard.type("fab = 'bob'")
    with contextlib.suppress(Exception):
        notebook.wait_for_function("() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].pop()"
                                   ".querySelector('.cm-content').textContent.length >= 11", timeout=3000)
    typed = cells.last.locator(".cm-content").inner_text()
    assert typed == "fab = 'bob'", f"the cell reads {typed!r}"


def _untrusted_notebook() -> dict:
    """A notebook with a graph's display saved in it, as if run elsewhere: JupyterLab does not trust it."""
    sys.path.insert(0, str(SRC))
    import chainrule as cr

    x = cr.tensor(2.0, requires_grad=True, name="x")
    loss = (3 * x + 1) ** 2
    loss.backward()
    html_out = cr.graph(loss)._repr_html_()
    assert "data:image/svg+xml;base64," in html_out
    return {"cells": [{"cell_type": "code", "execution_count": 1, "id": "u0", "metadata": {}, "source": "g",
                       "outputs": [{"output_type": "display_data", "metadata": {},
                                    "data": {"text/html": html_out, "text/plain": "<graph>"}}]}],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def test_an_untrusted_notebook_shows_the_static_picture(browser: Any, jupyterlab: str) -> None:
    """A notebook whose outputs were saved elsewhere is not trusted: no script runs, and JupyterLab sanitizes its
    HTML. The graph's display still shows the static picture (the viewer's dagre layout, as an <img>) and the
    gradient table with the chapter-style numbers, never only "needs JavaScript"."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(jupyterlab + "/lab/tree/untrusted.ipynb")
        output = page.locator(".jp-OutputArea-output", has_text="Gradients").first
        output.wait_for()
        page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output img')]"
                               ".some(i => i.complete && i.naturalWidth > 0)")
        img = output.locator("img").first
        size = img.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width, "
                            "i.getBoundingClientRect().height]")
        assert size[0] > 300 and size[1] > 300 and size[2] > 60, size
        text = output.inner_text()
        assert "42.0" in text and "dloss/dx" in text
        assert "needs JavaScript" not in text
    finally:
        context.close()
