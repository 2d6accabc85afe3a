"""The geometry of the overview's bar chart of sign-ups and withdrawals, drawn as SVG.

The server draws it: no chart library, no script, so it shows without JavaScript and under
the console's Content-Security-Policy (colours come from classes in console.css, never an
inline style). The SVG scales to its box through its viewBox, so one drawing fits a phone
and a laptop. It is an image with a title and a description for screen readers; the
numbers themselves are in the table beside it, which is the accessible way to read them.
"""

from dataclasses import dataclass
from datetime import date

from consent_service.domain.tallies import DayCount

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 30
"""Room for the count labels on the left and the day labels below."""
GRID_LINES = 4
LABEL_EVERY = 7


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    day: date


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class DayLabel:
    x: float
    day: date


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    baseline: float
    grants: list[Bar]
    withdrawals: list[Bar]
    ticks: list[Tick]
    labels: list[DayLabel]
    total_grants: int
    total_withdrawals: int
    first: date
    last: date


def nice_ceiling(value: int, steps: int = GRID_LINES) -> int:
    """The smallest round top of the scale (a step of 1, 2 or 5 times a power of ten) that
    holds `value` in `steps` steps; at least `steps`, so an empty chart still has a scale."""
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if step * steps >= value:
                return step * steps
        power *= 10


def draw(days: list[DayCount]) -> Chart:
    """Two bars per day, sign-ups then withdrawals, on one scale from zero."""
    top = nice_ceiling(max((max(d.grants, d.withdrawals) for d in days), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    slot = plot_width / max(len(days), 1)
    bar = slot * 0.38

    def bar_at(index: int, offset: float, value: int, day: date) -> Bar:
        height = plot_height * value / top
        x = LEFT + index * slot + offset
        return Bar(
            round(x, 2), round(baseline - height, 2), round(bar, 2), round(height, 2), value, day
        )

    grants = [bar_at(i, slot * 0.1, d.grants, d.day) for i, d in enumerate(days)]
    withdrawals = [bar_at(i, slot * 0.1 + bar, d.withdrawals, d.day) for i, d in enumerate(days)]
    ticks = [
        Tick(round(baseline - plot_height * step / GRID_LINES, 2), top * step // GRID_LINES)
        for step in range(GRID_LINES + 1)
    ]
    newest = len(days) - 1
    labels = [
        DayLabel(round(LEFT + i * slot + slot / 2, 2), d.day)
        for i, d in enumerate(days)
        if (newest - i) % LABEL_EVERY == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=baseline,
        grants=grants,
        withdrawals=withdrawals,
        ticks=ticks,
        labels=labels,
        total_grants=sum(d.grants for d in days),
        total_withdrawals=sum(d.withdrawals for d in days),
        first=days[0].day if days else date.min,
        last=days[-1].day if days else date.min,
    )
