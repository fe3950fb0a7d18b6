"""The server under hostile or heavy input: exponential path graphs, numbers beyond float range, wrong types,
slow clients. Every server here is a real process on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from web_helpers import Client

from chainrule.web import api

BIG = 10**400  # an integer JSON allows and float() cannot hold


def value(x: float | None) -> dict | None:
    return None if x is None else {"shape": [], "dtype": "float64", "text": repr(x), "data": x}


def lattice(layers: int, live: bool = False) -> dict:
    """A chainrule.graph document: x feeds the output directly and a lattice of `layers` layers of two nodes,
    each feeding both nodes of the next layer: 2**layers paths. Dead (live=False): the lattice never reaches
    the output, and its edges come first, so a walk that does not prune explores all 2**layers paths before
    the live one."""
    nodes = [{"id": "x", "kind": "leaf", "name": "x", "value": value(1.0), "grad": value(1.0)}]
    edges = []
    prev = ["x"]

    def edge(s: str, t: str) -> None:
        edges.append({"id": f"e{len(edges)}", "source": s, "target": t, "local": value(1.0), "contribution": value(1.0),
                      "flows": True, "formula": "1"})

    for k in range(layers):
        cur = [f"a{k}", f"b{k}"]
        for nid in cur:
            nodes.append({"id": nid, "kind": "op", "op": "add", "name": nid, "value": value(1.0), "grad": value(1.0)})
            for p in prev:
                edge(p, nid)
        prev = cur
    nodes.append({"id": "out", "kind": "op", "op": "add", "name": "out", "value": value(2.0), "grad": value(1.0)})
    edge("x", "out")
    if live:
        for p in prev:
            edge(p, "out")
    return {"schema": "chainrule.graph", "version": 1, "root": "out", "nodes": nodes, "edges": edges}


# --- path work is pruned and capped ------------------------------------------------------------------------

def test_the_97_layer_dead_end_lattice_answers_while_health_stays_fast(client: Client) -> None:
    doc = lattice(97)
    assert len(doc["nodes"]) == 196 and len(json.dumps({"graph": doc})) > 20_000
    result: dict = {}

    def upload() -> None:
        t0 = time.monotonic()
        r = client.request("POST", "/api/graph/upload", body=json.dumps({"graph": doc}).encode(),
                           headers={"Content-Type": "application/json"}, timeout=60)
        result["response"], result["seconds"] = r, time.monotonic() - t0

    t = threading.Thread(target=upload)
    t.start()
    health_times = []
    while t.is_alive() and len(health_times) < 20:
        t0 = time.monotonic()
        assert client.request("GET", "/api/health", timeout=10).status == 200
        health_times.append(time.monotonic() - t0)
    t.join(60)
    r = result["response"]
    assert r.status == 200, r.body[:300]
    assert result["seconds"] < 10  # it never returned before the dead ends were pruned
    assert max(health_times, default=0.0) < 5
    (x,) = r.json["tables"]["paths"]
    assert x["count"] == 1 and len(x["paths"]) == 1 and not x["too_many"]
    assert x["paths"][0]["names"] == ["x", "out"] and x["paths"][0]["product"] == 1.0


def test_a_live_lattice_counts_all_paths_and_summarizes(client: Client) -> None:
    r = client.post("/api/graph/upload", {"graph": lattice(97, live=True)})
    assert r.status == 200, r.body[:300]
    (x,) = r.json["tables"]["paths"]
    assert x["count"] == float(2**97 + 1)  # 2**97 through the lattice, 1 direct
    assert x["too_many"] is True and x["paths"] == [] and 0 < len(x["summary"]) <= 64
    assert "too many to list" in x["note"] and "1.58e+29" in x["note"]


def test_many_leaves_share_one_work_cap() -> None:
    from chainrule.viz import tables as viz_tables
    from chainrule.web import api

    doc = lattice(60, live=True)
    for k in range(30):  # 30 more leaves, each into the lattice's first layer
        doc["nodes"].append({"id": f"v{k}", "kind": "leaf", "name": f"v{k}", "value": value(1.0), "grad": value(1.0)})
        doc["edges"].append({"id": f"ev{k}", "source": f"v{k}", "target": "a0", "local": value(1.0), "flows": True})
    t0 = time.monotonic()
    answer = api.call("POST", "/api/graph/upload", {"graph": doc})
    assert time.monotonic() - t0 < 10
    listed = answer["tables"]["paths"]
    assert len(listed) == viz_tables.MAX_VARIABLES and all(p["too_many"] for p in listed)
    assert any("first 24 of 31 leaves" in n for n in answer["tables"]["notes"])


def test_exact_path_counts_on_a_small_graph() -> None:
    from chainrule.web import api

    answer = api.call("POST", "/api/graph/upload", {"graph": lattice(3, live=True)})
    (x,) = answer["tables"]["paths"]
    assert x["count"] == 2**3 + 1 == len(x["paths"]) and not x["too_many"]
    assert "note" not in x


# --- every input error is a 4xx --------------------------------------------------------------------------

PLAYGROUND_NUMBERS = {"/api/neuron": ["x", "w", "b", "t", "lr"], "/api/two-inputs": ["a1", "a2", "w1", "w2", "b", "y"],
                      "/api/depth": ["depth", "scale"], "/api/flip": ["lr", "steps"]}
CASES = [(path, key) for path, keys in PLAYGROUND_NUMBERS.items() for key in keys]


def _raw_post(client: Client, path: str, text: str):  # noqa: ANN202
    return client.post(path, raw=text.encode())


@pytest.mark.parametrize("value", [BIG, -BIG])
@pytest.mark.parametrize(("path", "key"), CASES)
def test_huge_integers_in_playground_fields(client: Client, path: str, key: str, value: int) -> None:
    r = _raw_post(client, path, json.dumps({key: value}))
    assert r.status == 400, r.body[:300]
    assert key in r.json["error"] and "between" in r.json["error"]


def _upload_fields(value: object) -> list[dict]:
    """Upload documents with `value` in each field of a chainrule.graph document in turn."""
    engine = {"schema": "chainrule.graph", "version": 1, "root": "y", "loss_name": "y",
              "seed": {"data": 1.0, "text": "1.0"}, "notices": [], "groups": [],
              "backward_steps": [{"node": "y", "upstream": {"data": 1.0}, "edges": ["e0"]}],
              "nodes": [{"id": "x", "kind": "leaf", "name": "x", "value": {"data": 1.0}, "grad": {"data": 1.0},
                         "grad_states": [{"step": 0, "text": "1.0", "terms": ["1.0"], "complete": True}]},
                        {"id": "y", "kind": "op", "op": "mul", "value": {"data": 1.0}, "grad": {"data": 1.0},
                         "forward_index": 0, "shape": [], "groups": []}],
              "edges": [{"id": "e0", "source": "x", "target": "y", "index": 0, "local": {"data": 1.0},
                         "contribution": {"data": 1.0}, "step": 0, "flows": True, "text": "1.0 x 1.0 = 1.0"}]}
    docs = []
    for key in ("version", "root", "seed", "notices", "groups", "backward_steps", "loss_name", "status", "nodes",
                "edges", "default_view"):
        docs.append({**engine, key: value})
    for node_key in ("kind", "id", "op", "name", "value", "grad", "grad_states", "forward_index", "shape", "groups",
                     "explicit_name", "inputs", "expression", "module", "time_step"):
        doc = json.loads(json.dumps(engine))
        doc["nodes"][1][node_key] = value
        docs.append(doc)
    for edge_key in ("id", "source", "target", "index", "local", "contribution", "step", "flows", "text", "formula",
                     "accumulated"):
        doc = json.loads(json.dumps(engine))
        doc["edges"][0][edge_key] = value
        docs.append(doc)
    for where in (("nodes", 0, "value", "data"), ("nodes", 0, "grad_states", 0, "step"),
                  ("backward_steps", 0, "edges"), ("backward_steps", 0, "node"), ("edges", 0, "local", "shape")):
        doc = json.loads(json.dumps(engine))
        target = doc
        for k in where[:-1]:
            target = target[k]
        target[where[-1]] = value
        docs.append(doc)
    return docs


@pytest.mark.parametrize("value", [BIG, -BIG, 1e-320, [1], ["x"], {"a": 1}, True, "y", None, 2**63])
def test_every_upload_field_with_odd_values(client: Client, value: object) -> None:
    for doc in _upload_fields(value):
        r = _raw_post(client, "/api/graph/upload", json.dumps({"graph": doc}))
        assert r.status in (200, 400), (doc, r.body[:300])
        if r.status == 400:
            assert r.json["error"], r.json


@pytest.mark.parametrize("value", [BIG, -BIG])
def test_huge_integers_in_graph_variables(client: Client, value: int) -> None:
    r = _raw_post(client, "/api/graph", json.dumps({"expression": "x * 2", "variables": {"x": value}}))
    assert r.status == 400 and "between" in r.json["error"], r.body[:300]


def test_huge_integers_everywhere_through_the_api_module() -> None:
    """The widgets call api.call directly: the same 400s, no OverflowError."""
    for path, key in CASES:
        with pytest.raises(api.ApiError) as info:
            api.call("POST", path, {key: BIG})
        assert info.value.status == 400
    for doc in _upload_fields(BIG):
        try:
            api.call("POST", "/api/graph/upload", {"graph": doc})
        except api.ApiError as exc:
            assert exc.status == 400


def test_read_only_routes_do_not_wait_for_the_engine() -> None:
    with api.ENGINE_LOCK:  # a long computation holds the engine
        assert api.call("GET", "/api/health")["ok"] is True
        assert api.call("GET", "/api/functions")["functions"]
        assert api.call("GET", "/api/openapi.json")["openapi"].startswith("3.")


def test_a_busy_engine_is_a_503_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "LOCK_TIMEOUT", 0.05)
    with api.ENGINE_LOCK, pytest.raises(api.ApiError) as info:
        api.call("POST", "/api/neuron", {})
    assert info.value.status == 503 and "busy" in info.value.message


# --- slow clients: one deadline per request --------------------------------------------------------------

@pytest.fixture(scope="module")
def short_deadline_url() -> Iterator[str]:
    """A server whose clients get 2 s to send a whole request."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--port", "0", "--request-timeout", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        yield line.split()[2].rstrip("/")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _trickle(url: str, data: bytes, pause: float, limit: float) -> tuple[bytes, float]:
    """Send `data` a byte at a time with `pause` between bytes; what came back and when it ended."""
    c = Client(url)
    t0 = time.monotonic()
    received = b""
    with socket.create_connection((c.host, c.port), timeout=limit) as s:
        for byte in data:
            try:
                s.sendall(bytes([byte]))
            except OSError:
                break
            s.settimeout(pause)
            try:
                chunk = s.recv(4096)
                if not chunk:
                    break
                received += chunk
                break
            except TimeoutError:
                pass
            if time.monotonic() - t0 > limit:
                break
        s.settimeout(limit)
        try:
            while chunk := s.recv(4096):
                received += chunk
        except OSError:
            pass
    return received, time.monotonic() - t0


def test_a_trickling_client_meets_the_request_deadline(short_deadline_url: str) -> None:
    """A byte every 0.4 s would never trip a per-read timeout; the per-request deadline (2 s) closes it."""
    request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    received, seconds = _trickle(short_deadline_url, request, pause=0.4, limit=15)
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b"did not arrive within 2 s" in received
    assert seconds < 10  # the whole request needs 18 s at this pace


def test_a_slow_body_meets_the_request_deadline(short_deadline_url: str) -> None:
    c = Client(short_deadline_url)
    with socket.create_connection((c.host, c.port), timeout=15) as s:
        s.sendall(b"POST /api/neuron HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{")
        t0 = time.monotonic()
        data = s.recv(4096)
        assert data.startswith(b"HTTP/1.1 408"), data[:200]
        assert time.monotonic() - t0 < 10
    assert Client(short_deadline_url).get("/api/health").status == 200


def test_a_prompt_client_on_the_short_deadline_server(short_deadline_url: str) -> None:
    c = Client(short_deadline_url)
    assert c.post("/api/neuron", {}).status == 200
    assert c.get("/api/health").status == 200


def test_serve_rejects_a_bad_request_timeout() -> None:
    r = subprocess.run([sys.executable, "-m", "chainrule", "serve", "--request-timeout", "0"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "--request-timeout" in r.stderr and "Traceback" not in r.stderr
