"""Limits for the commands that run a user's script (`trace`, `explain`): `--timeout SECONDS`.

With a timeout the command runs itself again in a child process (the same arguments) and watches it:

- the deadline counts from the moment the child reports that the script starts (`script_starting()`);
- in the child, `chainrule.trace.limits.time_limit` raises `TimeLimitReached` into the script when the time
  is up (this stops `time.sleep`, waits, Python loops, and code that turned tracing off), the command
  reports what it recorded and calls `script_finished()`;
- the parent kills the child if the script has not finished `GRACE` seconds after the deadline: a single
  call stuck in C code (`sum(range(10**11))`) cannot be interrupted any other way;
- threads the script left running may run until the deadline; then they are stopped
  (`exit_leaving_threads`), instead of keeping the process alive.

The script's output reaches the terminal as usual (the child shares stdin, stdout and stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import subprocess
import sys
import threading
import time

_ENV_FD = "CHAINRULE_LIMITS_FD"  # set in the child: where to report that the script finished
GRACE = 2.0  # seconds between the deadline and killing a child whose script did not stop
TIMEOUT_EXIT = 3  # the exit status when a limit stopped the script (as trace's --max-steps)


def seconds(text: str) -> float:
    """argparse type for --timeout."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def in_child() -> bool:
    return _ENV_FD in os.environ


def supervise(argv: list[str] | None, timeout: float | None, command: str, lost: str = "") -> int | None:
    """In the first process of a command run with --timeout: run `chainrule <argv>` in a child process under
    the deadline and return its exit status. Returns None when there is nothing to supervise (no timeout, or
    this already is the child): the caller then runs the script itself, under `time_limit(timeout)`.
    `lost` says what a killed child could not deliver (for the message)."""
    if timeout is None or in_child() or argv is None:
        return None
    if os.name != "posix":  # no pass_fds, no select on pipes, no SIGALRM: the limit cannot be enforced
        print(f"chainrule {command}: --timeout is not supported on this platform; running without a time limit",
              file=sys.stderr)
        return None
    read_fd, write_fd = os.pipe()
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, _ENV_FD: str(write_fd),
           "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        child = subprocess.Popen([sys.executable, "-m", "chainrule", *argv], env=env, pass_fds=(write_fd,))
    finally:
        os.close(write_fd)
    try:
        return _watch(child, read_fd, timeout, command, lost)
    finally:
        os.close(read_fd)


def _watch(child: subprocess.Popen, read_fd: int, timeout: float, command: str, lost: str) -> int:
    """Wait for the child's reports: b"s" when the script starts (the deadline counts from there: starting
    Python and importing chainrule is not the script's time), b"x" when it has stopped, EOF when it exited."""
    deadline: float | None = None
    finished = False
    while not finished:
        try:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                data = os.read(read_fd, 16)
                if not data or b"x" in data:
                    finished = True  # the script ended or the child exited: what is left is chainrule's own work
                elif b"s" in data:
                    deadline = time.monotonic() + timeout + GRACE
        except KeyboardInterrupt:  # Ctrl-C reached the child too: let it stop and report
            continue
    if finished:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:
                continue
        return code if code >= 0 else 128 - code
    child.kill()
    child.wait()
    print(f"chainrule {command}: the script was still running {timeout:g} s after it started and could not be "
          f"interrupted (a long call inside C code?); it was killed{lost} (--timeout {timeout:g})",
          file=sys.stderr)
    return TIMEOUT_EXIT


def _report(message: bytes) -> None:
    fd = os.environ.get(_ENV_FD)
    if fd is None:
        return
    with contextlib.suppress(OSError, ValueError):
        os.write(int(fd), message)


_deadline: float | None = None  # in the child: when the script's time is up (time.monotonic())


def script_starting(timeout: float | None) -> None:
    """In the child: the script is about to run (the deadline starts now)."""
    global _deadline
    if timeout is not None:
        _deadline = time.monotonic() + timeout
    _report(b"s")


def script_finished() -> None:
    """In the child: the script has stopped (it no longer needs killing)."""
    _report(b"x")
    fd = os.environ.pop(_ENV_FD, None)
    if fd is not None:
        with contextlib.suppress(OSError, ValueError):
            os.close(int(fd))


def exit_leaving_threads(command: str, code: int) -> None:
    """After the command is done, with a timeout: threads the script left running may go on until the deadline
    (as Python waits for them at exit); those still alive then are stopped, with a message, by ending the process
    now (status 3). Without a timeout nothing happens: Python waits for them as usual."""
    if _deadline is None:
        return
    main = threading.main_thread()
    running = [t for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]
    for thread in running:
        thread.join(max(0.0, _deadline - time.monotonic()))
    running = [t for t in running if t.is_alive()]
    if not running:
        return
    names = ", ".join(t.name for t in running[:3]) + (" ..." if len(running) > 3 else "")
    print(f"chainrule {command}: the script left {len(running)} thread(s) running ({names}) past the time limit; "
          f"they were stopped", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(TIMEOUT_EXIT if code == 0 else code)
