"""The registry as the benchmarks run it: migrated, with an API key, under gunicorn."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from support.processes import REPO, BenchError, free_port, run, tool

SERVICE_APP = "consent_service.wsgi:app"
BENCH_DIR = Path(__file__).resolve().parents[1]


def migrate(env: dict[str, str]) -> None:
    """`consent db upgrade` on the environment's CONSENT_DATABASE_URL."""
    run([tool("consent"), "db", "upgrade"], env, timeout=120)


def create_api_key(env: dict[str, str], *scopes: str) -> str:
    """A new key named `bench` with these scopes, made by `consent keys create`."""
    command = [tool("consent"), "keys", "create", "--name", "bench"]
    for scope in scopes:
        command += ["--scope", scope]
    out = run(command, env, timeout=60)
    key = out.strip().splitlines()[-1].strip()
    if not key.startswith("ck_"):
        raise BenchError(f"no key in `consent keys create` output: {out[-500:]!r}")
    return key


def call(base: str, key: str, method: str, path: str, body: dict | None = None) -> dict:
    """One JSON API call with the key; the answer's body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    description: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def describe_shape(kind: str, workers: int, threads: int) -> str:
    """`3 x sync`, `2 x gthread x 4 threads`: a gunicorn shape as the reports name it."""
    return f"{workers} x {kind}" + (f" x {threads} threads" if kind == "gthread" else "")


def _has_control_socket() -> bool:
    done = subprocess.run(
        [tool("gunicorn"), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    return "--control-socket" in done.stdout


def start_server(
    env: dict[str, str],
    workdir: Path,
    worker_class: str = "sync",
    workers: int = 3,
    threads: int = 1,
    app: str = SERVICE_APP,
    extra: str = "",
) -> Server:
    """gunicorn on a free loopback port, returned once `/readyz` answers 200.

    `app` may also name a module of bench/ (bench/ is on gunicorn's Python path)."""
    port = free_port()
    log = workdir / f"gunicorn-{worker_class}-{workers}x{threads}-{port}.log"
    cmd = [
        tool("gunicorn"),
        app,
        "--pythonpath",
        str(BENCH_DIR),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        # gunicorn silently turns sync workers into gthread when --threads > 1
        "--threads",
        str(threads if worker_class == "gthread" else 1),
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        # gunicorn >= 24 opens a control socket, by default ~/.gunicorn/gunicorn.ctl, shared
        # with any other gunicorn on the machine; keep ours in the work directory.
        *(
            ["--control-socket", str(workdir / f"gunicorn-{port}.ctl")]
            if _has_control_socket()
            else []
        ),
        *shlex.split(extra),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd,
            # gunicorn may import bench/ modules: leave no __pycache__ there
            env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    description = f"gunicorn {workers} x {worker_class}" + (
        f" ({threads} threads each)" if worker_class == "gthread" else ""
    )
    server = Server(process, port, log, description)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.base}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise BenchError(f"gunicorn not ready within 30 s:\n{log.read_text()[-2000:]}")


def stop_server(server: Server | None) -> None:
    """SIGTERM to gunicorn's process group, SIGKILL if it has not gone within 10 s."""
    if server is None or server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)
