"""A local HTML file open in headless Chromium with every other request blocked and recorded, so tests
can assert that a page works offline (no network request at all)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class OfflinePage:
    def __init__(self, browser: Any, path: Path, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []

        def handle(route: Any) -> None:
            self.requests.append(route.request.url)
            if route.request.url == self.url:
                route.continue_()
            else:
                route.abort()

        self.context.route("**/*", handle)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url) if r.url != self.url else None)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text()
