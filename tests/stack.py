"""The whole service as real processes, for the fault tests: API, relay and mailer workers.

Each part is started exactly as an operator would start it (`consent serve`, `consent relay`,
`mailer work`) with one shared environment, and can be killed with SIGKILL and started again.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from consent_service.config import database_url as driver_url
from tests.processes import consent_cli, free_port, start, stop, wait_for_http

COMMANDS = {
    "api": ["consent_service", "serve"],
    "relay": ["consent_service", "relay"],
    "scheduler": ["consent_service", "scheduler"],
    "mailer": ["mailer", "work"],
}


@dataclass
class Stack:
    environ: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    key: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, part: str, name: str | None = None, **environ: str) -> None:
        """Start a part; `environ` adds settings for this process only (a second mailer)."""
        name = name or part
        argv = [sys.executable, "-m", *COMMANDS[part]]
        if part == "api":
            argv += ["--port", str(self.port)]
        with (self.logs / f"{name}.log").open("a") as log:
            self.processes[name] = start(
                argv,
                env=os.environ | self.environ | environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if part == "api":
            wait_for_http(f"{self.base}/healthz")

    def kill(self, name: str) -> None:
        """SIGKILL: no clean shutdown, no finally blocks, no unacked message handed back."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            stop(process, grace=15, signals=(signal.SIGTERM,))
        self.processes.clear()

    def create_key(self, *scopes: str) -> str:
        """A key with `scopes` for `call`: by default the consent and subject scopes, and the
        change feed's, since tests also hand this key to the mailer (MAILER_REGISTRY_KEY)."""
        scopes = scopes or ("consents:write", "subjects:read", "subjects:write", "sync:read")
        options = [arg for scope in scopes for arg in ("--scope", scope)]
        created = consent_cli(self.environ, "keys", "create", "--name", "stack", *options)
        assert created.returncode == 0, created.stderr
        self.key = created.stdout.strip().splitlines()[-1]
        return self.key

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def registry_state(url: str) -> dict[str, dict[str, str]]:
    """Every live subject's purposes and statuses, read straight from the registry's tables."""
    query = (
        "SELECT s.id, c.purpose, c.status FROM subjects s JOIN consents c ON c.subject_id = s.id "
        "WHERE s.erased_at IS NULL"
    )
    return _state(url, query)


def mailer_state(url: str) -> dict[str, dict[str, str]]:
    """The same, read straight from the mailer's own tables."""
    query = (
        "SELECT r.subject_id, c.purpose, c.status FROM recipients r "
        "JOIN recipient_consents c ON c.subject_id = r.subject_id"
    )
    return _state(url, query)


def outbox_unsent(url: str) -> int:
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def _state(url: str, query: str) -> dict[str, dict[str, str]]:
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(query)).all()
    except SQLAlchemyError:  # the mailer may not have created its tables yet
        rows = []
    finally:
        engine.dispose()
    state: dict[str, dict[str, str]] = {}
    for subject_id, purpose, status in rows:
        state.setdefault(str(uuid.UUID(str(subject_id))), {})[purpose] = status
    return state


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
