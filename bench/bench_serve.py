"""Loopback load test of `chainrule serve`: a server process and this client process on 127.0.0.1.

Run:  python bench/bench_serve.py [--seconds S] [--threads N] [--url http://127.0.0.1:PORT]

Without --url it starts `python -m chainrule serve --port 0` itself and stops it afterwards. Each scenario
runs for S seconds (default 3) with N client threads (default 16) and prints one Markdown row: requests,
errors (non-2xx or socket errors, by kind), throughput and latency p50 / p99 / max. Scenarios:

- health, keep-alive / new connection: GET /api/health, one connection per thread or a new one per request;
- graph, keep-alive: POST /api/graph of a small expression (engine work under the engine lock);
- health during a lattice upload: GET /api/health latency while another thread uploads the 97-layer lattice
  with dead ends (the graph that stalled the whole API before the path work was pruned and capped);
- health, new connection, 4N threads: many connects at once (the listen backlog);
- idle sockets: 100 connections that send nothing, then health requests on new connections.

The client is Python threads (one GIL), so on a small machine the client itself limits throughput; compare
rows of one run, not numbers across machines. The run is bounded: every request has a 10 s timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def lattice(layers: int) -> dict:
    """The graph that stalled the server: x feeds the output directly and a dead-end lattice of `layers` layers
    of two nodes, each feeding both nodes of the next layer (2**layers paths that never reach the output,
    listed before the live edge). 97 layers are 196 nodes, about 20 KB."""
    nodes = [{"id": "x", "kind": "variable", "value": 1.0, "grad": 1.0}]
    edges = []
    prev = ["x"]
    for k in range(layers):
        cur = [f"a{k}", f"b{k}"]
        for nid in cur:
            nodes.append({"id": nid, "kind": "op", "label": "+", "value": 1.0, "grad": 0.0})
            edges.extend({"from": p, "to": nid, "local": 1.0} for p in prev)
        prev = cur
    nodes.append({"id": "out", "kind": "op", "label": "+", "value": 2.0, "grad": 1.0})
    edges.append({"from": "x", "to": "out", "local": 1.0})
    return {"nodes": nodes, "edges": edges, "output": "out"}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(seconds)
            else:
                self.errors[error] += 1


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None,
             headers: dict[str, str]) -> int:
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status


def worker(url: str, method: str, path: str, body: bytes | None, keep_alive: bool, stop: float,
           stats: Stats) -> None:
    parts = urlsplit(url)
    headers = {"Host": parts.netloc}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = None
    while time.perf_counter() < stop:
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        t0 = time.perf_counter()
        error = None
        try:
            status = _request(conn, method, path, body, headers)
            if status >= 300:
                error = f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            conn.close()
            conn = None
        stats.add(time.perf_counter() - t0, error)
        if conn is not None and not keep_alive:
            conn.close()
            conn = None
        if error is not None:
            time.sleep(0.01)
    if conn is not None:
        conn.close()


def run(url: str, seconds: float, threads: int, method: str, path: str, body: bytes | None,
        keep_alive: bool) -> Stats:
    stats = Stats()
    stop = time.perf_counter() + seconds
    ts = [threading.Thread(target=worker, args=(url, method, path, body, keep_alive, stop, stats))
          for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return stats


def row(name: str, stats: Stats, seconds: float) -> str:
    lat = sorted(stats.latencies)
    errors = ", ".join(f"{k}: {v}" for k, v in stats.errors.most_common()) or "0"
    if not lat:
        return f"| {name} | 0 | {errors} | 0 | - | - | - |"
    p = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0]] * 99
    return (f"| {name} | {len(lat):,} | {errors} | {len(lat) / seconds:,.0f} | {p[49] * 1e3:.1f} | "
            f"{p[98] * 1e3:.1f} | {lat[-1] * 1e3:.1f} |")


def health_during_upload(url: str, seconds: float, threads: int) -> tuple[Stats, str]:
    parts = urlsplit(url)
    body = json.dumps({"graph": lattice(97)}).encode()
    outcome: list[str] = []

    def upload() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=seconds + 10)
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/graph/upload", body=body,
                         headers={"Host": parts.netloc, "Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            outcome.append(f"HTTP {r.status} in {time.perf_counter() - t0:.2f} s")
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(f"{type(exc).__name__} after {time.perf_counter() - t0:.2f} s")
        finally:
            conn.close()

    up = threading.Thread(target=upload, daemon=True)
    up.start()
    time.sleep(0.05)
    stats = run(url, seconds, threads, "GET", "/api/health", None, True)
    up.join(timeout=10)
    return stats, (outcome[0] if outcome else f"no answer within {seconds + 10:.0f} s")


def idle_sockets(url: str, seconds: float, threads: int, count: int = 100) -> Stats:
    parts = urlsplit(url)
    socks = []
    try:
        for _ in range(count):
            socks.append(socket.create_connection((parts.hostname, parts.port), timeout=5))
        time.sleep(0.2)
        return run(url, seconds, threads, "GET", "/api/health", None, False)
    finally:
        for s in socks:
            s.close()


def wait_until_up(url: str, seconds: float = 30.0) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            if _request(conn, "GET", "/api/health", None, {"Host": parts.netloc}) == 200:
                conn.close()
                return
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise SystemExit(f"no server answers at {url}") from None
            time.sleep(0.1)


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (whole machine; Linux)."""
    try:
        with open("/proc/net/netstat") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            return int(table.get("ListenOverflows", 0))
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--url", help="an already running server (default: start `chainrule serve --port 0`)")
    ap.add_argument("--skip-upload", action="store_true", help="leave out the lattice upload scenario")
    args = ap.parse_args()
    proc = None
    url = args.url
    if url is None:
        env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--port", "0"], stdout=subprocess.PIPE,
                                text=True, env=env)
        line = proc.stdout.readline()
        url = line.split()[2].rstrip("/")
    url = url.rstrip("/")
    wait_until_up(url)
    s, n = args.seconds, args.threads
    graph = json.dumps({"expression": "(w2*relu(w1*x + b1) + b2 - 4)**2",
                        "variables": {"x": 3, "w1": 0.5, "b1": 0, "w2": 2, "b2": -1}}).encode()
    overflow_note = ""
    try:
        print(f"server {url}, {n} client threads, {s:g} s per scenario\n")
        print("| scenario | requests | errors | requests/s | p50 ms | p99 ms | max ms |")
        print("|---|---:|---|---:|---:|---:|---:|")
        print(row("health, keep-alive", run(url, s, n, "GET", "/api/health", None, True), s), flush=True)
        print(row("health, new connection per request", run(url, s, n, "GET", "/api/health", None, False), s),
              flush=True)
        before = listen_overflows()
        print(row(f"health, new connection per request, {4 * n} threads",
                  run(url, s, 4 * n, "GET", "/api/health", None, False), s), flush=True)
        after = listen_overflows()
        if before is not None and after is not None:
            overflow_note = f"kernel listen-queue overflows during the {4 * n}-thread row: {after - before}"
        print(row("graph (small expression), keep-alive", run(url, s, n, "POST", "/api/graph", graph, True), s),
              flush=True)
        print(row("health with 100 idle sockets open, new connections", idle_sockets(url, s, n), s), flush=True)
        if not args.skip_upload:
            stats, outcome = health_during_upload(url, s, 4)
            print(row(f"health during the 97-layer upload (upload: {outcome})", stats, s), flush=True)
        print(f"\n{overflow_note}" if overflow_note else "")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
