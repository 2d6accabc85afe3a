"""The scheduler purges once a day: at start, then a day after each purge, never two at once."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.services.housekeeping import Housekeeping
from plumbing.logs import EMAIL_LIKE
from tests.factories import consent_body

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class FakeRetention:
    """Counts purges; `gate` holds a purge until the test lets it finish."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[datetime] = []
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()

    def purge(self, now: datetime) -> dict:
        self.calls.append(now)
        self.gate.wait(timeout=10)
        if self.fail:
            raise RuntimeError("database away")
        return {}


def housekeeping(app, retention: FakeRetention) -> Housekeeping:
    return Housekeeping(
        SqlUnitOfWork(app.extensions["consent.sessions"]),
        "test-secret",
        timedelta(days=365),
        retention=retention,
    )


def tick(jobs: Housekeeping, now: datetime) -> None:
    jobs.tick(now)
    if jobs.purging is not None:
        jobs.purging.join(timeout=10)


def test_the_purge_runs_at_start_and_then_daily(app) -> None:
    retention = FakeRetention()
    jobs = housekeeping(app, retention)
    start = datetime.now(UTC)
    for moment in (start, start + HOUR, start + 23 * HOUR, start + DAY, start + DAY + HOUR):
        tick(jobs, moment)
    assert retention.calls == [start, start + DAY]


def test_a_purge_still_running_is_not_started_again(app) -> None:
    retention = FakeRetention()
    retention.gate.clear()
    jobs = housekeeping(app, retention)
    start = datetime.now(UTC)
    jobs.tick(start)
    jobs.tick(start + 2 * DAY)
    retention.gate.set()
    jobs.purging.join(timeout=10)
    assert retention.calls == [start]


def test_a_failed_purge_is_tried_again_an_hour_later(app) -> None:
    retention = FakeRetention(fail=True)
    jobs = housekeeping(app, retention)
    start = datetime.now(UTC)
    for moment in (start, start + 30 * timedelta(minutes=1), start + HOUR):
        tick(jobs, moment)
    assert retention.calls == [start, start + HOUR]


def test_consent_scheduler_withdraws_an_expired_pending_consent_at_start(
    app, client, writer, environ, tmp_path: Path
) -> None:
    client.post("/v1/consents", json=consent_body(purposes={"newsletters": True}), headers=writer)
    with app.extensions["consent.engine"].begin() as conn:
        conn.execute(
            text("UPDATE consents SET updated_at = :t"), {"t": datetime.now(UTC) - 40 * DAY}
        )
    log = tmp_path / "scheduler.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "consent_service", "scheduler"],
            env=os.environ | environ,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "purge_done" not in log.read_text():
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"no purge in the scheduler's log:\n{log.read_text()}")
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    with app.extensions["consent.engine"].connect() as conn:
        assert conn.execute(text("SELECT status FROM consents")).scalar_one() == "withdrawn"
    text_logged = log.read_text()
    assert EMAIL_LIKE.search(text_logged) is None
    (done,) = [
        json.loads(line)
        for line in text_logged.splitlines()
        if line.startswith("{") and '"purge_done"' in line
    ]
    assert done["pending_consents"] == 1
