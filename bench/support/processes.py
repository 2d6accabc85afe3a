"""Child processes of a benchmark: the tools it needs, starting, waiting, stopping, time limit.

A benchmark never installs anything: a missing tool ends the run with a message naming the
package that provides it (bench/README.md lists them).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


SPAWNED: list[Any] = []
"""Load processes started by this run, ended by `end_spawned` if an error left them running."""


class BenchError(Exception):
    """The benchmark cannot go on; everything started so far is torn down."""


class BenchTimeout(BenchError):
    """The run exceeded its time limit."""


def tool(name: str) -> str:
    """A program from this interpreter's environment (.venv/bin), else from PATH."""
    found = VENV_BIN / name
    if found.exists():
        return str(found)
    which = shutil.which(name)
    if which is None:
        raise BenchError(f"{name} not found next to {sys.executable} nor on PATH")
    return which


def optional_tool(name: str) -> str | None:
    """Like `tool`, but None when it is not installed."""
    try:
        return tool(name)
    except BenchError:
        return None


def require_tool(name: str, install: str) -> str:
    """The program, or the end of the run with a message saying how to install it.

    `install` names the package, e.g. "the Debian package `wrk` (apt-get install wrk)"."""
    found = optional_tool(name)
    if found is None:
        raise SystemExit(f"this benchmark needs `{name}`, which is not installed: {install}")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict[str, str], timeout: float) -> str:
    """Run a command to its end in the repository; its stdout, or BenchError with its stderr."""
    done = subprocess.run(
        cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:3])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def start_module(argv: list[str], environ: dict[str, str], log: Path) -> subprocess.Popen:
    """`python -m <argv>` with this interpreter, the environment plus `environ`, output to log."""
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *argv],
            env=os.environ | environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_all(processes: list[subprocess.Popen[Any]], timeout: float = 30) -> None:
    """SIGTERM to each, then wait for each (every one gets its signal before any wait)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=timeout)


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.5
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out waiting for {what}")
        time.sleep(interval)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound the run: BenchTimeout when `seconds` pass, KeyboardInterrupt on SIGTERM, so that
    the caller's teardown (gunicorn stopped, databases dropped) runs in every case."""

    def on_alarm(_signum: int, _frame: Any) -> None:
        raise BenchTimeout(f"time limit of {seconds:.0f} s reached")

    def on_term(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(max(1, int(seconds)))
    try:
        yield
    finally:
        signal.alarm(0)


def spawn(target: Callable[..., None], args: list[tuple[Any, ...]]) -> tuple[Any, list[Any]]:
    """One fresh interpreter per argument tuple, each calling `target(*args, queue)` and
    putting its result on the queue. Spawned, not forked: no state of this process (a
    connection, a lock held by a thread) leaks into the load."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    procs = []
    for arguments in args:
        proc = context.Process(target=target, args=(*arguments, queue))
        proc.start()
        procs.append(proc)
        SPAWNED.append(proc)
    return queue, procs


def shares(total: int, parts: int) -> list[int]:
    """`total` connections over `parts` processes, as evenly as they go."""
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def collect(queue: Any, procs: list[Any], timeout: float) -> list[Any]:
    """Every child's result; fails fast when a child died without sending one."""
    results: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=1))
        except Exception as error:  # queue.Empty
            alive = sum(1 for p in procs if p.is_alive())
            if alive < len(procs) - len(results) or time.monotonic() > deadline:
                raise BenchError("a load process died or hung") from error
    for proc in procs:
        proc.join(timeout=10)
    return results


def end_spawned() -> None:
    for child in SPAWNED:
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)
