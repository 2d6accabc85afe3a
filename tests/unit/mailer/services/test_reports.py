"""Run reports: cumulative, with a growing sequence, at most about once a second while a run is
unfinished and at once when it is finished; a broker that is down only delays them."""

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from mailer.services.reports import REPORT_INTERVAL, ReportNotPublished, pump_reports
from schemas.messages import load_message
from tests.fakes.mailer.outside import FakeSink
from tests.unit.mailer.services.given import (
    control,
    drive,
    make_sender,
    request_run,
    run_row,
    seed,
)


def test_reports_carry_a_growing_sequence_and_end_with_the_final_counts(database, clock) -> None:
    seed(database, 25)
    run_id = request_run(database, clock)
    sink = FakeSink()
    sender = make_sender(database, clock, reports=sink)
    sender.plan_next_run()
    for _ in range(3):
        sender.step()
        clock.advance(REPORT_INTERVAL)
    drive(sender)

    sequences = [report["sequence"] for report in sink.reports]
    assert sequences == sorted(set(sequences))
    assert load_message(sink.reports[0])["status"] == "running"
    final = load_message(sink.reports[-1])
    assert (final["run_id"], final["status"], final["sequence"]) == (run_id, "completed", 4)
    assert final["counts"]["sent"] == final["counts"]["recipients"] == 25
    assert run_row(database, run_id).reported_sequence == 4
    assert pump_reports(database, sink, clock.now) == 0


def test_an_unfinished_run_is_reported_at_most_once_an_interval(database, clock) -> None:
    seed(database, 25)
    request_run(database, clock)
    sender = make_sender(database, clock)
    sender.plan_next_run()
    sink = FakeSink()
    assert pump_reports(database, sink, clock.now) == 1
    sender.send_next_batch()

    clock.advance(REPORT_INTERVAL / 2)
    assert pump_reports(database, sink, clock.now) == 0
    clock.advance(REPORT_INTERVAL / 2)
    assert pump_reports(database, sink, clock.now) == 1
    assert [r["sequence"] for r in sink.reports] == [1, 2]


def test_a_finished_run_is_reported_at_once(database, clock) -> None:
    seed(database, 25)
    campaign_id = uuid.uuid4()
    run_id = request_run(database, clock, campaign_id=campaign_id)
    make_sender(database, clock).plan_next_run()
    sink = FakeSink()
    pump_reports(database, sink, clock.now)
    control(database, clock, campaign_id, "cancelled", 1)

    assert pump_reports(database, sink, clock.now) == 1

    assert [(r["status"], r["sequence"]) for r in sink.reports] == [
        ("running", 1),
        ("cancelled", 2),
    ]
    assert run_row(database, run_id).reported_sequence == 2


def test_reports_wait_while_the_broker_is_down_and_go_later(database, clock) -> None:
    campaign_id = uuid.uuid4()
    control(database, clock, campaign_id, "cancelled", 1)
    run_id = request_run(database, clock, campaign_id=campaign_id)
    sink = FakeSink()
    sink.down = True

    with pytest.raises(ReportNotPublished):
        pump_reports(database, sink, clock.now)
    assert run_row(database, run_id).reported_sequence == 0

    sink.down = False
    assert pump_reports(database, sink, clock.now) == 1
    assert [(r["status"], r["sequence"]) for r in sink.reports] == [("cancelled", 1)]


def test_the_sender_pauses_reports_while_the_broker_is_down(database, clock) -> None:
    campaign_id = uuid.uuid4()
    control(database, clock, campaign_id, "cancelled", 1)
    request_run(database, clock, campaign_id=campaign_id)
    sink = FakeSink()
    sink.down = True
    sender = make_sender(database, clock, reports=sink)

    sender.publish_reports()
    sink.down = False
    sender.publish_reports()
    assert sink.reports == []
    clock.advance(timedelta(seconds=5))
    sender.publish_reports()
    assert len(sink.reports) == 1


def test_a_report_published_twice_is_the_same_message(database, clock) -> None:
    campaign_id = uuid.uuid4()
    control(database, clock, campaign_id, "cancelled", 1)
    run_id = request_run(database, clock, campaign_id=campaign_id)
    first, second = FakeSink(), FakeSink()
    pump_reports(database, first, clock.now)
    database.tables.runs[run_id] = replace(run_row(database, run_id), reported_sequence=0)
    pump_reports(database, second, clock.now)
    assert first.reports[0]["message_id"] == second.reports[0]["message_id"]
