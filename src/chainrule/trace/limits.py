"""A wall-clock limit for code run in the main thread: ``with time_limit(5): ...`` raises
`TimeLimitReached` into the running code when the time is up.

A watchdog thread sends ``SIGALRM`` to the main thread, which interrupts ``time.sleep``, blocking waits such as
``thread.join()`` and any Python code, also after the code turned tracing off with ``sys.settrace(None)``.
It cannot interrupt one long call inside C code that never returns to Python (``sum(range(10**11))``):
`chainrule trace --timeout` and `chainrule explain --timeout` therefore also run the script in a child
process that is killed if it overstays. The exception is raised again every 0.1 s until the block ends,
so a script that catches it (``except BaseException``) cannot keep running. Outside the main thread, or
where there is no ``SIGALRM`` (Windows), the limit is not enforced here.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class TimeLimitReached(BaseException):
    """Raised into the running code when its time limit is up (a BaseException, like KeyboardInterrupt, so that
    ``except Exception`` in the script does not swallow it)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the time limit of {seconds:g} s was reached")
        self.seconds = seconds


def can_limit_time() -> bool:
    """Whether `time_limit` is enforced here (the main thread, on a system with SIGALRM and pthread_kill)."""
    return (hasattr(signal, "SIGALRM") and hasattr(signal, "pthread_kill")
            and threading.current_thread() is threading.main_thread())


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `TimeLimitReached` into the block after `seconds` of wall-clock time (None: no limit).

    A watchdog thread sends SIGALRM to the main thread itself (not to the process, which could hand the signal
    to one of the script's threads and leave a blocked main thread asleep), every 0.1 s until the block ends."""
    if seconds is None or not can_limit_time():
        yield
        return
    done = threading.Event()
    main = threading.main_thread().ident
    assert main is not None

    def on_alarm(signum: int, frame: object) -> None:
        if not done.is_set():
            raise TimeLimitReached(seconds)

    def watchdog() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            signal.pthread_kill(main, signal.SIGALRM)
            done.wait(0.1)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    thread = threading.Thread(target=watchdog, name="chainrule-time-limit", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        signal.signal(signal.SIGALRM, previous)
