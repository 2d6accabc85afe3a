"""The console overview's figures on the in-memory fakes: people per purpose and status,
the days of the chart, the requests waiting, the pipeline."""

import uuid
from datetime import date, timedelta

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.tallies import local_day
from consent_service.services import dashboard
from consent_service.services.consents import set_consent
from consent_service.services.ports.rights import RightsRequestRow
from tests.fakes.overview import FakeOverview
from tests.unit.services.conftest import NOW
from tests.unit.services.factories import context, record

PURPOSES = ["newsletters", "promotions", "surveys"]


def test_people_are_counted_per_purpose_and_status(registry, links, tables) -> None:
    first = record(registry, links, {"newsletters": True, "surveys": False})
    record(registry, links, {"newsletters": True}, double_opt_in=frozenset({"newsletters"}))
    record(registry, links, {"promotions": True})
    set_consent(
        registry,
        first.subject.id,
        "newsletters",
        ConsentStatus.WITHDRAWN,
        context(),
        frozenset(),
        links=None,
    )

    found = dashboard.people(FakeOverview(tables), PURPOSES)

    assert [(p.purpose, p.granted, p.pending, p.withdrawn, p.never_asked) for p in found] == [
        ("newsletters", 0, 1, 1, 1),
        ("promotions", 1, 0, 0, 2),
        ("surveys", 0, 0, 1, 2),
    ]


def test_a_purpose_the_counts_know_but_the_list_lacks_is_shown_last(tables) -> None:
    tables.consent_counts["retired", "granted"] += 2

    found = dashboard.people(FakeOverview(tables), ["newsletters"])

    assert [p.purpose for p in found] == ["newsletters", "retired"]


def test_the_chart_has_every_one_of_the_last_30_days_quiet_ones_as_zeros(
    registry, links, tables
) -> None:
    later = NOW + timedelta(days=10)
    record(registry, links, {"newsletters": True}, now=NOW - timedelta(days=19))
    record(registry, links, {"newsletters": True, "surveys": True}, now=later)

    days = dashboard.changes_per_day(FakeOverview(tables), later)

    assert len(days) == 30
    assert days[0].day == date(2026, 11, 1) and days[-1].day == date(2026, 11, 30)
    assert (days[0].grants, days[-1].grants) == (1, 2)
    assert sum(d.grants + d.withdrawals for d in days[1:-1]) == 0


def test_a_day_before_the_chart_is_left_out(registry, links, tables) -> None:
    record(registry, links, {"newsletters": True}, now=NOW - timedelta(days=19))

    days = dashboard.changes_per_day(FakeOverview(tables), NOW + timedelta(days=30))

    assert sum(d.grants for d in days) == 0


def test_the_requests_waiting_are_counted_from_the_oldest(tables) -> None:
    for hours_ago, done in ((5, False), (30, False), (50, True)):
        at = NOW - timedelta(hours=hours_ago)
        tables.rights_requests.append(
            RightsRequestRow(
                uuid.uuid4(), uuid.uuid4(), "erasure", "admin", "received", at, at if done else None
            )
        )

    waiting = dashboard.open_requests(FakeOverview(tables), NOW)

    assert (waiting.count, waiting.oldest_received_at) == (2, NOW - timedelta(hours=30))


def test_overdue_and_due_soon_requests_are_counted_by_their_due_day(tables) -> None:
    today = local_day(NOW)
    for days_left, done in (
        (-3, False),
        (-1, False),
        (0, False),
        (2, False),
        (3, False),
        (-9, True),
    ):
        tables.rights_requests.append(
            RightsRequestRow(
                uuid.uuid4(),
                uuid.uuid4(),
                "access",
                "email",
                "open",
                NOW,
                NOW if done else None,
                due_on=today + timedelta(days=days_left),
            )
        )

    waiting = dashboard.open_requests(FakeOverview(tables), NOW)

    assert (waiting.count, waiting.overdue, waiting.due_soon) == (5, 2, 2)


def test_the_pipeline_says_how_long_the_oldest_message_waited(registry, links, tables) -> None:
    record(registry, links, {"newsletters": True}, now=NOW - timedelta(minutes=3))

    found = dashboard.pipeline(FakeOverview(tables), lambda: "ok", NOW)

    assert found.lag.unsent >= 1
    assert found.lag.oldest_age_seconds == 180.0
    assert found.broker == "ok"
