"""Running the real commands, as a user would from a shell, and stopping them whatever happens.

A process a test starts must not outlive the test run. Ctrl-C alone is not enough: a child
started while SIGINT is ignored (a suite run in the background, under `nohup`, from some CI
runners) inherits the ignored signal, and Python then installs no KeyboardInterrupt handler,
so SIGINT does nothing at all. `stop()` therefore escalates, and every process started with
`start()` is also stopped when the test session ends (tests/conftest.py), even after a
failed or interrupted test.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

STOP_GRACE = 10.0
"""Seconds a process gets to exit after each of SIGINT and SIGTERM before the next signal."""

_started: list[subprocess.Popen] = []


def consent_cli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consent_service", *args],
        env=os.environ | environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start(argv: list[str], **popen: Any) -> subprocess.Popen:
    """Start `argv` in a session of its own, remembered so that the session's end stops it.

    Its own session keeps a Ctrl-C typed at the test run from reaching it behind the tests'
    back, and lets `stop()` kill whatever it started in turn.
    """
    process = subprocess.Popen(argv, start_new_session=True, **popen)
    _started.append(process)
    return process


def stop(
    process: subprocess.Popen,
    grace: float = STOP_GRACE,
    signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM),
) -> tuple[Any, Any]:
    """Stop `process`: each of `signals` in turn (Ctrl-C, then SIGTERM), then SIGKILL, each
    after `grace` seconds of waiting for it to exit; answer what it wrote to its pipes (as
    `communicate()` does).

    SIGKILL goes to the whole process group of a process started by `start()`, so that its
    children go too. Waiting reads the pipes, so a process blocked on a full pipe still exits.
    """
    for signum in signals:
        if process.poll() is None:
            process.send_signal(signum)
        try:
            return process.communicate(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
    _kill(process)
    return process.communicate()


def _kill(process: subprocess.Popen) -> None:
    if process in _started:
        with contextlib.suppress(ProcessLookupError):  # the leader and its children are gone
            os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()


def stop_started() -> None:
    """Stop every process `start()` started that is still running (the session's end)."""
    while _started:
        process = _started[-1]
        if process.poll() is None:
            stop(process)
        _started.pop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
