"""Every endpoint of the playgrounds' JSON API against a real server process, with good and bad input."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from web_helpers import Client

from chainrule.web import api


def by_name(view: dict, name: str) -> dict:
    return next(n for n in view["nodes"] if n["name"] == name)


# --- read-only endpoints ----------------------------------------------------------------------------

def test_health_and_functions(client: Client) -> None:
    r = client.get("/api/health")
    assert r.status == 200 and r.json["ok"] is True
    assert r.headers["content-type"] == "application/json"
    f = client.get("/api/functions").json
    names = {x["name"] for x in f["functions"]}
    assert {"relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "max", "min"} <= names
    assert f["limits"]["graph_nodes"] == 2000


def test_openapi_describes_every_route(client: Client) -> None:
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert documented == set(api.ROUTES)


# --- graph lab -----------------------------------------------------------------------------------------

def grads(v: dict) -> dict:
    """{leaf name: gradient} of an answer's graph document."""
    return {n["name"]: n["grad"]["data"] for n in v["document"]["nodes"] if n["kind"] == "leaf"}


def node(v: dict, name: str) -> dict:
    return next(n for n in v["document"]["nodes"] if n["name"] == name)


def paths_of(v: dict, name: str) -> dict:
    return next(p for p in v["tables"]["paths"] if p["name"] == name)


def test_graph_chain_rule_basic(client: Client) -> None:
    r = client.post("/api/graph", {"expression": "(3*x + 1)**2", "variables": {"x": 2.0}})
    assert r.status == 200, r.body
    v = r.json
    doc = v["document"]
    assert doc["schema"] == "chainrule.graph"  # the one model: cr.graph's document
    assert grads(v) == {"x": 42.0}
    out = node(v, "out")
    assert doc["root"] == out["id"] and out["value"]["data"] == 49.0 and out["grad"]["data"] == 1.0
    ops = sorted((n for n in doc["nodes"] if n["kind"] == "op"), key=lambda n: n["forward_index"])
    assert [n["value"]["data"] for n in ops] == [6.0, 7.0, 49.0] and [n["name"] for n in ops] == ["u1", "u2", "out"]
    assert len(doc["backward_steps"]) == 3 and doc["backward_steps"][0]["node"] == out["id"]
    # the pow edge carries the outer derivative 2u = 14 at u = 7; the chain is 14 x 1 x 3 = 42
    (x_paths,) = v["tables"]["paths"]
    (path,) = x_paths["paths"]
    assert path["names"] == ["x", "u1", "u2", "out"] and path["factors"] == ["3.0", "1.0", "14.0"]
    assert path["product"] == 42.0 and len(path["edges"]) == 3 and None not in path["edges"]
    assert v["tables"]["gradient_table"][-1]["location"] == "dout/dx"
    assert v["tables"]["gradient_table"][-1]["grad"] == "42.0"


def test_graph_neuron_and_defaults(client: Client) -> None:
    v = client.post("/api/graph", {"expression": "relu(w*x + b)", "variables": {"w": 1.5, "x": 2}}).json
    assert v["variables"] == {"w": 1.5, "x": 2.0, "b": 1.0}
    assert v["defaulted"] == ["b"]
    assert grads(v)["w"] == 2.0 and grads(v)["b"] == 1.0
    closed = client.post("/api/graph", {"expression": "relu(w*x + b)", "variables": {"w": 1.5, "x": 2, "b": -4}}).json
    assert grads(closed)["w"] == 0.0
    relu_edge = next(e for e in closed["document"]["edges"] if e["target"] == closed["document"]["root"])
    assert relu_edge["local"]["data"] == 0.0


def test_graph_two_layer_chapter_numbers(client: Client) -> None:
    v = client.post("/api/graph", {"expression": "(w2*relu(w1*x + b1) + b2 - 4)**2",
                                   "variables": {"x": 3, "w1": 0.5, "b1": 0, "w2": 2, "b2": -1}}).json
    assert grads(v) == {"w2": -6.0, "w1": -24.0, "x": -4.0, "b1": -8.0, "b2": -4.0}  # dL/dx = dL/dz1 * w1


def test_graph_sum_over_paths(client: Client) -> None:
    v = client.post("/api/graph", {"expression": "x*y + x", "variables": {"x": 2, "y": 3}}).json
    x = paths_of(v, "x")
    assert sorted(p["product"] for p in x["paths"]) == [1.0, 3.0] and x["count"] == 2
    assert x["grad"] == "4.0" and x["total"] == 4.0


@pytest.mark.parametrize(("body", "needle"), [
    ({"expression": "foo(x)", "variables": {"x": 1}}, "unknown function 'foo'"),
    ({"expression": "__import__('os')"}, "unknown function '__import__'"),
    ({"expression": "__import__('os').system('true')"}, "only calls to named functions"),
    ({"expression": "x if x else x", "variables": {"x": 1}}, "IfExp is not allowed"),
    ({"expression": "[x for x in y]", "variables": {"x": 1}}, "ListComp is not allowed"),
    ({"expression": "x == x", "variables": {"x": 1}}, "Compare is not allowed"),
    ({"expression": "x @ x", "variables": {"x": 1}}, "MatMult is not allowed"),
    ({"expression": "x.real", "variables": {"x": 1}}, "Attribute is not allowed"),
    ({"expression": "x[0]", "variables": {"x": 1}}, "Subscript is not allowed"),
    ({"expression": "(lambda: 1)()"}, "only calls to named functions"),
    ({"expression": "'a' * 3"}, "must be a number"),
    ({"expression": "x / (y - y)", "variables": {"x": 1, "y": 2}}, "division by zero"),
    ({"expression": "log(x - 1)", "variables": {"x": 1}}, "log needs a positive number"),
    ({"expression": "sqrt(x)", "variables": {"x": -1}}, "sqrt needs a number >= 0"),
    ({"expression": "x ** 0.5", "variables": {"x": -2}}, "not a real number"),
    ({"expression": "exp(x) * exp(x)", "variables": {"x": 400}}, "overflows"),
    ({"expression": "sqrt(x)", "variables": {"x": 0}}, "not finite"),
    ({"expression": "x", "variables": {"x": 1}}, "no operation to show"),
    ({"expression": "x +", "variables": {"x": 1}}, "syntax error"),
    ({"expression": "x " * 300}, "too long"),
    ({"expression": "-" * 60 + "x", "variables": {"x": 1}}, "nested too deeply"),
    ({"expression": "+".join(["x*x*x*x*x"] * 25), "variables": {"x": 1}}, "too many operations"),  # shallow, 124 ops
    ({"expression": "2 * 3"}, "no variables"),
    ({"expression": ""}, "empty"),
    ({"expression": 42}, "must be a string"),
    ({"expression": "x", "variables": {"x": "1"}}, "must be a number"),
    ({"expression": "x", "variables": {"x": 1e300}}, "between"),
    ({"expression": "x", "variables": [1]}, "variables must be an object"),
    ({"expression": "x", "variables": {"bad name": 1}}, "bad variable name"),
    ({"expression": "relu", "variables": {}}, "relu is a function"),
    ({"expression": "max(x)", "variables": {"x": 1}}, "takes 2 argument"),
    ({"expression": "relu(x=1)"}, "keyword"),
])
def test_graph_bad_input_is_a_clear_400(client: Client, body: dict, needle: str) -> None:
    r = client.post("/api/graph", body)
    assert r.status == 400, r.body
    assert needle in r.json["error"], r.json
    assert r.json["status"] == 400


def test_graph_upload_round_trip(client: Client) -> None:
    v = client.post("/api/graph", {"expression": "x*y + x", "variables": {"x": 2, "y": 3}}).json
    up = client.post("/api/graph/upload", {"graph": v["document"]})
    assert up.status == 200, up.body
    u = up.json
    assert u["uploaded"] is True
    assert grads(u) == {"x": 4.0, "y": 2.0}
    assert u["tables"] == v["tables"] and u["document"]["root"] == v["document"]["root"]


ENGINE = {"schema": "chainrule.graph", "version": 1, "root": "a"}


def _chain(n: int) -> dict:
    """The chainrule.graph document of a leaf and a chain of n - 1 ops (n nodes)."""
    import chainrule as cr

    y = cr.tensor(1.0, requires_grad=True, name="x")
    for _ in range(n - 1):
        y = cr.sin(y)
    return json.loads(cr.graph(y).to_json())


def _minimal(n: int) -> dict:
    """n leaves and nothing else: small on the wire, large in nodes."""
    return {**ENGINE, "nodes": [{"id": "a" if i == 0 else f"n{i}", "kind": "leaf"} for i in range(n)], "edges": []}


@pytest.mark.parametrize(("graph", "needle"), [
    (_minimal(2100), "too large"),
    ({**ENGINE, "nodes": [], "edges": []}, "no nodes"),
    ({**ENGINE, "nodes": "x", "edges": []}, "list of nodes"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "leaf"}, {"id": "a", "kind": "leaf"}], "edges": []}, "unique"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "op"}, {"id": "b", "kind": "leaf"}],
      "edges": [{"source": "b", "target": "c"}]}, "unknown nodes"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "op"}, {"id": "b", "kind": "op"}],
      "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}]}, "cycle"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "leaf", "value": {"data": "7"}}], "edges": []}, "must be a number"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "module"}], "edges": []}, "kind must be"),
    ({**ENGINE, "root": "zz", "nodes": [{"id": "a", "kind": "leaf"}], "edges": []}, "root must be"),
    ("not a graph", "JSON object"),
    ({"nodes": [{"id": "a"}], "edges": []}, "unknown schema"),
    ({"schema": "other.graph", "version": 1, "nodes": [], "edges": []}, "unknown schema"),
    ({"schema": "chainrule.graph", "version": 99, "nodes": [], "edges": []}, "version 99 is not supported"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "leaf"}], "edges": [], "groups": "x"}, "groups must be a list"),
    ({**ENGINE, "nodes": [{"id": "a", "kind": "leaf", "value": 3}], "edges": []}, "must be an object"),
])
def test_graph_upload_bad_input(client: Client, graph: object, needle: str) -> None:
    r = client.post("/api/graph/upload", {"graph": graph})
    assert r.status == 400, r.body
    assert needle in r.json["error"]


def test_graph_upload_of_an_engine_document(client: Client) -> None:
    import chainrule as cr

    w1 = cr.tensor(0.5, requires_grad=True, name="w1")
    b1 = cr.tensor(0.0, requires_grad=True, name="b1")
    w2 = cr.tensor(2.0, requires_grad=True, name="w2")
    b2 = cr.tensor(-1.0, requires_grad=True, name="b2")
    loss = (w2 * cr.relu(w1 * 3.0 + b1) + b2 - 4.0) ** 2
    doc = json.loads(cr.graph(loss).to_json())
    r = client.post("/api/graph/upload", {"graph": doc})
    assert r.status == 200, r.body
    assert grads(r.json) == {"w1": -24.0, "b1": -8.0, "w2": -6.0, "b2": -4.0}  # the chapter's table
    assert r.json["document"]["schema"] == "chainrule.graph"
    rows = {row["name"]: row["grad"] for row in r.json["tables"]["gradient_table"]}
    assert rows["w1"] == "-24.0"


def test_upload_of_a_large_chain_is_within_limits(client: Client) -> None:
    r = client.post("/api/graph/upload", {"graph": _chain(200)})
    assert r.status == 200, r.body[:300]
    assert len(r.json["document"]["nodes"]) == 200


# --- playgrounds ---------------------------------------------------------------------------------------

def test_neuron_chapter_values(client: Client) -> None:
    r = client.post("/api/neuron", {"x": 2, "w": 1.5, "b": -1, "t": 3}).json
    assert r["forward"] == {"wx": 3.0, "z": 2.0, "a": 2.0, "L": 1.0}
    assert (r["factors"]["dL_da"], r["factors"]["da_dz"], r["factors"]["dz_dw"]) == (-2.0, 1.0, 2.0)
    assert r["product"] == r["grads"]["w"] == -4.0
    assert r["grads"]["b"] == -2.0 and r["gate"] == "open"
    assert r["update"]["w"] == pytest.approx(1.9)
    assert r["update"]["L"] < r["forward"]["L"]


def test_neuron_closed_gate(client: Client) -> None:
    r = client.post("/api/neuron", {"x": 2, "w": 1.5, "b": -4, "t": 3}).json
    assert r["forward"]["z"] == -1.0 and r["forward"]["a"] == 0.0
    assert r["gate"] == "closed" and r["factors"]["da_dz"] == 0.0
    assert r["grads"]["w"] == 0.0 and r["update"]["w"] == 1.5


def test_neuron_z_exactly_zero_is_closed(client: Client) -> None:
    r = client.post("/api/neuron", {"x": 2, "w": 1, "b": -2, "t": 3}).json
    assert r["forward"]["z"] == 0.0 and r["gate"] == "closed"


@pytest.mark.parametrize(("body", "needle"), [
    ({"x": 11}, "x must be between -10 and 10"),
    ({"w": "1"}, "w must be a number"),
    ({"b": True}, "b must be a number"),
    ({"lr": -0.1}, "lr must be between 0 and 1"),
    ({"t": None, "x": [1]}, "x must be a number"),
])
def test_neuron_out_of_range(client: Client, body: dict, needle: str) -> None:
    r = client.post("/api/neuron", body)
    assert r.status == 400 and needle in r.json["error"], r.body


def test_two_inputs_shared_delta(client: Client) -> None:
    r = client.post("/api/two-inputs", {"a1": 1, "a2": 0.5, "w1": 0.8, "w2": -0.4, "b": 0.2, "y": 1}).json
    delta = r["factors"]["delta"]
    assert delta == pytest.approx(2 * (0.8 - 1.0))
    assert r["grads"]["w1"] == pytest.approx(delta * 1.0)
    assert r["grads"]["w2"] == pytest.approx(delta * 0.5)
    assert r["grads"]["b"] == pytest.approx(delta)
    closed = client.post("/api/two-inputs", {"b": -5}).json
    assert closed["gate"] == "closed" and closed["grads"]["w1"] == 0.0 == closed["grads"]["w2"]
    assert client.post("/api/two-inputs", {"a1": 100}).status == 400


def test_flip_default_has_a_dead_unit_and_zero_rows(client: Client) -> None:
    r = client.post("/api/flip", {"x": [1, 0, 0, 1], "t": [0, 1, 1, 0]}).json
    assert r["forward"]["z1"] == pytest.approx([0.15, -0.15, 0.65])
    assert r["dead"] == [1] and r["relu_local"] == [1.0, 0.0, 1.0]
    assert r["zero_rows"] == {"W1": [1, 2], "W2": [1]}
    assert r["zero_cols"] == {"W1": [1]}
    assert r["forward"]["loss"] == pytest.approx(1.88925)
    assert r["grads"]["y"] == pytest.approx([2 * (y - t) for y, t in zip(r["forward"]["y"], [0, 1, 1, 0])])


def test_flip_other_inputs(client: Client) -> None:
    assert client.post("/api/flip", {"x": [0, 1, 0, 0]}).json["inputs"]["t"] == [0, 0, 1, 0]  # default: flipped
    r = client.post("/api/flip", {"x": [0, 1, 1, 0]}).json
    assert r["inputs"]["t"] == [0, 1, 1, 0]  # this one is its own flip
    assert r["dead"] == [2] and r["zero_rows"]["W1"] == [0, 3]
    zero = client.post("/api/flip", {"x": [0, 0, 0, 0]}).json
    assert zero["dead"] == [1, 2] and zero["zero_rows"]["W1"] == [0, 1, 2, 3]


def test_flip_steps_and_training(client: Client) -> None:
    curve = client.post("/api/flip", {"steps": 3}).json["curve"]
    assert len(curve) == 4 and curve[3] < curve[0]
    seven = client.post("/api/flip", {"steps": 7}).json
    assert seven["solved"] is True and seven["forward"]["loss"] < 1e-3  # the one example, fitted
    again = client.post("/api/flip", {"steps": 7}).json  # a step count reproduces the state
    assert again["forward"]["loss"] == seven["forward"]["loss"]
    three = client.post("/api/flip", {"train": True}).json["task"]  # all 16 images: not with 3 hidden units
    assert three["solved"] is False and three["errors"] > 0 and "15 regions" in three["why"]
    four = client.post("/api/flip", {"train": True, "hidden": 4}).json
    assert four["task"]["solved"] is True and four["task"]["errors"] == 0 and four["solved"] is True


@pytest.mark.parametrize("body", [{"x": [1, 0, 0]}, {"x": [1, 0, 0, 2]}, {"t": "1001"}, {"steps": 5000},
                                  {"steps": 1.5}, {"lr": 0}, {"train": "yes"}, {"x": [True, 0, 0, 1]},
                                  {"hidden": 5}, {"hidden": "4"}])
def test_flip_bad_input(client: Client, body: dict) -> None:
    r = client.post("/api/flip", body)
    assert r.status == 400, r.body


def test_depth_vanishing_and_exploding(client: Client) -> None:
    v = client.post("/api/depth", {"depth": 20, "activation": "sigmoid", "scale": 1}).json
    assert v["verdict"].startswith("vanishing") and len(v["layers"]) == 20
    assert v["layers"][0]["delta_norm"] < 1e-6 * v["layers"][-1]["delta_norm"]
    e = client.post("/api/depth", {"depth": 20, "activation": "relu", "scale": 2}).json
    assert e["verdict"].startswith("exploding")
    assert client.post("/api/depth", {"activation": "softmax"}).status == 400
    assert client.post("/api/depth", {"depth": 0}).status == 400


# --- HTTP safety -------------------------------------------------------------------------------------

def test_foreign_host_header_is_refused(client: Client) -> None:
    r = client.get("/api/health", headers={"Host": "evil.example:80"})
    assert r.status == 403 and "Host" in r.json["error"]
    r = client.get("/", headers={"Host": f"attacker.test:{client.port}"})
    assert r.status == 403
    assert client.get("/api/health", headers={"Host": f"localhost:{client.port}"}).status == 200


def test_cross_origin_writes_are_refused(client: Client) -> None:
    body = {"x": 2}
    assert client.post("/api/neuron", body, headers={"Origin": "http://evil.example"}).status == 403
    assert client.post("/api/neuron", body, headers={"Origin": f"http://127.0.0.1:{client.port + 1}"}).status == 403
    assert client.post("/api/neuron", body, headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    assert client.post("/api/neuron", body, headers={"Origin": f"http://127.0.0.1:{client.port}"}).status == 200
    r = client.post("/api/neuron", body, headers={"Content-Type": "text/plain"})
    assert r.status == 415


def test_body_limits_and_malformed_json(client: Client) -> None:
    assert client.post("/api/neuron", raw=b"{not json").status == 400
    assert "NaN is not allowed" in client.post("/api/neuron", raw=b'{"x": NaN}').json["error"]
    assert client.post("/api/neuron", raw=b"\xff\xfe").status == 400
    assert client.post("/api/neuron", raw=b"[" * 100_000 + b"]" * 100_000).status == 400
    big = client.request("POST", "/api/graph", body=b"{}", headers={"Content-Type": "application/json",
                                                                    "Content-Length": str(10 * 1024 * 1024)})
    assert big.status == 413 and "too large" in big.json["error"]
    r = client.request("POST", "/api/neuron", headers={"Content-Type": "application/json"})
    assert r.status in (400, 411)
    assert client.post("/api/neuron", [1, 2]).json["error"] == "the request body must be a JSON object"


def test_methods_paths_and_static_files(client: Client) -> None:
    assert client.get("/api/nope").status == 404
    assert client.get("/api/neuron").status == 405
    assert client.post("/api/health", {}).status == 405
    assert client.request("PUT", "/api/neuron", body=b"{}").status == 405
    assert client.request("OPTIONS", "/api/neuron").status == 405
    for method in ("TRACE", "CONNECT", "BREW"):
        r = client.request(method, "/api/neuron")
        assert r.status == 405 and "not allowed" in r.json["error"]
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/", "/etc/passwd", "/static/app.css.bak"):
        assert client.get(path).status == 404, path
    for page in ("/", "/graph", "/neuron", "/two-inputs", "/flip", "/depth"):
        r = client.get(page)
        assert r.status == 200 and r.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert b"http://" not in r.body and b"https://" not in r.body  # nothing loads from elsewhere
    js = client.get("/static/common.js")
    assert js.status == 200 and js.headers["content-type"].startswith("text/javascript")


def test_a_stalled_client_does_not_block_others(client: Client) -> None:
    with socket.create_connection((client.host, client.port), timeout=5) as s:
        s.sendall(b"POST /api/neuron HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n")  # never finished
        start = time.monotonic()
        assert client.get("/api/health").status == 200
        assert time.monotonic() - start < 5


def _wait_until_healthy(client: Client) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # slots come back as the connections close
        try:
            if client.get("/api/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    assert client.get("/api/health").status == 200


def test_a_connection_flood_is_bounded(client: Client) -> None:
    """Connections that have started a request hold their slot (until the request deadline); beyond
    MAX_CONNECTIONS the server answers 503 instead of starting more threads."""
    from chainrule.web.server import MAX_CONNECTIONS

    socks = []
    try:
        for _ in range(MAX_CONNECTIONS):
            s = socket.create_connection((client.host, client.port), timeout=5)
            s.sendall(b"GET /api/health HTTP/1.1\r\n")  # a request begun, never finished
            socks.append(s)
        time.sleep(0.5)
        socks.append(socket.create_connection((client.host, client.port), timeout=5))
        assert socks[-1].recv(200).startswith(b"HTTP/1.1 503")
    finally:
        for s in socks:
            s.close()
    _wait_until_healthy(client)


def test_idle_connections_do_not_take_every_slot(client: Client) -> None:
    """More idle keep-alive sockets than slots: the longest-idle ones are closed to make room."""
    from chainrule.web.server import MAX_CONNECTIONS

    socks = []
    try:
        for _ in range(MAX_CONNECTIONS + 20):
            socks.append(socket.create_connection((client.host, client.port), timeout=5))
        time.sleep(0.3)
        for _ in range(5):
            assert client.get("/api/health").status == 200
    finally:
        for s in socks:
            s.close()
    _wait_until_healthy(client)


def test_garbage_request_lines(client: Client) -> None:
    for raw in (b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"A" * 70000 + b"\r\n\r\n"):
        with socket.create_connection((client.host, client.port), timeout=5) as s:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        assert not data.startswith(b"HTTP/1.1 5") and not data.startswith(b"HTTP/1.0 5"), data[:80]
    assert client.get("/api/health").status == 200


def test_serve_warns_when_binding_elsewhere() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", "serve", "--host", "127.0.0.2", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("chainrule playgrounds: http://127.0.0.2:")
        port = int(line.split(":")[-1].split("/")[0])
        r = Client(f"http://127.0.0.2:{port}").get("/api/health")
        assert r.status == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "WARNING: binding 127.0.0.2" in err


def test_serve_rejects_a_bad_port() -> None:
    r = subprocess.run([sys.executable, "-m", "chainrule", "serve", "--port", "70000"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "port must be between" in r.stderr


def test_api_module_direct_calls_match_http(client: Client) -> None:
    direct = api.call("POST", "/api/neuron", {"x": 2, "w": 1.5, "b": -1, "t": 3})
    assert json.loads(json.dumps(direct)) == client.post("/api/neuron", {"x": 2, "w": 1.5, "b": -1, "t": 3}).json
