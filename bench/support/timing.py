"""Latency percentiles and repeated timings, computed the same way in every benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and the maximum (all 0 for no values)."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)
    return {
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1],
    }


@dataclass(frozen=True)
class Timings:
    """Seconds of repeated runs of the same work: the best says what the code costs, the
    median what a run usually sees, the spread how far apart they were."""

    seconds: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> float:
        return max(self.seconds) - min(self.seconds)


def repeated(work: Callable[[], object], repeat: int) -> Timings:
    """Wall time of `repeat` runs of `work`, one after the other."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return Timings(tuple(seconds))
