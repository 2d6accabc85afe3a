"""The running consent counts on the in-memory fakes: equal to a fresh count of the rows
after any history of sign-ups, withdrawals, confirmations, erasures and imports."""

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given

from consent_service.domain.tallies import EVERYONE, ConsentTally
from tests.fakes.registry import FakeUnitOfWork
from tests.fakes.tables import Tables
from tests.tally_script import (
    POLICY,
    START,
    Counts,
    counted_from_ledger,
    histories,
    play,
    without_zeros,
)


def fresh_tables() -> Tables:
    tables = Tables()
    tables.policies[POLICY] = (datetime(2026, 11, 1, tzinfo=UTC), {"ky": "Саясат"})
    return tables


def counted(tables: Tables) -> Counts:
    per_status = Counter(
        (purpose, row.status) for held in tables.consents.values() for purpose, row in held.items()
    )
    live = sum(1 for s in tables.subjects.values() if s.erased_at is None)
    return Counts(dict(per_status), live, counted_from_ledger(tables.ledger))


def tallied(tables: Tables) -> Counts:
    per_status = without_zeros(dict(tables.consent_counts))
    people = per_status.pop(EVERYONE, 0)
    days = {day: (0, 0) for day, _purpose in tables.consent_days}
    for (day, _purpose), (grants, withdrawals) in tables.consent_days.items():
        days[day] = (days[day][0] + grants, days[day][1] + withdrawals)
    return Counts(per_status, people, {d: n for d, n in days.items() if n != (0, 0)})


@given(histories)
def test_the_running_counts_equal_a_fresh_count_after_any_history(history) -> None:
    tables = fresh_tables()

    play(FakeUnitOfWork(tables), history)

    assert tallied(tables) == counted(tables)


def test_a_withdrawal_counts_only_when_someone_had_joined() -> None:
    tally = ConsentTally()

    tally.change("newsletters", None, "withdrawn", START)
    tally.change("surveys", "pending", "withdrawn", START)
    tally.change("promotions", "granted", "withdrawn", START)

    assert [(d.grants, d.withdrawals) for d in tally.day_deltas().values()] == [(0, 1)]


def test_a_change_is_counted_on_its_day_in_bishkek() -> None:
    tally = ConsentTally()

    tally.change("newsletters", None, "granted", datetime(2026, 11, 20, 18, 30, tzinfo=UTC))

    assert [day.isoformat() for day, _purpose in tally.day_deltas()] == ["2026-11-21"]


def test_an_erased_person_takes_their_consents_out_of_the_counts() -> None:
    tally = ConsentTally()
    tally.arrive()
    tally.change("newsletters", None, "granted", START)

    tally.leave()
    tally.drop("newsletters", "granted")

    assert tally.status_deltas() == {}
    assert not tally.per_status.total() and tally.day_deltas()
