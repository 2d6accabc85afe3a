"""`mailer work` as a user runs it: embedded defaults, catch-up, JSON logs, clean stops."""

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mailer.adapters.broker import connect, registry_reports_queue
from mailer.adapters.repository import MailerStore, transaction
from plumbing.db import make_engine, session_factory
from plumbing.logs import EMAIL_LIKE
from tests.mailer import factories
from tests.mailer.brokers import publish, wait_until
from tests.mailer.registry import running_registry
from tests.mailer.runs import emails_per_subject, registry_stub, snapshots_of_view


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
            return MailerStore(session).load(subject_id).recipient
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


def test_work_sends_a_campaign_run_reports_it_and_stops_cleanly(tmp_path: Path) -> None:
    """The whole mailer side: events and a run request from the embedded broker, the fence
    over HTTP, `.eml` files from the file backend, the final report back on the broker."""
    instance = tmp_path / "instance"
    database = instance / "mailer.db"
    broker = connect(None, instance)
    ids = [uuid.uuid4() for _ in range(7)]
    publish(
        broker,
        *(factories.consent_changed(i, 1, email=f"r{n}@example.kg") for n, i in enumerate(ids)),
    )
    engine = make_engine(f"sqlite:///{database}")
    view = partial(transaction, session_factory(engine))
    try:
        with (
            registry_stub(lambda: snapshots_of_view(view) if database.exists() else {}) as url,
            mailer_work(
                tmp_path,
                MAILER_REGISTRY_URL=url,
                MAILER_REGISTRY_KEY="ck_test",
                MAILER_CATCHUP_INTERVAL="3600",
                MAILER_BATCH_SIZE="3",
            ) as worker,
        ):
            wait_until(lambda: all(recipient_in(database, i) for i in ids))
            run = factories.run_requested()
            publish(broker, run)
            wait_until(lambda: len(emails_per_subject(instance, uuid.UUID(run["run_id"]))) == 7)
            reports = wait_until(lambda: final_reports(broker, instance, run["run_id"]))
            lines = worker.stop()
    finally:
        engine.dispose()
    assert emails_per_subject(instance, uuid.UUID(run["run_id"])) == dict.fromkeys(ids, 1)
    assert reports[-1]["counts"]["sent"] == 7
    events = [line.get("event") for line in lines]
    assert {"run_planned", "batch_sent", "run_completed", "run_reported"} <= set(events)
    batches = [line for line in lines if line.get("event") == "batch_sent"]
    assert sorted(line["batch_no"] for line in batches) == [0, 1, 2]
    assert sum(line["sent"] for line in batches) == 7


def final_reports(broker, instance: Path, run_id: str) -> list[dict]:
    """Reports of the run on the registry's queue, once the completed one is among them."""
    found = []
    with broker.clone() as conn:
        queue = registry_reports_queue(False)(conn.channel())
        while (message := queue.get(no_ack=True)) is not None:
            found.append(json.loads(message.body))
    found = [report for report in found if report["run_id"] == run_id]
    return found if any(r["status"] == "completed" for r in found) else []
