"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import threading

from chainrule.autograd import profiler


def test_a_scope_in_an_unobserved_thread_is_not_tracked_while_another_thread_observes() -> None:
    """While one thread observes scopes (the shared watch flag is on), a `record_function` entered in a thread with
    no observer of its own is not pushed on that thread's scope stack and is published to nobody
    (seed-1515 survivor autograd/profiler.py:90, `watch.on and _local.active` -> `or`: the unobserved thread
    tracked its scopes)."""
    seen: list[tuple[int, ...]] = []

    def other() -> None:
        with profiler.record_function("elsewhere"):
            seen.append(profiler.current_scopes())
        seen.append(profiler.current_scopes())

    with profiler.observe_scopes() as events:
        assert profiler.watch.on
        t = threading.Thread(target=other)
        t.start()
        t.join()
        with profiler.record_function("here"):
            assert len(profiler.current_scopes()) == 1
    assert seen == [(), ()]
    assert [(e.kind, e.name, e.depth, e.parent) for e in events] == [("enter", "here", 0, None),
                                                                       ("exit", "here", 0, None)]
