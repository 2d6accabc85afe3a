"""`consent up`: every process of the service on one machine, started and stopped together.

Each part runs as its own OS process, exactly as it would in production, so the embedded
set-up exercises the same code paths (outbox, broker, catch-up) as a real deployment. A part
that exits unexpectedly is started again after a short pause.
"""

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger(__name__)


@dataclass
class Part:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=os.environ | self.env)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Supervisor:
    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self.stopping = False

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for part in self.parts:
            part.start()
        while not self.stopping:
            time.sleep(0.2)
            for part in self.parts:
                code = part.process.poll() if part.process else None
                if code is not None and not self.stopping:
                    part.restarts += 1
                    log.warning(
                        "part exited; starting it again",
                        extra={"event": "part_restart", "part": part.name, "code": code},
                    )
                    time.sleep(min(part.restarts, 5))
                    part.start()
        for part in self.parts:
            part.stop()
        for part in self.parts:
            part.wait(timeout=15)
        return 0


def python_command(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]
