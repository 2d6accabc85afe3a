"""Run reports: cumulative `mailer.run_report/1` with a growing sequence, on both brokers."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from mailer.adapters import orm
from mailer.adapters.broker import ReportPublisher, connect, registry_reports_queue
from mailer.services.reports import REPORT_INTERVAL, ReportNotPublished, pump_reports
from mailer.services.sending.sender import Sender
from schemas.messages import load_message
from tests.mailer import factories
from tests.mailer.brokers import wait_until
from tests.mailer.runs import (
    MirrorRegistryClient,
    apply,
    drive,
    file_backend,
    request_run,
    run_row,
    seed,
    settings,
)


class Sink:
    """Collects published reports; fails while `down`."""

    def __init__(self) -> None:
        self.reports: list[dict[str, Any]] = []
        self.down = False

    def publish(self, report: dict[str, Any]) -> None:
        if self.down:
            raise ReportNotPublished("broker unreachable")
        self.reports.append(report)


def test_reports_carry_a_growing_sequence_and_end_with_the_final_counts(
    unit_of_work, tmp_path: Path
) -> None:
    seed(unit_of_work, 25)
    run_id = request_run(unit_of_work)
    sink = Sink()

    drive(
        Sender(
            unit_of_work,
            file_backend(tmp_path),
            MirrorRegistryClient(unit_of_work),
            sink,
            settings(),
        )
    )

    sequences = [report["sequence"] for report in sink.reports]
    assert len(sequences) >= 2
    assert sequences == sorted(set(sequences))
    assert load_message(sink.reports[0])["status"] == "running"
    final = load_message(sink.reports[-1])
    assert (final["run_id"], final["status"], final["sequence"]) == (run_id, "completed", 4)
    assert final["counts"] == {
        "recipients": 25,
        "sent": 25,
        "skipped_withdrawn": 0,
        "skipped_capped": 0,
        "failed": 0,
        "unknown": 0,
    }
    assert final["started_at"] <= final["finished_at"]
    run = run_row(unit_of_work, run_id)
    assert run.reported_sequence == run.report_sequence == 4
    assert pump_reports(unit_of_work, sink) == 0


def test_reports_count_per_locale_the_email_is_written_in(unit_of_work, tmp_path: Path) -> None:
    seed(unit_of_work, 7, locale="ky")
    russian = seed(unit_of_work, 6, locale="ru")
    seed(unit_of_work, 3, locale="en")  # the content has no English: written in Kyrgyz
    seed(unit_of_work, 2, locale=None)  # type: ignore[arg-type]  # no locale: the default
    run_id = request_run(unit_of_work)
    registry = MirrorRegistryClient(unit_of_work)
    for subject_id in russian[:2]:
        registry.withdraw(subject_id, 2)  # and says they now speak Kyrgyz: still counted in ru
    sink = Sink()

    drive(Sender(unit_of_work, file_backend(tmp_path), registry, sink, settings()))

    planned = load_message(sink.reports[0])
    zero = dict.fromkeys(planned["counts"], 0)
    assert planned["schema"] == "mailer.run_report/2"
    assert {locale: c["recipients"] for locale, c in planned["by_locale"].items()} == {
        "ky": 12,
        "ru": 6,
    }
    final = load_message(sink.reports[-1])
    assert (final["run_id"], final["status"]) == (run_id, "completed")
    assert final["by_locale"] == {
        "ky": zero | {"recipients": 12, "sent": 12},
        "ru": zero | {"recipients": 6, "sent": 4, "skipped_withdrawn": 2},
    }
    assert final["counts"] == {
        name: sum(c[name] for c in final["by_locale"].values()) for name in final["counts"]
    }


def test_an_unfinished_run_is_reported_at_most_once_a_second_and_a_finished_one_at_once(
    unit_of_work,
) -> None:
    seed(unit_of_work, 25)
    run_id = request_run(unit_of_work)
    Sender(unit_of_work, None, None, None, settings()).plan_next_run()
    start = datetime.now(UTC)
    with unit_of_work() as store:
        store.reports.reported(run_id, 1, start)
        store.session.get(orm.Run, run_id).report_sequence = 2
    with unit_of_work() as store:
        assert store.reports.due(start + REPORT_INTERVAL / 2, REPORT_INTERVAL) == []
        assert len(store.reports.due(start + REPORT_INTERVAL, REPORT_INTERVAL)) == 1
        store.batches.fail_run(run_id, "broken", start)
    with unit_of_work() as store:
        [due] = store.reports.due(start, REPORT_INTERVAL)
    assert (due.status, due.sequence) == ("failed", 3)


def test_reports_wait_while_the_broker_is_down_and_go_later(unit_of_work) -> None:
    campaign_id = uuid.uuid4()
    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 1))
    run_id = request_run(unit_of_work, campaign_id=campaign_id)
    sink = Sink()
    sink.down = True

    with pytest.raises(ReportNotPublished):
        pump_reports(unit_of_work, sink)
    assert run_row(unit_of_work, run_id).reported_sequence == 0

    sink.down = False
    assert pump_reports(unit_of_work, sink) == 1
    [report] = sink.reports
    assert (report["status"], report["sequence"]) == ("cancelled", 1)
    assert run_row(unit_of_work, run_id).reported_sequence == 1


def test_a_report_published_twice_has_the_same_message_id(unit_of_work) -> None:
    campaign_id = uuid.uuid4()
    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 1))
    run_id = request_run(unit_of_work, campaign_id=campaign_id)
    first, second = Sink(), Sink()
    pump_reports(unit_of_work, first)
    with unit_of_work() as store:
        store.session.get(orm.Run, run_id).reported_sequence = 0
    pump_reports(unit_of_work, second)
    assert first.reports[0]["message_id"] == second.reports[0]["message_id"]


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("rabbitmq_url") if request.param == "rabbitmq" else None


@pytest.fixture
def publisher(broker_url: str | None, tmp_path: Path) -> Iterator[ReportPublisher]:
    publisher = ReportPublisher(broker_url, tmp_path / "instance")
    yield publisher
    publisher.close()


def received(url: str | None, instance: Path, expected: int) -> list[dict[str, Any]]:
    """Take `expected` reports off the registry's queue, as the relay would."""
    taken: list[dict[str, Any]] = []
    with connect(url, instance) as connection, Connection.clone(connection) as conn:
        queue = registry_reports_queue(conn.transport.driver_type == "amqp")(conn.channel())

        def take() -> bool:
            message = queue.get(no_ack=True)
            if message is not None:
                taken.append(json.loads(message.body))
            return len(taken) >= expected

        wait_until(take)
    return taken


def test_the_final_report_reaches_the_registrys_queue_on_each_broker(
    unit_of_work, broker_url, publisher: ReportPublisher, tmp_path: Path
) -> None:
    seed(unit_of_work, 12)
    run_id = request_run(unit_of_work)
    drive(
        Sender(
            unit_of_work,
            file_backend(tmp_path),
            MirrorRegistryClient(unit_of_work),
            publisher,
            settings(),
        )
    )
    sent = run_row(unit_of_work, run_id).reported_sequence

    reports = received(broker_url, tmp_path / "instance", expected=2)

    final = load_message(reports[-1])
    assert (final["run_id"], final["status"], final["sequence"]) == (run_id, "completed", sent)
    assert final["counts"]["sent"] == 12


def test_a_report_that_rabbitmq_cannot_take_is_not_recorded_as_published(
    unit_of_work, tmp_path: Path
) -> None:
    campaign_id = uuid.uuid4()
    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 1))
    run_id = request_run(unit_of_work, campaign_id=campaign_id)
    unreachable = ReportPublisher("amqp://guest:guest@127.0.0.1:9//", tmp_path)

    with pytest.raises(ReportNotPublished):
        pump_reports(unit_of_work, unreachable)

    assert run_row(unit_of_work, run_id).reported_sequence == 0
