"""The overview chart's geometry (console/chart.py): bars on one scale from zero, a round
top, day labels counted back from today."""

from datetime import date, timedelta

import pytest

from consent_service.console.chart import HEIGHT, draw, nice_ceiling
from consent_service.domain.tallies import DayCount

TODAY = date(2026, 12, 7)


def month(counts: dict[int, tuple[int, int]]) -> list[DayCount]:
    """30 days up to TODAY; `counts` by days back."""
    return [
        DayCount(TODAY - timedelta(days=back), *counts.get(back, (0, 0)))
        for back in range(29, -1, -1)
    ]


@pytest.mark.parametrize(
    ("largest", "top"), [(0, 4), (3, 4), (5, 8), (9, 20), (41, 80), (199, 200), (12_345, 20_000)]
)
def test_the_scale_ends_at_a_round_number_above_the_largest_bar(largest, top) -> None:
    assert nice_ceiling(largest) == top


def test_bars_are_as_tall_as_their_numbers_on_one_scale() -> None:
    chart = draw(month({0: (8, 2), 3: (4, 0)}))

    today_grants, today_withdrawals = chart.grants[-1], chart.withdrawals[-1]
    assert chart.ticks[-1].value == 8
    assert today_grants.height == pytest.approx(4 * today_withdrawals.height)
    assert chart.grants[-4].height == pytest.approx(today_grants.height / 2)
    assert today_grants.y + today_grants.height == pytest.approx(chart.baseline)
    assert chart.baseline < HEIGHT
    assert today_withdrawals.x > today_grants.x


def test_days_are_labelled_weekly_back_from_today() -> None:
    chart = draw(month({}))

    assert [label.day for label in chart.labels][-1] == TODAY
    assert [(TODAY - label.day).days for label in chart.labels] == [28, 21, 14, 7, 0]


def test_totals_and_the_period_describe_the_chart() -> None:
    chart = draw(month({0: (8, 2), 3: (4, 1)}))

    assert (chart.total_grants, chart.total_withdrawals) == (12, 3)
    assert (chart.first, chart.last) == (TODAY - timedelta(days=29), TODAY)
