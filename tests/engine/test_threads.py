"""Autograd state is per thread, as in PyTorch: grad mode, inference mode, anomaly mode, observers.

Two threads training their own models give exactly the single-threaded results even when the interpreter
switches threads every microsecond; a mode set in one thread never shows in another; a playground server
running in a thread next to training in the main thread answers every request.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest

import chainrule as cr


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can, so that any shared state shows."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _run_in_threads(*targets) -> None:
    errors: list[BaseException] = []

    def guarded(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]


# ----------------------------------------------------------------------------------------- training


def _initial(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"w1": rng.standard_normal((3, 8)) * 0.5, "b1": np.zeros(8), "w2": rng.standard_normal((8, 1)) * 0.5,
            "b2": np.zeros(1), "x": rng.standard_normal((16, 3)), "y": rng.standard_normal((16, 1))}


def _train(init: dict[str, np.ndarray], steps: int, use_modes: bool) -> tuple[list[float], dict[str, np.ndarray]]:
    """Full-batch training of a 3-8-1 tanh MLP with SGD; with `use_modes`, also evaluation under no_grad,
    inference_mode and a nested enable_grad each step (what switched the mode for everyone before)."""
    params = {k: cr.tensor(init[k].copy(), requires_grad=True) for k in ("w1", "b1", "w2", "b2")}
    x, y = cr.tensor(init["x"]), cr.tensor(init["y"])
    opt = cr.optim.SGD(list(params.values()), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        hidden = cr.tanh(x @ params["w1"] + params["b1"])
        loss = ((hidden @ params["w2"] + params["b2"] - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if use_modes:
            with cr.no_grad():
                assert not (x @ params["w1"]).requires_grad
                with cr.enable_grad():
                    assert (x @ params["w1"]).requires_grad
            with cr.inference_mode():
                assert (x @ params["w1"]).is_inference()
            assert cr.is_grad_enabled() and not cr.is_inference_mode_enabled()
    return losses, {k: p.detach().numpy().copy() for k, p in params.items()}


def test_two_threads_training_give_exactly_the_single_threaded_results(fast_switching):
    steps = 60
    expected = [_train(_initial(seed), steps, use_modes=True) for seed in (1, 2)]
    results: dict[int, tuple] = {}

    def worker(seed: int):
        return lambda: results.__setitem__(seed, _train(_initial(seed), steps, use_modes=True))

    _run_in_threads(worker(1), worker(2))
    for seed, (losses, params) in zip((1, 2), expected):
        got_losses, got_params = results[seed]
        assert got_losses == losses  # exactly: the same computation, bit for bit
        for k in params:
            np.testing.assert_array_equal(got_params[k], params[k])


def test_backward_in_one_thread_does_not_switch_recording_off_in_another(fast_switching):
    """The original report: a backward pass switched grad mode off for the whole process, so the other
    thread's forward was not recorded ('element 0 of tensors does not require grad')."""
    def loop():
        w = cr.tensor(np.ones(64), requires_grad=True)
        for _ in range(300):
            loss = (cr.sin(w) * cr.cos(w) + w * w).sum()
            assert loss.requires_grad
            loss.backward()
            assert w.grad is not None

    _run_in_threads(loop, loop, loop)


# ----------------------------------------------------------------------------------------- modes


def test_no_grad_in_one_thread_does_not_leak_into_another():
    entered, checked = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def holder():
        with cr.no_grad():
            entered.set()
            checked.wait(timeout=30)
            seen["holder"] = cr.is_grad_enabled()

    def other():
        entered.wait(timeout=30)
        w = cr.tensor(2.0, requires_grad=True)
        seen["other_enabled"] = cr.is_grad_enabled()
        seen["other_records"] = (w * w).requires_grad
        checked.set()

    _run_in_threads(holder, other)
    assert seen == {"holder": False, "other_enabled": True, "other_records": True}
    assert cr.is_grad_enabled()


def test_set_grad_enabled_and_inference_mode_are_per_thread_and_a_new_thread_starts_in_the_defaults():
    seen: dict[str, object] = {}
    cr.set_grad_enabled(False)
    try:
        with cr.inference_mode():
            def child():
                seen["grad"] = cr.is_grad_enabled()
                seen["inference"] = cr.is_inference_mode_enabled()
                seen["tensor"] = cr.ones(2).is_inference()

            _run_in_threads(child)
            assert not cr.is_grad_enabled() and cr.is_inference_mode_enabled()
    finally:
        cr.set_grad_enabled(True)
    assert seen == {"grad": True, "inference": False, "tensor": False}


def test_anomaly_mode_in_one_thread_does_not_leak_into_another():
    entered, checked = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def holder():
        with cr.autograd.detect_anomaly():
            entered.set()
            checked.wait(timeout=30)
            x = cr.tensor(0.0, requires_grad=True)
            with pytest.raises(RuntimeError, match="returned nan values"):
                (cr.sqrt(x) * 0.0).backward()  # 0 * inf = nan in SqrtBackward0's gradient

    def other():
        entered.wait(timeout=30)
        seen["enabled"] = cr.autograd.is_anomaly_enabled()
        x = cr.tensor(0.0, requires_grad=True)
        y = cr.sqrt(x) * 0.0
        seen["trace"] = y.grad_fn.creation_trace  # recorded only under anomaly mode
        y.backward()  # no anomaly check here: the nan gradient is stored, as without detect_anomaly
        seen["grad_is_nan"] = bool(np.isnan(x.grad.item()))
        checked.set()

    _run_in_threads(holder, other)
    assert seen == {"enabled": False, "trace": None, "grad_is_nan": True}
    assert not cr.autograd.is_anomaly_enabled()


def test_observers_see_only_their_own_threads_backward():
    entered, done = threading.Event(), threading.Event()
    steps_seen: dict[str, int] = {}

    def watcher():
        with cr.autograd.observe() as steps:
            entered.set()
            done.wait(timeout=30)
            steps_seen["watcher"] = len(steps)

    def worker():
        entered.wait(timeout=30)
        w = cr.tensor(1.0, requires_grad=True)
        (w * w + w).backward()
        done.set()

    _run_in_threads(watcher, worker)
    assert steps_seen == {"watcher": 0}


# ----------------------------------------------------------------------------------------- the server


def _post(port: int, path: str, payload: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_a_server_in_a_thread_answers_every_request_while_the_main_thread_trains(fast_switching):
    from chainrule.web import start_in_thread

    server = start_in_thread()  # what `chainrule serve` runs, in a daemon thread of this process
    requests = [("/api/graph", {"expression": "(w2*relu(w1*x + b1) + b2 - 4)**2", "variables": {"x": 2}}),
                ("/api/neuron", {"x": 2, "w": 1.5, "b": -1, "t": 3}),
                ("/api/two-inputs", {"a1": 1, "a2": 0.5, "w1": 0.8, "w2": -0.4, "b": 0.2, "y": 1}),
                ("/api/flip", {"x": [1, 0, 0, 1], "t": [0, 1, 1, 0]}),
                ("/api/depth", {"depth": 8, "activation": "sigmoid", "scale": 1})]
    statuses: list[int] = []
    stop = threading.Event()

    def client():
        i = 0
        while not stop.is_set() or i < 2 * len(requests):
            path, body = requests[i % len(requests)]
            statuses.append(_post(server.port, path, body))
            i += 1

    clients = [threading.Thread(target=client) for _ in range(2)]
    try:
        for c in clients:
            c.start()
        init = _initial(3)
        expected = None
        for _ in range(3):  # train in the main thread meanwhile, with mode switches every step
            losses, params = _train(init, 40, use_modes=True)
            if expected is None:
                expected = (losses, params)
            assert losses == expected[0]
    finally:
        stop.set()
        for c in clients:
            c.join(timeout=120)
        server.shutdown()
        server.server_close()
    assert len(statuses) >= 4 * len(requests)
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
