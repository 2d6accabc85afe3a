"""`consent scheduler` as a real process: killed, restarted, and run twice at once.

Every occurrence must still get exactly one run and one run request. The first scheduler
is SIGKILLed; the occurrence it already handled is then made due again, as if it had died
between the run and advancing the schedule, and two schedulers start together: the unique
occurrence key must stop both of them.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.campaigns.factories import outbox, runs_of

YEARLY_UTC = {"rrule": "FREQ=YEARLY", "timezone": "UTC"}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


class Schedulers:
    """`consent scheduler` processes sharing one environment and one log directory."""

    def __init__(self, environ: dict[str, str], logs: Path) -> None:
        self.environ, self.logs, self.running = environ, logs, []

    def start(self, name: str) -> subprocess.Popen:
        """Start one and wait until it is running (its signal handlers are in place)."""
        with (self.logs / f"{name}.log").open("a") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "consent_service", "scheduler"],
                env=os.environ | self.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.running.append(process)
        log_file = self.logs / f"{name}.log"
        wait_for(lambda: "scheduler_started" in log_file.read_text(), f"{name} to start")
        return process

    def stop_all(self) -> list[int]:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=30) for process in self.running]


@pytest.fixture
def schedulers(database_url: str, tmp_path: Path) -> Iterator[Schedulers]:
    environ = {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SECRET_KEY": "test-secret",
        "CONSENT_SCHEDULE_GRACE_MINUTES": str(24 * 60),
    }
    group = Schedulers(environ, tmp_path)
    yield group
    for process in group.running:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_killed_restarted_and_doubled_schedulers_request_each_run_once(
    app, new_campaign, store, schedulers
) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    yearly = new_campaign(YEARLY_UTC, now).campaign  # occurs today at 00:00 UTC, within grace
    with store() as campaigns:
        campaigns.update_campaign(yearly.id, next_run_at=midnight)
    soon = new_campaign({"at": now + timedelta(seconds=2)}, now).campaign

    first = schedulers.start("first")
    wait_for(lambda: len(runs_of(store, yearly.id)) == 1, "today's yearly run")
    wait_for(lambda: len(runs_of(store, soon.id)) == 1, "the one-off run")
    first.kill()
    first.wait(timeout=10)

    with store() as campaigns:  # as if the scheduler had died before advancing the schedule
        campaigns.update_campaign(yearly.id, next_run_at=midnight)
    later = new_campaign({"at": datetime.now(UTC) + timedelta(seconds=2)}, now).campaign
    schedulers.start("second")
    schedulers.start("third")
    wait_for(lambda: len(runs_of(store, later.id)) == 1, "the one-off after the restart")

    def yearly_advanced() -> bool:
        with store() as campaigns:
            row = campaigns.campaign(yearly.id)
        return row is not None and row.next_run_at is not None and row.next_run_at > now

    wait_for(yearly_advanced, "the yearly schedule to move past today again")
    assert schedulers.stop_all()[1:] == [0, 0]
    [yearly_run] = runs_of(store, yearly.id)
    assert yearly_run.scheduled_for == midnight
    assert len(runs_of(store, soon.id)) == 1
    assert len(runs_of(store, later.id)) == 1
    assert len(outbox(app, "campaign.run_requested")) == 3
