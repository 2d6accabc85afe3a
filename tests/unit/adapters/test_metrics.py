"""The metrics adapters as Prometheus reads them: the registry's scrape-time collector and
commit-time change counts, and the mailer's meter and timed backend."""

import uuid

import pytest
from prometheus_client import generate_latest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from consent_service.adapters import metrics
from consent_service.adapters.metrics import PipelineCollector, count_when_committed, exposition
from mailer.adapters.metrics import PrometheusMeter
from mailer.domain.outgoing import Outcome, Outgoing
from tests.metrics import sample_names, scraped

CHANGE = ("newsletters", "one_click", "withdrawn")
SAMPLE = 'consent_changes_total{purpose="newsletters",source="one_click",status="withdrawn"}'


def changes_counted() -> float:
    return metrics.CONSENT_CHANGES.labels(*CHANGE)._value.get()


def test_the_pipeline_gauges_are_measured_at_each_scrape() -> None:
    lags = iter([(3, 1.23456), (0, 0.0)])
    collector = PipelineCollector(lambda: next(lags), lambda: True)
    first = scraped(exposition(collector).decode())
    second = scraped(exposition(collector).decode())
    assert (first["consent_outbox_unsent_messages"], second["consent_outbox_unsent_messages"]) == (
        3,
        0,
    )
    assert first["consent_outbox_oldest_unsent_age_seconds"] == 1.235
    assert first["consent_broker_up"] == 1


def test_a_scrape_names_the_counters_even_before_anything_is_counted() -> None:
    text = exposition(PipelineCollector(lambda: (0, 0.0), lambda: False)).decode()
    assert {
        "# TYPE consent_changes_total counter",
        "# TYPE consent_relay_published_messages_total counter",
    } <= (set(text.splitlines()))
    assert scraped(text)["consent_broker_up"] == 0


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_a_change_is_counted_when_its_transaction_commits(session) -> None:
    before = changes_counted()
    with session.begin():
        count_when_committed(session, {CHANGE: 2})
        assert changes_counted() == before
    assert changes_counted() == before + 2
    assert (
        scraped(exposition(PipelineCollector(lambda: (0, 0.0), lambda: True)).decode())[SAMPLE]
        == before + 2
    )


def count_then_fail(session: Session) -> None:
    with session.begin():
        count_when_committed(session, {CHANGE: 5})
        raise RuntimeError


def test_a_change_rolled_back_is_never_counted(session) -> None:
    before = changes_counted()
    with pytest.raises(RuntimeError):
        count_then_fail(session)
    with session.begin():
        pass  # the next transaction of the session counts nothing left over
    assert changes_counted() == before


class Backend:
    max_envelopes = 7

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        return []


def test_the_mailer_meter_exports_every_figure_under_its_name() -> None:
    meter = PrometheusMeter()
    meter.events_applied("applied", 3)
    meter.propagated(0.2)
    meter.emails("sent", 5)
    meter.fence_called("passed", 0.01)
    meter.handed_off(0.03)
    timed = meter.timed(Backend(), "sendgrid")
    assert timed.max_envelopes == 7
    timed.send(Outgoing.__new__(Outgoing))
    values = scraped(generate_latest(meter.collectors).decode())
    assert values['mailer_events_applied_total{outcome="applied"}'] == 3
    assert values["mailer_propagation_seconds_count"] == 1
    assert values['mailer_propagation_seconds_bucket{le="0.25"}'] == 1
    assert values['mailer_propagation_seconds_bucket{le="0.1"}'] == 0
    assert values['mailer_campaign_emails_total{outcome="sent"}'] == 5
    assert values['mailer_fence_seconds_count{outcome="passed"}'] == 1
    assert values["mailer_check_to_handoff_seconds_count"] == 1
    assert values['mailer_backend_call_seconds_count{backend="sendgrid"}'] == 1


def test_labels_carry_no_personal_data() -> None:
    """Only closed vocabularies label a sample: no address, name or id could hide in one."""
    meter = PrometheusMeter()
    meter.events_applied("applied", 1)
    meter.emails("failed", 1)
    meter.timed(Backend(), "smtp").send(Outgoing.__new__(Outgoing))
    text = generate_latest(meter.collectors).decode()
    assert "@" not in text
    assert not any(str(uuid.UUID(int=0))[:8] in line for line in text.splitlines())
    assert {"mailer_events_applied_total", "mailer_backend_call_seconds_bucket"} <= sample_names(
        text
    )
