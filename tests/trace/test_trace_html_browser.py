"""The lesson page in a real headless Chromium: stepping shows the right line and values, and the
page makes no network request. In CI (CI=true) a missing browser is a failure, not a skip."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from trace_helpers import LESSONS, line_of

from browser_pages import OfflinePage
from chainrule.trace import Trace, run


class Lesson(OfflinePage):
    """A lesson page open in the browser, with every request the page tried to make."""

    def __init__(self, browser: Any, html_path: Path) -> None:
        super().__init__(browser, html_path, 1280, 900)

    @property
    def line(self) -> int:
        return int(self.page.locator(".cr-code li.cr-current").get_attribute("data-line"))

    @property
    def step(self) -> int:
        return int(self.page.locator("[data-cr-trace]").get_attribute("data-step"))

    def forward_to(self, line: int) -> None:
        for _ in range(200):
            if self.line == line:
                return
            self.page.keyboard.press("ArrowRight")
        raise AssertionError(f"never reached line {line}")


def _lesson(tmp_path: Path, name: str) -> tuple[Trace, Path]:
    with redirect_stdout(io.StringIO()):
        trace = run(LESSONS / name)
    path = tmp_path / (name + ".html")
    trace.to_html(path)
    return trace, path


def test_stepping_through_the_two_layer_lesson(browser: Any, tmp_path: Path) -> None:
    trace, path = _lesson(tmp_path, "03_two_layer_backprop.py")
    lesson = Lesson(browser, path)
    page = lesson.page
    total = len(trace.steps)
    assert lesson.text(".cr-pos") == f"Step 1 of {total}"
    assert lesson.line == trace.steps[0].line == line_of(trace, "x = 3.0")
    assert "3.0" in lesson.text(".cr-state")
    assert "Lesson 3" in lesson.text(".cr-intro")

    z1 = line_of(trace, "z1 = w1 * x + b1")
    lesson.forward_to(z1)
    assert lesson.text(".cr-compute") == "w1 * x + b1 = 0.5 * 3.0 + 0.0 = 1.5 + 0.0 = 1.5"
    assert "z1" in lesson.text(".cr-state table") and "1.5" in lesson.text(".cr-state table")
    assert "layer 1's linear part" in lesson.text(".cr-explain")
    assert lesson.text(".cr-output") == ""

    # forward with the button, back with the button and the arrow key
    before = lesson.step
    page.click('[data-act="next"]')
    assert lesson.step == before + 1 and lesson.line == line_of(trace, "h = max(0.0, z1)")
    assert "max(0.0, z1) = max(0.0, 1.5) = 1.5" in lesson.text(".cr-compute")
    page.click('[data-act="prev"]')
    assert lesson.line == z1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert lesson.line == z1

    # printed output accumulates as the steps go by
    first_print = line_of(trace, 'print(f"forward')
    lesson.forward_to(first_print)
    assert lesson.text(".cr-output").rstrip("\n") == "forward: z1 = 1.5, h = 1.5, y = 2.0, loss = 4.0"
    assert "forward: z1 = 1.5" in lesson.text(".cr-state")

    dw1 = line_of(trace, "dloss_dw1 = dloss_dz1 * x")
    lesson.forward_to(dw1)
    assert lesson.text(".cr-compute") == "dloss_dz1 * x = -8.0 * 3.0 = -24.0"
    assert "-24.0" in lesson.text(".cr-state table")

    page.keyboard.press("End")
    assert lesson.text(".cr-pos") == f"Step {total} of {total}"
    assert lesson.text(".cr-output").rstrip("\n").count("\n") == 2  # all three printed lines
    assert page.locator('[data-act="next"]').is_disabled()
    page.keyboard.press("Home")
    assert lesson.step == 0

    # clicking a code line jumps to the next step at that line
    page.click(f'.cr-code li[data-line="{dw1}"]')
    assert lesson.line == dw1

    assert lesson.errors == []
    assert lesson.requests == [lesson.url], f"the page made network requests: {lesson.requests}"
    lesson.context.close()


def test_autograd_lesson_shows_tensors_and_gradients(browser: Any, tmp_path: Path) -> None:
    trace, path = _lesson(tmp_path, "04_autograd.py")
    lesson = Lesson(browser, path)
    lesson.forward_to(line_of(trace, "loss = (y - target)"))
    state = lesson.text(".cr-state")
    assert "tensor(4.0, grad_fn=<PowBackward0>)" in state and "grad_fn PowBackward0" in state
    lesson.forward_to(line_of(trace, "loss.backward()"))
    state = lesson.text(".cr-state")
    assert "grad tensor(-24.0)" in state and "grad tensor(-4.0)" in state
    lesson.forward_to(line_of(trace, "dloss_dw1 = w1.grad.item()"))
    assert lesson.text(".cr-compute").endswith("= -24.0")
    assert lesson.errors == []
    assert lesson.requests == [lesson.url]
    lesson.context.close()


def test_a_script_that_fails_and_a_hostile_output(browser: Any, tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text('print("</script><img src=http://example.invalid/x.png>")\nx = 1\ny = x / 0\n', encoding="utf-8")
    with redirect_stdout(io.StringIO()):
        trace = run(script)
    path = tmp_path / "bad.html"
    trace.to_html(path)
    lesson = Lesson(browser, path)
    assert "<img" in lesson.text(".cr-state")  # shown as text, never as markup
    lesson.page.keyboard.press("End")
    assert lesson.line == 3
    assert "ZeroDivisionError" in lesson.text(".cr-exception")
    assert "The script raised ZeroDivisionError at line 3" in lesson.text(".cr-summary")
    assert lesson.page.locator("img").count() == 0
    assert lesson.requests == [lesson.url]
    lesson.context.close()


def test_two_jupyter_fragments_on_one_page_work_independently(browser: Any, tmp_path: Path) -> None:
    first, _ = _lesson(tmp_path, "01_composed_function.py")
    second, _ = _lesson(tmp_path, "02_single_neuron.py")
    path = tmp_path / "notebook.html"
    path.write_text(
        "<!DOCTYPE html><html><body>" + first._repr_html_() + second._repr_html_() + "</body></html>",
        encoding="utf-8",
    )
    lesson = Lesson(browser, path)
    roots = lesson.page.locator("[data-cr-trace]")
    assert roots.count() == 2
    roots.nth(1).locator('[data-act="next"]').click()
    assert roots.nth(1).get_attribute("data-step") == "1"
    assert roots.nth(0).get_attribute("data-step") == "0"
    lesson.page.keyboard.press("ArrowRight")  # keys go to the trace used last
    assert roots.nth(1).get_attribute("data-step") == "2"
    assert lesson.errors == []
    lesson.context.close()


def test_a_walk_of_generated_code_has_its_own_stepper(browser: Any, tmp_path: Path) -> None:
    """A trace with a walk (generated code the script ran, such as a compiled step): the page shows the script's
    stepper, then the walk's, each stepping its own code, at desktop and phone widths."""
    from chainrule.trace import Tracer, register_source

    source = "def gen(a, b):\n    c = a * b\n    d = c + 1\n    return d\n"
    register_source("<generated gen page>", source)
    ns: dict[str, Any] = {}
    exec(compile(source, "<generated gen page>", "exec"), ns)  # noqa: S102 - the test's own generated code
    with Tracer() as trace:
        y = ns["gen"](2.0, 3.0)
    assert y == 7.0
    path = tmp_path / "walk.html"
    trace.to_html(path)
    for width in (1280, 390):
        lesson = OfflinePage(browser, path, width, 900)
        roots = lesson.page.locator("[data-cr-trace]")
        assert roots.count() == 2
        walk = roots.nth(1)
        assert "<generated gen page>" in walk.locator(".cr-title").inner_text()
        assert walk.locator(".cr-code li").count() == 4  # the generated source, line by line
        main_box, walk_box = roots.nth(0).bounding_box(), walk.bounding_box()
        assert walk_box["y"] >= main_box["y"] + main_box["height"] - 1  # below the script's stepper, not over it
        for _ in range(2):
            walk.locator('[data-act="next"]').click()
        current = walk.locator(".cr-code li.cr-current")
        assert current.get_attribute("data-line") == "3"  # d = c + 1
        assert "c + 1 = 6.0 + 1 = 7.0" in walk.locator(".cr-compute").inner_text()
        assert roots.nth(0).get_attribute("data-step") == "0"  # the script's stepper did not move
        box = current.bounding_box()
        assert box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 1  # on screen
        assert lesson.page.evaluate("document.documentElement.scrollWidth") <= width + 1  # no sideways scroll
        assert lesson.errors == []
        assert lesson.requests == [lesson.url]
        lesson.context.close()
