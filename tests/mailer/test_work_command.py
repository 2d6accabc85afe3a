"""`mailer work` as a user runs it: embedded defaults, catch-up, JSON logs, clean stops."""

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mailer.adapters.broker import connect
from mailer.adapters.repository import RecipientStore
from plumbing.db import make_engine
from plumbing.logs import EMAIL_LIKE
from tests.mailer import factories
from tests.mailer.brokers import publish, wait_until
from tests.mailer.registry import running_registry


class Worker:
    """A running `mailer work`, its log file, and how to stop it."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process, self.log = process, log

    def events(self) -> list[str]:
        return [line.get("event") for line in self.lines()]

    def lines(self) -> list[dict]:
        """Every complete line logged so far (the last one may still be being written)."""
        complete = self.log.read_text().rpartition("\n")[0]
        return [json.loads(line) for line in complete.splitlines()]

    def stop(self, signum: int = signal.SIGTERM) -> list[dict]:
        """Signal the worker, wait for it to exit by itself, and return its log lines."""
        self.process.send_signal(signum)
        self.process.wait(timeout=15)
        text = self.log.read_text()
        assert self.process.returncode == 0, text
        assert EMAIL_LIKE.search(text) is None, "an address was logged in clear"
        return self.lines()


@contextmanager
def mailer_work(tmp_path: Path, **environ: str) -> Iterator[Worker]:
    """`python -m mailer work` on nothing but an instance directory (and what is given)."""
    env = os.environ | {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "MAILER_DATABASE_URL": "",
        "BROKER_URL": "",
        "MAILER_REGISTRY_KEY": "",
    }
    log = tmp_path / "mailer.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailer", "work"], env=env | environ, cwd=tmp_path, stderr=stderr
        )
    try:
        yield Worker(process, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def recipient_in(database: Path, subject_id: uuid.UUID):
    """The recipient as the worker stored it, or None (also while the file does not exist)."""
    if not database.exists():
        return None
    engine = make_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session, session.begin():
            return RecipientStore(session).load(subject_id).recipient
    except Exception:  # noqa: BLE001 - the worker may still be creating its tables
        return None
    finally:
        engine.dispose()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_work_applies_events_from_the_embedded_broker_and_stops_on_a_signal(
    tmp_path: Path, signum: int
) -> None:
    subject_id = uuid.uuid4()
    publish(
        connect(None, tmp_path / "instance"),
        factories.consent_changed(subject_id, 1, email="secret.reader@example.kg"),
    )
    with mailer_work(tmp_path) as worker:
        database = tmp_path / "instance" / "mailer.db"
        wait_until(lambda: recipient_in(database, subject_id))
        lines = worker.stop(signum)
    events = [line.get("event") for line in lines]
    applied = [line for line in lines if line.get("event") == "messages_applied"]
    assert sum(line["applied"] for line in applied) == 1
    assert {"catchup_disabled", "started", "consuming", "stopped"} <= set(events)


def test_work_catches_up_at_start_and_then_every_interval(tmp_path: Path) -> None:
    with running_registry(tmp_path) as registry:

        def sign_up() -> uuid.UUID:
            body = {
                "subject": {"email": factories.unique_email(), "locale": "en"},
                "purposes": {"personalization": True},
                "source": "registration",
            }
            return uuid.UUID(registry.call("POST", "/v1/consents", body)["subject_id"])

        before = sign_up()
        with mailer_work(
            tmp_path,
            MAILER_REGISTRY_URL=registry.base_url,
            MAILER_REGISTRY_KEY=registry.key,
            MAILER_CATCHUP_INTERVAL="0.2",
        ) as worker:
            database = tmp_path / "instance" / "mailer.db"
            wait_until(lambda: recipient_in(database, before))
            after = sign_up()
            found = wait_until(lambda: recipient_in(database, after))
            lines = worker.stop()
    assert found.consents["personalization"].status == "granted"
    catch_ups = [line for line in lines if line.get("event") == "catchup_done"]
    assert len(catch_ups) >= 2
    assert catch_ups[0]["buckets_checked"] == 256


def test_work_waiting_for_an_unreachable_broker_still_stops_on_a_signal(tmp_path: Path) -> None:
    with mailer_work(tmp_path, BROKER_URL="amqp://guest:guest@127.0.0.1:9//") as worker:
        wait_until(lambda: "broker_unreachable" in worker.events())
        worker.stop()
