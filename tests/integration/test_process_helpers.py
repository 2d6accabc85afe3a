"""The tests' own process helpers stop what they start, even a process that ignores Ctrl-C.

A suite run with SIGINT ignored (in the background, under `nohup`) starts its servers with
SIGINT ignored too; a helper that only sent SIGINT then left them running for good.
"""

import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.processes import ROOT, free_port, start, stop, wait_for_http
from tests.stack import wait_until

IGNORING_SIGINT = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]
"""A launcher that execs its arguments with SIGINT ignored, as a background job starts them."""


def is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_consent_serve_that_ignores_ctrl_c_is_stopped(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    served = start(
        [*IGNORING_SIGINT, sys.executable, "-m", "consent_service", "serve", "--port", str(port)],
        env=os.environ | {"CONSENT_INSTANCE_DIR": str(tmp_path), "CONSENT_DATABASE_URL": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_http(f"{base}/healthz", timeout=30)
    served.send_signal(signal.SIGINT)
    wait_for_http(f"{base}/healthz")  # Ctrl-C alone leaves it serving

    stop(served, grace=2)

    assert served.returncode == -signal.SIGTERM
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/healthz", timeout=2)


def test_a_process_deaf_to_sigint_and_sigterm_is_killed_with_its_children() -> None:
    deaf = (
        "import signal, subprocess, sys, time\n"
        "for signum in (signal.SIGINT, signal.SIGTERM):\n"
        "    signal.signal(signum, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    process = start([sys.executable, "-c", deaf], stdout=subprocess.PIPE, text=True)
    child = int(process.stdout.readline())

    stop(process, grace=0.5)

    assert process.returncode == -signal.SIGKILL
    # The group's SIGKILL is sent at once; the child is gone a moment later.
    assert wait_until(lambda: not is_running(child), timeout=10)


def test_a_process_left_running_by_a_failed_test_is_stopped_when_the_session_ends(
    tmp_path: Path,
) -> None:
    """A real pytest session whose only test starts a server and fails before stopping it."""
    pid_file = tmp_path / "pid"
    (tmp_path / "conftest.py").write_text("from tests.conftest import pytest_sessionfinish\n")
    (tmp_path / "test_leaves_a_process.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            from pathlib import Path
            from tests.processes import start

            def test_fails_with_a_process_running():
                process = start({IGNORING_SIGINT!r} + [sys.executable, "-c",
                                "import time; time.sleep(600)"])
                Path({str(pid_file)!r}).write_text(str(process.pid))
                assert False, "fails before stopping what it started"
            """
        )
    )
    session = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert session.returncode == 1, session.stdout + session.stderr
    assert "fails before stopping what it started" in session.stdout
    assert wait_until(lambda: not is_running(int(pid_file.read_text())), timeout=10)
