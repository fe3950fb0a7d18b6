"""Fixtures for the playground tests: a real `chainrule serve` process on 127.0.0.1 (free port), stopped after."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from web_helpers import Client


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        if "http://127.0.0.1:" not in line:
            proc.kill()
            raise RuntimeError(f"the server did not start: {line!r} {proc.stderr.read()!r}")
        url = line.split()[2].rstrip("/")
        client = Client(url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.get("/api/health").status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def client(server_url: str) -> Client:
    return Client(server_url)


