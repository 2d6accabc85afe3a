"""What the mailer's services count and time for the operators, through the `Meter` port."""

import uuid
from datetime import UTC, datetime, timedelta

from mailer.services.apply import apply_each, propagation_lags
from schemas.messages import load_message
from tests.fakes.mailer.outside import FakeRegistryClient, RecordingMeter
from tests.mailer import factories
from tests.unit.mailer.services.given import (
    drive,
    make_sender,
    registry_agreeing,
    request_run,
    seed,
    weekly,
    withdrawn,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def changed(occurred: datetime, version: int = 1, subject_id: uuid.UUID | None = None) -> dict:
    body = factories.consent_changed(subject_id or uuid.uuid4(), version)
    return load_message(body | {"occurred_at": occurred.isoformat()})


def test_an_applied_change_propagated_for_the_time_since_it_occurred(database) -> None:
    messages = [changed(NOW - timedelta(seconds=3))]
    with database() as store:
        results = apply_each(store, messages)
    assert propagation_lags(messages, results, NOW) == [3.0]


def test_a_duplicate_or_stale_change_is_no_propagation(database) -> None:
    subject_id = uuid.uuid4()
    first = changed(NOW - timedelta(seconds=1), version=2, subject_id=subject_id)
    older = changed(NOW - timedelta(seconds=9), version=1, subject_id=subject_id)
    messages = [first, first, older]
    with database() as store:
        results = apply_each(store, messages)
    assert results == ["applied", "duplicate", "stale"]
    assert propagation_lags(messages, results, NOW) == [1.0]


def test_a_change_from_a_clock_ahead_of_ours_propagated_in_no_time(database) -> None:
    messages = [changed(NOW + timedelta(seconds=2))]
    with database() as store:
        results = apply_each(store, messages)
    assert propagation_lags(messages, results, NOW) == [0.0]


def test_a_run_request_is_applied_but_no_propagation(database) -> None:
    messages = [load_message(factories.run_requested())]
    with database() as store:
        results = apply_each(store, messages)
    assert results == ["applied"]
    assert propagation_lags(messages, results, NOW) == []


def test_emails_are_counted_by_outcome_when_their_batch_closes(database, clock, backend) -> None:
    ids = seed(database, 10)
    request_run(database, clock)
    registry_client = registry_agreeing(database)
    registry_client.hold(withdrawn(database.tables.views[ids[0]], version=2))
    meter = RecordingMeter()

    drive(
        make_sender(database, clock, backend=backend, registry_client=registry_client, meter=meter)
    )

    assert meter.outcomes == {"sent": 9, "skipped": 1, "failed": 0, "unknown": 0}


def test_the_cap_s_skips_are_skips_too(database, clock, backend) -> None:
    seed(database, 4)
    meter = RecordingMeter()
    request_run(database, clock)
    drive(make_sender(database, clock, backend=backend, frequency_cap=weekly(1), meter=meter))
    request_run(database, clock)
    drive(make_sender(database, clock, backend=backend, frequency_cap=weekly(1), meter=meter))
    assert meter.outcomes == {"sent": 4, "skipped": 4, "failed": 0, "unknown": 0}


class SlowRegistry(FakeRegistryClient):
    """A registry that takes `delay` to answer the fence, on the test's clock."""

    def __init__(self, clock, delay: timedelta, *snapshots) -> None:
        super().__init__(*snapshots)
        self.on_answer = lambda: clock.advance(delay)


def test_the_check_to_handoff_window_begins_when_the_fence_asks(database, clock, backend) -> None:
    seed(database, 3)
    request_run(database, clock)
    agreeing = registry_agreeing(database)
    slow = SlowRegistry(clock, timedelta(seconds=2), *agreeing.snapshots.values())
    meter = RecordingMeter()

    drive(make_sender(database, clock, backend=backend, registry_client=slow, meter=meter))

    assert len(backend.calls) == 1
    assert meter.handoffs == [2.0]
    assert meter.fence == [("passed", 2.0)]


def test_a_fence_that_cannot_ask_is_counted_unavailable_and_nothing_is_handed_off(
    database, clock, backend
) -> None:
    seed(database, 3)
    request_run(database, clock)
    meter = RecordingMeter()

    drive(make_sender(database, clock, backend=backend, without_registry=True, meter=meter))

    assert [outcome for outcome, _ in meter.fence] == ["unavailable"]
    assert meter.handoffs == []
    assert backend.calls == []
